package sched

import (
	"cmp"
	"slices"
)

// queueEntry carries a pending job's sort key.
type queueEntry struct {
	tier     int
	priority uint32
	submit   int64
	id       uint32
	index    int // position in Snapshot.Pending: the last tie-break
}

// queue returns the indices of the pending jobs in the order a pass
// considers them: partition PriorityTier (higher first), then Priority
// (higher first), then SubmitTime (earlier first), then ID (lower first),
// as Slurm's sort_job_queue2 orders them. The input index breaks any
// remaining tie, so the order is total and deterministic even with
// duplicate IDs.
func queue(s *Snapshot) []int {
	entries := make([]queueEntry, len(s.Pending))
	for i, job := range s.Pending {
		tier := 0
		if job.Partition >= 0 && job.Partition < len(s.Partitions) {
			tier = s.Partitions[job.Partition].PriorityTier
		}
		entries[i] = queueEntry{
			tier:     tier,
			priority: job.Priority,
			submit:   job.SubmitTime,
			id:       job.ID,
			index:    i,
		}
	}
	slices.SortFunc(entries, compareQueueEntries)
	order := make([]int, len(entries))
	for i, e := range entries {
		order[i] = e.index
	}
	return order
}

func compareQueueEntries(a, b queueEntry) int {
	if c := cmp.Compare(b.tier, a.tier); c != 0 {
		return c
	}
	if c := cmp.Compare(b.priority, a.priority); c != 0 {
		return c
	}
	if c := cmp.Compare(a.submit, b.submit); c != 0 {
		return c
	}
	if c := cmp.Compare(a.id, b.id); c != 0 {
		return c
	}
	return cmp.Compare(a.index, b.index)
}

// partitionNodes returns, per partition, its valid and distinct node
// indices in selection order: lower Weight first, then lower index.
func partitionNodes(s *Snapshot) [][]int {
	byPreference := func(a, b int) int {
		if c := cmp.Compare(s.Nodes[a].Weight, s.Nodes[b].Weight); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	seen := make([]bool, len(s.Nodes))
	out := make([][]int, len(s.Partitions))
	for p, part := range s.Partitions {
		var nodes []int
		for _, n := range part.Nodes {
			if n >= 0 && n < len(s.Nodes) && !seen[n] {
				seen[n] = true
				nodes = append(nodes, n)
			}
		}
		for _, n := range nodes {
			seen[n] = false
		}
		slices.SortFunc(nodes, byPreference)
		out[p] = nodes
	}
	return out
}
