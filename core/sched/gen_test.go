package sched

import (
	"fmt"

	"pgregory.net/rapid"
)

// Generators for property tests: small clusters with ties, overlapping
// partitions, exclusive jobs, unavailable nodes and down partitions, so
// that the interesting cases are common. Generated snapshots are valid.

const genNow = 10_000

func genSnapshot(t *rapid.T) Snapshot {
	s := Snapshot{Now: genNow}
	nodeCount := rapid.IntRange(2, 10).Draw(t, "nodes")
	for i := range nodeCount {
		s.Nodes = append(s.Nodes, Node{
			Name:      fmt.Sprintf("n%d", i),
			CPUs:      rapid.SampledFrom([]int{1, 2, 4, 4, 8}).Draw(t, "cpus"),
			MemMB:     rapid.SampledFrom([]int64{1000, 4000, 8000}).Draw(t, "mem"),
			Weight:    rapid.IntRange(0, 2).Draw(t, "weight"),
			Available: rapid.IntRange(0, 9).Draw(t, "available") > 0,
		})
	}
	partCount := rapid.IntRange(1, 3).Draw(t, "partitions")
	for i := range partCount {
		var members []int
		for n := range nodeCount {
			if rapid.IntRange(0, 4).Draw(t, "member") > 0 {
				members = append(members, n)
			}
		}
		s.Partitions = append(s.Partitions, Partition{
			Name:         fmt.Sprintf("p%d", i),
			Nodes:        members,
			Up:           rapid.IntRange(0, 19).Draw(t, "up") > 0,
			MaxTime:      rapid.SampledFrom([]int64{0, 0, 0, 100, 400}).Draw(t, "maxtime"),
			MaxNodes:     rapid.SampledFrom([]int{0, 0, 0, 0, 1, 2}).Draw(t, "maxnodes"),
			PriorityTier: rapid.IntRange(0, 1).Draw(t, "tier"),
		})
	}
	s.Running = genRunning(t, s.Nodes)
	s.Pending = genPending(t, len(s.Partitions), nodeCount)
	return s
}

// genRunning places random running jobs, keeping only those that fit next
// to the ones already placed (all running jobs hold their nodes from now,
// so fitting at now is fitting).
func genRunning(t *rapid.T, nodes []Node) []RunningJob {
	var out []RunningJob
	attempts := rapid.IntRange(0, 10).Draw(t, "running")
	for i := range attempts {
		job := RunningJob{
			ID:           uint32(1000 + i),
			CPUsPerNode:  rapid.IntRange(0, 3).Draw(t, "rcpus"),
			MemPerNodeMB: rapid.SampledFrom([]int64{0, 0, 500, 1000}).Draw(t, "rmem"),
			Exclusive:    rapid.IntRange(0, 4).Draw(t, "rexcl") == 0,
		}
		// Offset 0 means an unknown end; -5 an overdue job.
		if off := genOffset(t, "rend", []int64{0, -5, 10, 50, 60, 120}); off != 0 {
			job.ExpectedEnd = genNow + off
		}
		for n := range nodes {
			if rapid.IntRange(0, 2).Draw(t, "ron") == 0 {
				job.Nodes = append(job.Nodes, n)
			}
		}
		if len(job.Nodes) > 0 && runningFits(nodes, out, job) {
			out = append(out, job)
		}
	}
	return out
}

func runningFits(nodes []Node, placed []RunningJob, job RunningJob) bool {
	for _, n := range job.Nodes {
		cpus, mem, jobs, exclusive := int64(job.CPUsPerNode), job.MemPerNodeMB, 1, job.Exclusive
		for _, r := range placed {
			for _, m := range r.Nodes {
				if m == n {
					cpus, mem, jobs = cpus+int64(r.CPUsPerNode), mem+r.MemPerNodeMB, jobs+1
					exclusive = exclusive || r.Exclusive
				}
			}
		}
		if cpus > int64(nodes[n].CPUs) || mem > nodes[n].MemMB || (exclusive && jobs > 1) {
			return false
		}
	}
	return true
}

