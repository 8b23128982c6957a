package state

import "slices"

// A job's node lists (sbatch -w and -x) name nodes by index. The wire layer
// resolves names; the state machine checks what only it can know: that
// the nodes exist and that the required ones are in the job's partition.

// validateNodeLists checks s's required and excluded nodes against the node
// table and partition p, answering as slurmctld 22.05 does: lists that
// overlap are ESLURM_INVALID_NODE_NAME (_job_create), a required node
// outside the partition ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE
// (select_nodes; ESLURM_REQUESTED_NODES_NOT_IN_PARTITION needs
// EnforcePartLimits, which FLURM does not read).
func (m *Machine) validateNodeLists(s *JobSpec, p *Partition) *Error {
	for _, list := range [2][]int{s.ReqNodes, s.ExcNodes} {
		if len(list) > MaxNodesPerJob {
			return reject(ErrGeneric, "node list of %d nodes, more than %d", len(list), MaxNodesPerJob)
		}
		for i, n := range list {
			switch {
			case n < 0 || n >= len(m.nodes) || m.nodes[n].Deleted:
				return reject(ErrInvalidNodeName, "Invalid node name specified")
			case i > 0 && list[i-1] >= n:
				return reject(ErrGeneric, "node list not in increasing order")
			}
		}
	}
	for _, n := range s.ReqNodes {
		if _, excluded := slices.BinarySearch(s.ExcNodes, n); excluded {
			return reject(ErrInvalidNodeName, "Job's required and excluded node lists overlap")
		}
		if !slices.Contains(p.Nodes, n) {
			return reject(ErrNodeConfigUnavail, "Requested node configuration is not available")
		}
	}
	return nil
}
