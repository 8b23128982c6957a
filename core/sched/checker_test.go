package sched

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// This file is an independent reference model of the plan's guarantees.
// It shares no code with the scheduler: it recomputes the job order from
// the documented rule and checks allocations by brute force over time
// points, so a bug in the timeline cannot hide itself.

const never = math.MaxInt64

// allocation is a job's hold on one node during [start, end).
type allocation struct {
	job        uint32
	node       int
	start, end int64
	cpus, mem  int64
	exclusive  bool
}

// modelJob is a pending job with its demand normalized as documented.
type modelJob struct {
	PendingJob
	rank  int // position in the documented priority order
	nodes int
	cpus  int64
	mem   int64
	dur   int64 // or never
	part  *Partition
}

func (j modelJob) end(start int64) int64 {
	if j.dur == never {
		return never
	}
	return start + j.dur
}

// modelOrder returns the pending jobs in the documented order: tier,
// priority, submit time, ID, input index.
func modelOrder(s Snapshot) []modelJob {
	jobs := make([]modelJob, len(s.Pending))
	for i, p := range s.Pending {
		j := modelJob{PendingJob: p, rank: i, nodes: max(p.NumNodes, 1, len(distinct(p.ReqNodes))),
			cpus: int64(max(p.CPUsPerNode, 1)), mem: max(p.MemPerNodeMB, 0)}
		if p.Partition >= 0 && p.Partition < len(s.Partitions) {
			j.part = &s.Partitions[p.Partition]
			j.dur = p.TimeLimit
			if j.dur <= 0 {
				j.dur = j.part.MaxTime
			}
			if j.dur <= 0 {
				j.dur = never
			}
		}
		jobs[i] = j
	}
	tier := func(j modelJob) int {
		if j.part == nil {
			return 0
		}
		return j.part.PriorityTier
	}
	slices.SortStableFunc(jobs, func(a, b modelJob) int {
		return cmp.Or(cmp.Compare(tier(b), tier(a)), cmp.Compare(b.Priority, a.Priority),
			cmp.Compare(a.SubmitTime, b.SubmitTime), cmp.Compare(a.ID, b.ID))
	})
	for i := range jobs {
		jobs[i].rank = i
	}
	return jobs
}

func runningAllocations(s Snapshot) []allocation {
	var out []allocation
	for _, r := range s.Running {
		end := int64(never)
		if r.ExpectedEnd != 0 {
			end = max(r.ExpectedEnd, s.Now+1)
		}
		for _, n := range r.Nodes {
			out = append(out, allocation{job: r.ID, node: n, start: s.Now, end: end,
				cpus: int64(r.CPUsPerNode), mem: r.MemPerNodeMB, exclusive: r.Exclusive})
		}
	}
	return out
}

func jobAllocations(j modelJob, nodes []int, start int64) []allocation {
	var out []allocation
	for _, n := range nodes {
		out = append(out, allocation{job: j.ID, node: n, start: start, end: j.end(start),
			cpus: j.cpus, mem: j.mem, exclusive: j.Exclusive})
	}
	return out
}

// load sums the allocations of node n active at time t.
func load(allocs []allocation, n int, t int64) (cpus, mem int64, jobs int, exclusive bool) {
	for _, a := range allocs {
		if a.node == n && a.start <= t && t < a.end {
			cpus, mem, jobs = cpus+a.cpus, mem+a.mem, jobs+1
			exclusive = exclusive || a.exclusive
		}
	}
	return cpus, mem, jobs, exclusive
}

// fitsModel reports whether job j fits node n during [t, j.end(t)) next to
// allocs. Usage only rises where an allocation starts, so checking t and
// the allocation starts inside the window is enough.
func fitsModel(s Snapshot, allocs []allocation, j modelJob, n int, t int64) bool {
	node := s.Nodes[n]
	if !node.Available || !slices.Contains(j.part.Nodes, n) || slices.Contains(j.ExcNodes, n) {
		return false
	}
	points := []int64{t}
	for _, a := range allocs {
		if a.node == n && a.start > t && a.start < j.end(t) {
			points = append(points, a.start)
		}
	}
	for _, p := range points {
		cpus, mem, jobs, exclusive := load(allocs, n, p)
		switch {
		case exclusive, j.Exclusive && jobs > 0:
			return false
		case cpus+j.cpus > int64(node.CPUs), mem+j.mem > node.MemMB:
			return false
		}
	}
	return true
}

// firstFitting returns the k nodes of j's partition on which j fits from
// time t on: all its required nodes, then the first others by weight then
// index. It returns nil if a required node does not fit.
func firstFitting(s Snapshot, allocs []allocation, j modelJob, t int64) []int {
	candidates := slices.Clone(j.part.Nodes)
	slices.SortFunc(candidates, func(a, b int) int {
		return cmp.Or(cmp.Compare(s.Nodes[a].Weight, s.Nodes[b].Weight), cmp.Compare(a, b))
	})
	var out []int
	for _, n := range candidates {
		if slices.Contains(j.ReqNodes, n) {
			if !fitsModel(s, allocs, j, n, t) {
				return nil
			}
			out = append(out, n)
		}
	}
	for _, n := range candidates {
		if len(out) < j.nodes && !slices.Contains(j.ReqNodes, n) && fitsModel(s, allocs, j, n, t) {
			out = append(out, n)
		}
	}
	return out
}

// distinct is the set of values in list, sorted.
func distinct(list []int) []int {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}

// nodeListOK: every required node is in the partition and not excluded.
func nodeListOK(j modelJob) bool {
	for _, n := range j.ReqNodes {
		if !slices.Contains(j.part.Nodes, n) || slices.Contains(j.ExcNodes, n) {
			return false
		}
	}
	return true
}

// allowedNodes counts the partition's nodes that are not excluded.
func allowedNodes(j modelJob) int {
	count := 0
	for _, n := range distinct(j.part.Nodes) {
		if !slices.Contains(j.ExcNodes, n) {
			count++
		}
	}
	return count
}

// candidateStarts are the times a job could first fit: now and every
// allocation end, sorted, up to and including limit.
func candidateStarts(now int64, allocs []allocation, limit int64) []int64 {
	var out []int64
	if now <= limit {
		out = append(out, now)
	}
	for _, a := range allocs {
		if a.end != never && a.end > now && a.end <= limit {
			out = append(out, a.end)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkFeasible verifies that allocs never over-commit a node at any time:
// CPUs and memory within capacity, and an exclusive job alone.
func checkFeasible(s Snapshot, allocs []allocation) error {
	for _, a := range allocs {
		cpus, mem, jobs, exclusive := load(allocs, a.node, a.start)
		node := s.Nodes[a.node]
		if cpus > int64(node.CPUs) || mem > node.MemMB || (exclusive && jobs > 1) {
			return fmt.Errorf("node %d over-committed at %d: cpus %d/%d mem %d/%d jobs %d exclusive %v",
				a.node, a.start, cpus, node.CPUs, mem, node.MemMB, jobs, exclusive)
		}
	}
	return nil
}

// fatalfer is what checkPlan needs of *testing.T and *rapid.T.
type fatalfer interface {
	Helper()
	Fatalf(format string, args ...any)
}

func checkPlan(t fatalfer, s Snapshot, o Options, plan Plan) {
	t.Helper()
	if err := planError(s, o, plan); err != nil {
		t.Fatalf("plan violates its contract: %v\nsnapshot: %+v\noptions: %+v\nplan: %+v", err, s, o, plan)
	}
}
