package slurmrpc

import (
	"slices"
	"strings"

	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Dynamic nodes (flurmnd -Z, Slurm's slurmd -Z). No slurm.conf names them,
// so everything a client needs to reach one comes from the replicated
// record: node records show its NodeAddr, NodeHostname and Port, srun
// gets its address in the job credential's alias list (as slurmctld's
// set_job_alias_list makes it, "name:[addr]:hostname"), and the
// controller reaches its slurmd port at the recorded address. A deleted
// node is a tombstone in the state; node info packs an empty record in
// its place, as pack_all_node packs a blank node for a free slot, so the
// node indexes of partition and job records stay valid.

// nodeStateDynamicNorm is NODE_STATE_DYNAMIC_NORM (slurm.h): scontrol
// shows it as +DYNAMIC_NORM.
const nodeStateDynamicNorm uint32 = 1 << 26

// nodeEndpointOf is where node n's daemon listens for Slurm messages.
func nodeEndpointOf(v View, n *state.Node) nodeEndpoint {
	if n.Dynamic {
		return nodeEndpoint{n.Addr, n.Port}
	}
	host, port := nodeSlurmdAddr(v.Conf, n.Name)
	return nodeEndpoint{host, port}
}

// aliasList is a job's alias list: its dynamic nodes in node index order,
// or "" when it has none.
func aliasList(nodes []state.Node, idx []int) string {
	sorted := slices.Clone(idx)
	slices.Sort(sorted)
	var b strings.Builder
	for _, i := range sorted {
		if i < 0 || i >= len(nodes) || !nodes[i].Dynamic || nodes[i].Deleted {
			continue
		}
		n := &nodes[i]
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n.Name + ":[" + n.Addr + "]:" + n.Hostname)
	}
	return b.String()
}

// dynamicNodeFields fills a node record's address fields from a dynamic
// node's record.
func dynamicNodeFields(r *slurmproto.NodeInfo, n *state.Node) {
	r.NodeAddr = slurmproto.S(n.Addr)
	r.NodeHostname = slurmproto.S(n.Hostname)
	r.Port = uint16(max(min(n.Port, 0xffff), 0))
	r.NodeState |= nodeStateDynamicNorm
}

// blankNodeRecord stands for a deleted node: no name, so clients skip it.
func blankNodeRecord(v View) slurmproto.NodeInfo {
	return slurmproto.NodeInfo{Select: slurmproto.NodeSelectInfo{PluginID: selectPluginID(v.Conf)}}
}

// handleDeleteNode is scontrol delete nodename=…: only root and SlurmUser
// (ESLURM_USER_ID_MISSING otherwise, as _slurm_rpc_delete_node). Each node
// is deleted on its own, as delete_nodes does: an unknown name gives
// ESLURM_INVALID_NODE_NAME, a node holding a job ESLURM_NODES_BUSY, and
// the others are still deleted; the first error is answered (as a plain
// return code: delete_nodes' message naming the failed nodes is not sent).
func handleDeleteNode(s *Server, r *request) reply {
	req := r.body.(*slurmproto.UpdateNodeRequest)
	operator := false
	s.Backend.Read(func(v View) { operator = isOperator(v, r.id.UID) })
	if !operator {
		return rcReply(slurmproto.RCUserIDMissing)
	}
	expr, _ := req.NodeNames.Get()
	n, err := hostlist.Count(expr)
	if expr == "" || err != nil || n == 0 || n > maxUpdateNodes {
		return rcReply(slurmproto.RCInvalidNodeName)
	}
	names, err := hostlist.Expand(expr)
	if err != nil {
		return rcReply(slurmproto.RCInvalidNodeName)
	}
	first := slurmproto.RCSuccess
	for _, name := range names {
		known := false
		s.Backend.Read(func(v View) {
			i, ok := v.State.NodeIndex(name)
			known = ok && !v.State.Nodes()[i].Deleted
		})
		code := slurmproto.RCInvalidNodeName
		if known {
			_, code = s.do(r, msg.OpNodeAdmin{Node: name, Op: state.NodeDelete})
		}
		if code != slurmproto.RCSuccess && first == slurmproto.RCSuccess {
			first = code
		}
	}
	return rcReply(first)
}

// Registered here rather than in dispatch.go's table; package init
// functions run in file name order, so the table exists by now.
func init() { handlers[slurmproto.RequestDeleteNode] = handleDeleteNode }