func genPending(t *rapid.T, partitions, nodes int) []PendingJob {
	count := rapid.IntRange(0, 16).Draw(t, "pending")
	ids := rapid.Permutation(idRange(count)).Draw(t, "ids")
	out := make([]PendingJob, count)
	for i := range out {
		j := PendingJob{
			ID:           ids[i],
			Priority:     uint32(rapid.IntRange(0, 3).Draw(t, "prio")),
			SubmitTime:   int64(rapid.IntRange(0, 2).Draw(t, "submit")),
			Partition:    rapid.IntRange(0, partitions-1).Draw(t, "part"),
			NumNodes:     rapid.SampledFrom([]int{1, 1, 1, 2, 2, 3}).Draw(t, "numnodes"),
			CPUsPerNode:  rapid.SampledFrom([]int{1, 1, 2, 2, 4, 8}).Draw(t, "jcpus"),
			MemPerNodeMB: rapid.SampledFrom([]int64{0, 0, 0, 500, 2000, 5000}).Draw(t, "jmem"),
			TimeLimit:    genOffset(t, "limit", []int64{0, 10, 40, 50, 60, 70, 110}),
			Exclusive:    rapid.IntRange(0, 4).Draw(t, "excl") == 0,
			Held:         rapid.IntRange(0, 14).Draw(t, "held") == 0,
			UserHold:     rapid.Bool().Draw(t, "userhold"),
		}
		if rapid.IntRange(0, 9).Draw(t, "begin") == 0 {
			j.EligibleTime = rapid.SampledFrom([]int64{genNow - 1, genNow, genNow + 1, genNow + 30}).Draw(t, "eligible")
		}
		j.ReqNodes, j.ExcNodes = genNodeLists(t, nodes)
		j.NumNodes = max(j.NumNodes, len(j.ReqNodes))
		out[i] = j
	}
	return out
}

// genNodeLists gives some jobs required nodes (-w) and some excluded ones
// (-x): distinct node indices of the cluster, so sometimes outside the
// job's partition and sometimes both required and excluded.
func genNodeLists(t *rapid.T, nodes int) (req, exc []int) {
	pick := func(label string) []int {
		if rapid.IntRange(0, 4).Draw(t, label) != 0 {
			return nil
		}
		var out []int
		for n := range nodes {
			if rapid.IntRange(0, 3).Draw(t, label+" member") == 0 {
				out = append(out, n)
			}
		}
		return out
	}
	return pick("required"), pick("excluded")
}

// genOffset returns one of a few common offsets, so that times often tie
// and gaps between them often equal time limits; sometimes one second off
// a common offset, so that off-by-one errors show; and sometimes any
// offset from 1 to 400 s.
func genOffset(t *rapid.T, label string, common []int64) int64 {
	switch rapid.IntRange(0, 5).Draw(t, label+" kind") {
	case 0:
		return rapid.Int64Range(1, 400).Draw(t, label+" any")
	case 1:
		return max(1, rapid.SampledFrom(common).Draw(t, label)-1)
	case 2:
		return rapid.SampledFrom(common).Draw(t, label) + 1
	}
	return rapid.SampledFrom(common).Draw(t, label)
}

func idRange(n int) []uint32 {
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i + 1)
	}
	return ids
}

func genOptions(t *rapid.T) Options {
	return Options{
		Backfill:       rapid.Bool().Draw(t, "backfill"),
		MaxJobTest:     rapid.SampledFrom([]int{0, 0, 1, 3, 6}).Draw(t, "maxjobtest"),
		BackfillWindow: rapid.SampledFrom([]int64{0, 0, 100, 300}).Draw(t, "window"),
		TimelineLimit:  rapid.SampledFrom([]int{0, 0, 6, 20}).Draw(t, "timelinelimit"),
	}
}
