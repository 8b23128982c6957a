package controller

import (
	"cmp"
	"slices"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// clientRequest turns a client request into a proposal. The reply waits
// until the entry is applied (see afterApply); a follower, or a leader that
// has not yet applied an entry of its term, sends the client elsewhere.
func (c *Controller) clientRequest(from msg.Addr, m msg.ClientRequest, out []Effect) []Effect {
	reply := func(r msg.ClientReply) []Effect {
		r.Seq = m.Seq
		return append(out, Send{To: from, Msg: r})
	}
	if !c.isLeader() || !c.leaderReady {
		r := msg.ClientReply{NotLeader: true}
		if c.leader != 0 && c.leader != c.cfg.ID {
			r.Leader = msg.ControllerAddr(c.leader)
		}
		return reply(r)
	}
	key := reqKey{m.Client, m.Seq}
	if p, dup := c.pending[key]; dup {
		p.from = from // a retry of a request still in flight: answer the newest sender
		return out
	}
	if len(c.pending) >= c.cfg.MaxPendingRequests {
		return reply(msg.ClientReply{Retry: true})
	}
	if op, ok := m.Op.(msg.OpSignal); ok {
		return reply(c.signal(m.UID, op, &out)) // changes no replicated state: nothing to propose
	}
	cmd, err := c.toCommand(m)
	if err != nil {
		return reply(msg.ClientReply{Err: err})
	}
	c.stats.Proposals++
	if c.rn.Propose(encodeEnvelope(m.Client, m.Seq, cmd)) != nil {
		return reply(msg.ClientReply{Retry: true})
	}
	c.pending[key] = &pendingReq{from: from, deadline: c.now.Add(c.cfg.RequestTimeout)}
	return out
}

// toCommand stamps a client operation with the leader's time.
func (c *Controller) toCommand(m msg.ClientRequest) (state.Command, *state.Error) {
	now := c.now.Unix()
	switch op := m.Op.(type) {
	case msg.OpSubmit:
		spec := op.Spec
		spec.UID = m.UID // identity comes from authentication, never from the request body
		return state.Submit{Client: m.Client, Seq: m.Seq, Time: now, Spec: spec}, nil
	case msg.OpCancel:
		return state.Cancel{ID: op.ID, Time: now, UID: m.UID, Array: op.Array}, nil
	case msg.OpUpdate:
		return state.Update{ID: op.ID, Time: now, UID: m.UID, TimeLimit: op.TimeLimit, Priority: op.Priority,
			Nice: op.Nice, Hold: op.Hold, NumNodes: op.NumNodes, Partition: op.Partition, Name: op.Name,
			ReqNodes: op.ReqNodes, ExcNodes: op.ExcNodes}, nil
	case msg.OpRequeue:
		return state.Requeue{ID: op.ID, Time: now, UID: m.UID}, nil
	case msg.OpNodeAdmin:
		n, ok := c.sm.NodeIndex(op.Node)
		if !ok {
			return nil, &state.Error{Code: state.ErrInvalidNodeName, Msg: "Invalid node name specified"}
		}
		return state.NodeAdmin{Node: n, Time: now, UID: m.UID, Op: op.Op, Reason: op.Reason}, nil
	case msg.OpStepCreate:
		nodes, err := c.nodeIndexes(op.Nodes)
		if err != nil {
			return nil, err
		}
		return state.StepCreate{Job: op.Job, Time: now, UID: m.UID, Request: op.Request, Name: op.Name,
			NumNodes: op.NumNodes, Nodes: nodes, Tasks: op.Tasks, CPUs: op.CPUs, TimeLimit: op.TimeLimit,
			SrunHost: op.SrunHost, SrunPID: op.SrunPID}, nil
	case msg.OpStepEnd:
		return state.StepEnd{Job: op.Job, Step: op.Step, Time: now, UID: m.UID, First: op.First, Last: op.Last,
			ExitCode: op.ExitCode, All: op.All}, nil
	case msg.OpCompleteAllocation:
		return state.CompleteAllocation{ID: op.Job, Time: now, UID: m.UID, ExitCode: op.ExitCode,
			Signal: op.Signal, Cancel: op.Cancel}, nil
	}
	return nil, &state.Error{Code: state.ErrGeneric, Msg: "unsupported operation"}
}

// expireRequests answers requests that did not commit in time with Retry:
// the client cannot know whether they will still commit, so it retries
// with the same Seq, which the state machine de-duplicates for submits.
func (c *Controller) expireRequests(out []Effect) []Effect {
	var expired []reqKey
	for key, p := range c.pending {
		if c.now.After(p.deadline) {
			expired = append(expired, key)
		}
	}
	// Effects must not depend on map order, or a seed would not replay.
	slices.SortFunc(expired, func(a, b reqKey) int {
		return cmp.Or(cmp.Compare(a.client, b.client), cmp.Compare(a.seq, b.seq))
	})
	for _, key := range expired {
		out = append(out, Send{To: c.pending[key].from, Msg: msg.ClientReply{Seq: key.seq, Retry: true}})
		delete(c.pending, key)
	}
	return out
}

// afterApply answers the waiting client, if this replica has one, and lets
// the leader act on what the command changed.
func (c *Controller) afterApply(index uint64, env envelope, res state.Result, out []Effect) []Effect {
	if env.client != "" {
		key := reqKey{env.client, env.seq}
		if p, ok := c.pending[key]; ok {
			delete(c.pending, key)
			out = append(out, Send{To: p.from, Msg: msg.ClientReply{Seq: env.seq, Job: res.Job, Err: res.Err, Index: index}})
		}
	}
	c.duties.applied(env.cmd)
	if !c.leaderReady {
		return out
	}
	for _, a := range res.Launch {
		out = c.sendLaunch(a, out)
	}
	for _, a := range res.Kill {
		out = c.sendKill(a, c.sm.HeldBy(a), out)
	}
	return out
}
