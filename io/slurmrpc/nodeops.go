package slurmrpc

import (
	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Node state requests of REQUEST_UPDATE_NODE (slurm.h NODE_*).
const (
	nodeUpdateDown    uint32 = 1      // NODE_STATE_DOWN
	nodeUpdateUndrain uint32 = 1 << 6 // NODE_STATE_UNDRAIN
	nodeUpdateResume  uint32 = 1 << 8 // NODE_RESUME
	nodeUpdateDrain   uint32 = 1 << 9 // NODE_STATE_DRAIN
)

// maxUpdateNodes bounds the node list of one update.
const maxUpdateNodes = state.MaxNodesPerJob

// handleUpdateNode is scontrol update NodeName=… State=DRAIN|DOWN|RESUME|
// UNDRAIN Reason=…. Only SlurmUser and root may (ESLURM_USER_ID_MISSING
// otherwise, as _slurm_rpc_update_node); an unknown name fails the whole
// request with ESLURM_INVALID_NODE_NAME before anything changes. Changing
// other node fields is not supported.
func handleUpdateNode(s *Server, r *request) reply {
	req := r.body.(*slurmproto.UpdateNodeRequest)
	operator := false
	s.Backend.Read(func(v View) { operator = isOperator(v, r.id.UID) })
	if !operator {
		return rcReply(slurmproto.RCUserIDMissing)
	}
	for _, f := range []slurmproto.Str{req.Comment, req.Extra, req.Features, req.FeaturesAct, req.Gres, req.NodeAddr, req.NodeHostname} {
		if !f.IsNull() {
			return rcReply(rcNotSupported)
		}
	}
	if (req.Weight != slurmproto.NoVal && req.Weight != 0) || (req.CPUBind != 0 && req.CPUBind != slurmproto.NoVal) {
		return rcReply(rcNotSupported)
	}
	var op state.NodeAdminOp
	switch req.NodeState {
	case nodeUpdateDrain:
		op = state.NodeDrain
	case nodeUpdateDown:
		op = state.NodeSetDown
	case nodeUpdateResume, nodeUpdateUndrain:
		op = state.NodeResume
	case slurmproto.NoVal:
		// A reason alone (no state) would change the reason in place,
		// which core cannot do.
		return rcReply(rcNotSupported)
	default:
		return rcReply(rcInvalidNodeState)
	}
	expr, _ := req.NodeNames.Get()
	if expr == "" {
		return rcReply(slurmproto.RCInvalidNodeName)
	}
	n, err := hostlist.Count(expr)
	if err != nil || n == 0 || n > maxUpdateNodes {
		return rcReply(slurmproto.RCInvalidNodeName)
	}
	names, err := hostlist.Expand(expr)
	if err != nil {
		return rcReply(slurmproto.RCInvalidNodeName)
	}
	// Check every node first, as _valid_node_state_change would, so a
	// request is applied to all its nodes or to none.
	code := slurmproto.RCSuccess
	skip := make(map[string]bool)
	resumedUnknown := false
	s.Backend.Read(func(v View) {
		nodes := v.State.Nodes()
		for _, name := range names {
			i, ok := v.State.NodeIndex(name)
			if !ok || nodes[i].Deleted {
				code = slurmproto.RCInvalidNodeName
				return
			}
			n := &nodes[i]
			switch {
			case req.NodeState == nodeUpdateResume && !n.Drain && !n.Down:
				code = rcInvalidNodeState // nothing to resume from
			case req.NodeState == nodeUpdateResume && !n.Down && !n.Registered:
				// update_node clears DRAIN, then finds the node's base
				// state UNKNOWN no valid target and answers
				// ESLURM_INVALID_NODE_STATE: the drain is gone all the
				// same (scontrol prints an error, sinfo -R is empty).
				resumedUnknown = true
			case req.NodeState == nodeUpdateUndrain && !n.Drain:
				skip[name] = true // already undrained: nothing to do
			case req.NodeState == nodeUpdateUndrain && n.Down:
				code = rcNotSupported // core cannot clear DRAIN and keep DOWN
			}
		}
	})
	if code != slurmproto.RCSuccess {
		return rcReply(code)
	}
	reason := req.Reason.String()
	first := slurmproto.RCSuccess
	for _, name := range names {
		if skip[name] {
			continue
		}
		_, code := s.do(r, msg.OpNodeAdmin{Node: name, Op: op, Reason: reason})
		if code == slurmproto.RCSuccess && op != state.NodeResume {
			s.nodes.set(name, reason, r.id.UID)
		}
		if code != slurmproto.RCSuccess && first == slurmproto.RCSuccess {
			first = code
		}
	}
	if first == slurmproto.RCSuccess && resumedUnknown {
		first = rcInvalidNodeState
	}
	return rcReply(first)
}
