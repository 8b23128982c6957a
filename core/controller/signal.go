package controller

import (
	"slices"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// signal delivers op.Signal to a running job's processes on every node of
// its allocation (scancel --signal). A signal changes no replicated state,
// so nothing is proposed: the leader checks the request against the state
// it has applied, sends msg.Kill with the signal to each node and answers
// at once. Delivery is best effort, as in Slurm: a node that misses the
// message does not get the signal. Effects are appended to *out.
func (c *Controller) signal(uid uint32, op msg.OpSignal, out *[]Effect) msg.ClientReply {
	j := c.sm.Job(op.Job)
	switch {
	case op.Signal <= 0 || op.Signal > msg.MaxSignal:
		// Signal 0 would read as "terminate" in msg.Kill.
		return msg.ClientReply{Err: &state.Error{Code: state.ErrGeneric, Msg: "Invalid signal"}}
	case j == nil:
		return msg.ClientReply{Err: &state.Error{Code: state.ErrInvalidJobID, Msg: "Invalid job id specified"}}
	case uid != j.Spec.UID && uid != 0 && uid != c.sm.Options().SlurmUID:
		return msg.ClientReply{Err: &state.Error{Code: state.ErrAccessDenied, Msg: "Access/permission denied"}}
	case j.State.Terminal():
		return msg.ClientReply{Err: &state.Error{Code: state.ErrAlreadyDone, Msg: "Job/step already completing or completed"}}
	case !j.Running():
		return msg.ClientReply{Err: &state.Error{Code: state.ErrTransitionNoUpdate, Msg: "Job is not running"}}
	}
	a := state.JobAttempt{ID: j.ID, Attempt: j.Attempt}
	nodes := c.sm.Nodes()
	for _, n := range j.Nodes {
		if !slices.ContainsFunc(nodes[n].Holds, func(h state.Hold) bool { return h.JobAttempt == a }) {
			continue // nothing of this attempt runs there any more
		}
		*out = append(*out, Send{To: msg.NodeAddr(nodes[n].Name), Msg: msg.Kill{Term: c.term, Job: a, Signal: op.Signal}})
	}
	return msg.ClientReply{Job: j.ID}
}

// nodeIndexes resolves node names; nil stays nil.
func (c *Controller) nodeIndexes(names []string) ([]int, *state.Error) {
	if len(names) > state.MaxNodesPerJob {
		return nil, &state.Error{Code: state.ErrInvalidNodeCount, Msg: "Node count specification invalid"}
	}
	var out []int
	for _, name := range names {
		n, ok := c.sm.NodeIndex(name)
		if !ok {
			return nil, &state.Error{Code: state.ErrInvalidNodeName, Msg: "Invalid node name specified"}
		}
		out = append(out, n)
	}
	return out, nil
}
