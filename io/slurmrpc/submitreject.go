package slurmrpc

import (
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Slurm error numbers for submissions that ask for more than a partition
// has (slurm_errno.h).
const (
	rcTooManyRequestedCPUs uint32 = 2005 // ESLURM_TOO_MANY_REQUESTED_CPUS
)

// submitRejection turns core's rejection of a submission into what
// slurmctld answers for the same request: core says only "the request
// does not fit" (ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE), while
// slurmctld tells a node count over the partition's
// (ESLURM_INVALID_NODE_COUNT) and a CPU total over it
// (ESLURM_TOO_MANY_REQUESTED_CPUS) apart, and adds the text sbatch
// prints before its error line (job_allocate's err_msg) for an unknown
// partition and for CPU or memory needs no node can meet. It only
// refines the code core gave; it never turns a rejection into an
// acceptance or the reverse.
func (s *Server) submitRejection(code uint32, spec *state.JobSpec) *submitError {
	switch code {
	case slurmproto.RCInvalidPartitionName:
		if spec.Partition != "" {
			return refuse(code, "invalid partition specified: %s", spec.Partition)
		}
	case slurmproto.RCRequestedNodeConfigUnavailable:
		var e *submitError
		s.Backend.Read(func(v View) { e = explainNoFit(v.State, spec) })
		if e != nil {
			return e
		}
	}
	return &submitError{code: code}
}

// explainNoFit finds which of slurmctld's checks a spec that fits no
// node set of its partition fails first, or nil to keep core's answer.
func explainNoFit(m *state.Machine, spec *state.JobSpec) *submitError {
	var part *state.Partition
	parts := m.Partitions()
	for i := range parts {
		if (spec.Partition == "" && parts[i].Default) || parts[i].Name == spec.Partition {
			part = &parts[i]
			break
		}
	}
	if part == nil {
		return nil
	}
	nodes := m.Nodes()
	var totalCPUs, maxCPUs int
	var maxMem int64
	for _, n := range part.Nodes {
		if n < 0 || n >= len(nodes) {
			continue
		}
		totalCPUs += nodes[n].CPUs
		maxCPUs = max(maxCPUs, nodes[n].CPUs)
		maxMem = max(maxMem, nodes[n].MemMB)
	}
	numNodes := max(spec.NumNodes, 1)
	cpt := max(spec.CPUsPerTask, 1)
	tasks := max(spec.NumTasks, numNodes)
	switch {
	case numNodes > len(part.Nodes):
		return &submitError{code: rcInvalidNodeCount}
	case int64(tasks)*int64(cpt) > int64(totalCPUs):
		return &submitError{code: rcTooManyRequestedCPUs}
	case cpt > maxCPUs:
		return refuse(slurmproto.RCRequestedNodeConfigUnavailable, "CPU count per node can not be satisfied")
	case spec.MemPerNode > maxMem || (spec.MemPerCPU > 0 && spec.MemPerCPU*int64(cpt) > maxMem):
		return refuse(slurmproto.RCRequestedNodeConfigUnavailable, "Memory specification can not be satisfied")
	}
	return nil
}
