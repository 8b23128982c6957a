package sched

import (
	"errors"
	"fmt"
)

// ErrInvalidSnapshot wraps every error Validate returns.
var ErrInvalidSnapshot = errors.New("sched: invalid snapshot")

// Validate checks a snapshot and options against the limits and the
// invariants the caller is expected to keep: in-range and distinct
// references, values within bounds, distinct job IDs. It returns the
// first problem found, wrapping ErrInvalidSnapshot.
//
// Schedule does not require a valid snapshot (it clamps and ignores what
// Validate rejects), but a caller whose snapshot fails Validate has a bug,
// and Schedule's running time is only bounded for valid snapshots.
func Validate(s Snapshot, o Options) error {
	checks := []func() error{
		func() error { return validateSizes(&s) },
		func() error { return validateOptions(o) },
		func() error { return validateNodes(&s) },
		func() error { return validatePartitions(&s) },
		func() error { return validatePending(&s) },
		func() error { return validateRunning(&s) },
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidSnapshot, err)
		}
	}
	return nil
}

func validateSizes(s *Snapshot) error {
	switch {
	case s.Now <= 0 || s.Now > MaxUnixTime:
		return fmt.Errorf("now %d outside (0, %d]", s.Now, int64(MaxUnixTime))
	case len(s.Nodes) > MaxNodes:
		return fmt.Errorf("%d nodes, limit %d", len(s.Nodes), MaxNodes)
	case len(s.Partitions) > MaxPartitions:
		return fmt.Errorf("%d partitions, limit %d", len(s.Partitions), MaxPartitions)
	case len(s.Pending) > MaxPending:
		return fmt.Errorf("%d pending jobs, limit %d", len(s.Pending), MaxPending)
	case len(s.Running) > MaxRunning:
		return fmt.Errorf("%d running jobs, limit %d", len(s.Running), MaxRunning)
	}
	return nil
}

func validateOptions(o Options) error {
	switch {
	case o.MaxJobTest < 0 || o.MaxJobTest > MaxJobTestLimit:
		return fmt.Errorf("MaxJobTest %d outside [0, %d]", o.MaxJobTest, MaxJobTestLimit)
	case o.BackfillWindow < 0 || o.BackfillWindow > MaxUnixTime:
		return fmt.Errorf("BackfillWindow %d outside [0, %d]", o.BackfillWindow, int64(MaxUnixTime))
	case o.TimelineLimit < 0 || o.TimelineLimit > MaxTimelineLimit:
		return fmt.Errorf("TimelineLimit %d outside [0, %d]", o.TimelineLimit, MaxTimelineLimit)
	}
	return nil
}

func validateNodes(s *Snapshot) error {
	for i, n := range s.Nodes {
		switch {
		case n.CPUs < 1 || n.CPUs > MaxNodeCPUs:
			return fmt.Errorf("node %d (%q): CPUs %d outside [1, %d]", i, n.Name, n.CPUs, MaxNodeCPUs)
		case n.MemMB < 0 || n.MemMB > MaxNodeMemMB:
			return fmt.Errorf("node %d (%q): MemMB %d outside [0, %d]", i, n.Name, n.MemMB, int64(MaxNodeMemMB))
		}
	}
	return nil
}

func validatePartitions(s *Snapshot) error {
	for i, p := range s.Partitions {
		if err := validateNodeList(s, p.Nodes); err != nil {
			return fmt.Errorf("partition %d (%q): %w", i, p.Name, err)
		}
		switch {
		case p.MaxTime < 0 || p.MaxTime > MaxUnixTime:
			return fmt.Errorf("partition %d (%q): MaxTime %d outside [0, %d]", i, p.Name, p.MaxTime, int64(MaxUnixTime))
		case p.MaxNodes < 0:
			return fmt.Errorf("partition %d (%q): negative MaxNodes %d", i, p.Name, p.MaxNodes)
		}
	}
	return nil
}

func validatePending(s *Snapshot) error {
	ids := make(map[uint32]bool, len(s.Pending))
	for i, j := range s.Pending {
		var err error
		switch {
		case ids[j.ID]:
			err = errors.New("duplicate job ID")
		case j.Partition < 0 || j.Partition >= len(s.Partitions):
			err = fmt.Errorf("partition index %d out of range", j.Partition)
		case j.NumNodes < 1 || j.NumNodes > MaxNodes:
			err = fmt.Errorf("NumNodes %d outside [1, %d]", j.NumNodes, MaxNodes)
		case j.CPUsPerNode < 1 || j.CPUsPerNode > MaxNodeCPUs:
			err = fmt.Errorf("CPUsPerNode %d outside [1, %d]", j.CPUsPerNode, MaxNodeCPUs)
		case j.MemPerNodeMB < 0 || j.MemPerNodeMB > MaxNodeMemMB:
			err = fmt.Errorf("MemPerNodeMB %d outside [0, %d]", j.MemPerNodeMB, int64(MaxNodeMemMB))
		case !validTime(j.TimeLimit) || !validTime(j.SubmitTime) || !validTime(j.EligibleTime):
			err = fmt.Errorf("TimeLimit %d, SubmitTime %d or EligibleTime %d outside [0, %d]",
				j.TimeLimit, j.SubmitTime, j.EligibleTime, int64(MaxUnixTime))
		case len(j.ReqNodes) > j.NumNodes:
			err = fmt.Errorf("%d required nodes but NumNodes %d", len(j.ReqNodes), j.NumNodes)
		default:
			if err = validateNodeList(s, j.ReqNodes); err == nil {
				err = validateNodeList(s, j.ExcNodes)
			}
		}
		if err != nil {
			return fmt.Errorf("pending job %d (index %d): %w", j.ID, i, err)
		}
		ids[j.ID] = true
	}
	return nil
}

func validateRunning(s *Snapshot) error {
	ids := make(map[uint32]bool, len(s.Running)+len(s.Pending))
	for _, j := range s.Pending {
		ids[j.ID] = true
	}
	for i, j := range s.Running {
		var err error
		switch {
		case ids[j.ID]:
			err = errors.New("job ID also used by another pending or running job")
		case len(j.Nodes) == 0:
			err = errors.New("no nodes")
		case j.CPUsPerNode < 0 || j.CPUsPerNode > MaxNodeCPUs:
			err = fmt.Errorf("CPUsPerNode %d outside [0, %d]", j.CPUsPerNode, MaxNodeCPUs)
		case j.MemPerNodeMB < 0 || j.MemPerNodeMB > MaxNodeMemMB:
			err = fmt.Errorf("MemPerNodeMB %d outside [0, %d]", j.MemPerNodeMB, int64(MaxNodeMemMB))
		case !validTime(j.ExpectedEnd):
			err = fmt.Errorf("ExpectedEnd %d outside [0, %d]", j.ExpectedEnd, int64(MaxUnixTime))
		default:
			err = validateNodeList(s, j.Nodes)
		}
		if err != nil {
			return fmt.Errorf("running job %d (index %d): %w", j.ID, i, err)
		}
		ids[j.ID] = true
	}
	return nil
}

func validateNodeList(s *Snapshot, nodes []int) error {
	seen := make(map[int]bool, len(nodes))
	for _, n := range nodes {
		if n < 0 || n >= len(s.Nodes) {
			return fmt.Errorf("node index %d out of range [0, %d)", n, len(s.Nodes))
		}
		if seen[n] {
			return fmt.Errorf("node index %d listed twice", n)
		}
		seen[n] = true
	}
	return nil
}

func validTime(t int64) bool { return t >= 0 && t <= MaxUnixTime }
