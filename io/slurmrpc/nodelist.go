package slurmrpc

import (
	"slices"

	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// rcInvalidNodeName is ESLURM_INVALID_NODE_NAME: a node list names a node
// the cluster does not have, or is not a host list at all.
const rcInvalidNodeName = uint32(state.ErrInvalidNodeName)

// nodeListSpec resolves --nodelist (-w) and --exclude (-x) against the
// node table into the spec's sorted node indexes. sbatch and srun send
// host-list expressions; a file name was already read by the client.
func (s *Server) nodeListSpec(spec *state.JobSpec, d *slurmproto.JobDesc) *submitError {
	req, reqSet := d.ReqNodes.Get()
	exc, excSet := d.ExcNodes.Get()
	if (!reqSet || req == "") && (!excSet || exc == "") {
		return nil
	}
	var serr *submitError
	s.Backend.Read(func(v View) {
		if spec.ReqNodes, serr = resolveNodes(v.State, req); serr == nil {
			spec.ExcNodes, serr = resolveNodes(v.State, exc)
		}
	})
	return serr
}

// resolveNodes expands a host list into sorted, distinct node indexes. A
// name the table does not hold, or a deleted dynamic node, is
// ESLURM_INVALID_NODE_NAME, as slurmctld answers.
func resolveNodes(m *state.Machine, expr string) ([]int, *submitError) {
	if expr == "" {
		return nil, nil
	}
	names, err := hostlist.Expand(expr)
	if err != nil || len(names) > state.MaxNodesPerJob {
		return nil, &submitError{code: rcInvalidNodeName}
	}
	nodes := m.Nodes()
	out := make([]int, 0, len(names))
	for _, name := range names {
		i, ok := m.NodeIndex(name)
		if !ok || nodes[i].Deleted {
			return nil, &submitError{code: rcInvalidNodeName}
		}
		out = append(out, i)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
