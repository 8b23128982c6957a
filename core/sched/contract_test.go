package sched

import (
	"errors"
	"fmt"
	"slices"
)

// outcome is what the plan says about one pending job.
type outcome struct {
	start   *Start
	verdict *Verdict
}

// at returns the job's start or reserved time and nodes, if any.
func (o outcome) at(now int64) (int64, []int, bool) {
	if o.start != nil {
		return now, o.start.Nodes, true
	}
	if o.verdict.ExpectedStart != 0 {
		return o.verdict.ExpectedStart, o.verdict.Nodes, true
	}
	return 0, nil, false
}

// planError checks a plan against the package contract. Snapshots must
// have distinct job IDs.
func planError(s Snapshot, o Options, plan Plan) error {
	order := modelOrder(s)
	outcomes, err := collectOutcomes(order, plan)
	if err != nil {
		return err
	}
	all := runningAllocations(s)
	for _, j := range order {
		if at, nodes, ok := outcomes[j.ID].at(s.Now); ok {
			all = append(all, jobAllocations(j, nodes, at)...)
		}
	}
	// Safety, and the no-delay guarantee: every start and every
	// reservation can happen together, so no start gets in the way of
	// any reservation.
	if err := checkFeasible(s, all); err != nil {
		return err
	}
	if err := checkWork(o, plan); err != nil {
		return err
	}
	if err := checkReasons(order, outcomes); err != nil {
		return err
	}
	if err := checkFIFO(s, o, order, outcomes); err != nil {
		return err
	}
	for _, j := range order {
		if err := checkJob(s, o, plan, j, outcomes[j.ID]); err != nil {
			return fmt.Errorf("job %d: %w", j.ID, err)
		}
	}
	return nil
}

// collectOutcomes maps job IDs to outcomes and checks that every pending
// job has exactly one, and that both lists follow the priority order.
func collectOutcomes(order []modelJob, plan Plan) (map[uint32]outcome, error) {
	rank := map[uint32]int{}
	for _, j := range order {
		rank[j.ID] = j.rank
	}
	outcomes := map[uint32]outcome{}
	last := -1
	for i := range plan.Starts {
		st := &plan.Starts[i]
		if _, dup := outcomes[st.JobID]; dup {
			return nil, fmt.Errorf("job %d started twice", st.JobID)
		}
		r, known := rank[st.JobID]
		if !known || r < last {
			return nil, fmt.Errorf("start of job %d unknown or out of priority order", st.JobID)
		}
		last = r
		outcomes[st.JobID] = outcome{start: st}
	}
	last = -1
	for i := range plan.Pending {
		v := &plan.Pending[i]
		if _, dup := outcomes[v.JobID]; dup {
			return nil, fmt.Errorf("job %d has two outcomes", v.JobID)
		}
		r, known := rank[v.JobID]
		if !known || r < last {
			return nil, fmt.Errorf("verdict of job %d unknown or out of priority order", v.JobID)
		}
		last = r
		outcomes[v.JobID] = outcome{verdict: v}
	}
	if len(outcomes) != len(order) {
		return nil, fmt.Errorf("%d outcomes for %d pending jobs", len(outcomes), len(order))
	}
	return outcomes, nil
}

// cheapReason is the reason a job gets without looking at resources.
func cheapReason(s Snapshot, j modelJob) Reason {
	switch {
	case j.part == nil:
		return ReasonPartitionConfig
	case j.Held && j.UserHold:
		return ReasonJobHeldUser
	case j.Held:
		return ReasonJobHeldAdmin
	case j.EligibleTime > s.Now:
		return ReasonBeginTime
	case !nodeListOK(j):
		return ReasonPartitionConfig
	case j.part.MaxNodes > 0 && j.nodes > j.part.MaxNodes, j.nodes > len(j.part.Nodes):
		return ReasonPartitionNodeLimit
	case j.nodes > allowedNodes(j):
		return ReasonPartitionConfig
	case j.part.MaxTime > 0 && j.TimeLimit > j.part.MaxTime:
		return ReasonPartitionTimeLimit
	case !j.part.Up:
		return ReasonPartitionDown
	}
	return ""
}

// checkReasons: within a partition, at most one job gets Resources and it
// comes before every job held back with Priority.
func checkReasons(order []modelJob, outcomes map[uint32]outcome) error {
	resources, priority := map[int]bool{}, map[int]bool{}
	for _, j := range order {
		v := outcomes[j.ID].verdict
		if v == nil || j.part == nil {
			continue
		}
		switch v.Reason {
		case ReasonResources:
			if resources[j.Partition] || priority[j.Partition] {
				return fmt.Errorf("job %d: Resources after another blocked job of its partition", j.ID)
			}
			resources[j.Partition] = true
		case ReasonPriority:
			priority[j.Partition] = true
		}
	}
	return nil
}

// checkFIFO replays which partitions and nodes are blocked. Strict FIFO
// starts nothing there; backfill flags exactly those starts Backfilled.
func checkFIFO(s Snapshot, o Options, order []modelJob, outcomes map[uint32]outcome) error {
	blocked := map[int]bool{}
	frozen := map[int]bool{}
	for _, j := range order {
		out := outcomes[j.ID]
		if st := out.start; st != nil {
			refused := blocked[j.Partition]
			for _, n := range st.Nodes {
				refused = refused || frozen[n]
			}
			if !o.Backfill && refused {
				return fmt.Errorf("job %d started past a blocked job in strict FIFO", j.ID)
			}
			if st.Backfilled != refused {
				return fmt.Errorf("job %d: Backfilled %v, want %v", j.ID, st.Backfilled, refused)
			}
			continue
		}
		if r := out.verdict.Reason; j.part != nil && (r == ReasonResources || r == ReasonPriority) {
			blocked[j.Partition] = true
			for _, n := range j.part.Nodes {
				frozen[n] = true
			}
		}
	}
	return nil
}

// checkJob checks one job's outcome against the model.
func checkJob(s Snapshot, o Options, plan Plan, j modelJob, out outcome) error {
	cheap := cheapReason(s, j)
	if out.verdict != nil && cheap != "" {
		if out.verdict.Reason != cheap || out.verdict.ExpectedStart != 0 {
			return fmt.Errorf("verdict %+v, want plain %s", *out.verdict, cheap)
		}
		return nil
	}
	if cheap != "" {
		return fmt.Errorf("started despite %s", cheap)
	}
	if v := out.verdict; v != nil {
		switch v.Reason {
		case ReasonResources, ReasonPriority:
		case ReasonPartitionConfig:
			if canEverRunModel(s, j) {
				return errors.New("PartitionConfig but enough partition nodes are big enough")
			}
			return nil
		default:
			return fmt.Errorf("unexpected reason %s", v.Reason)
		}
	}
	return checkTiming(s, o, plan, j, out)
}

func canEverRunModel(s Snapshot, j modelJob) bool {
	count := 0
	for _, n := range j.part.Nodes {
		big := int64(s.Nodes[n].CPUs) >= j.cpus && s.Nodes[n].MemMB >= j.mem
		if !big && slices.Contains(j.ReqNodes, n) {
			return false
		}
		if big && !slices.Contains(j.ExcNodes, n) {
			count++
		}
	}
	return count >= j.nodes
}

// higherAllocations are the running jobs and the starts and reservations
// of jobs ahead of j in the priority order: all j has to respect.
func higherAllocations(s Snapshot, plan Plan, j modelJob) []allocation {
	order := modelOrder(s)
	outcomes, _ := collectOutcomes(order, plan)
	allocs := runningAllocations(s)
	for _, h := range order[:j.rank] {
		if at, nodes, ok := outcomes[h.ID].at(s.Now); ok {
			allocs = append(allocs, jobAllocations(h, nodes, at)...)
		}
	}
	return allocs
}

// checkTiming checks a tested job's start or reservation: the nodes are
// valid, the time is the earliest at which the job fits next to the
// higher-priority jobs' commitments, and the nodes are the preferred ones
// at that time. A job with neither must not fit anywhere in the window,
// if the pass evaluated everything.
func checkTiming(s Snapshot, o Options, plan Plan, j modelJob, out outcome) error {
	window := o.BackfillWindow
	if window <= 0 {
		window = DefaultBackfillWindow
	}
	higher := higherAllocations(s, plan, j)
	at, nodes, ok := out.at(s.Now)
	if !ok {
		complete := plan.Stats.StoppedAt == ""
		fifoSkipped := !o.Backfill && out.verdict.Reason == ReasonPriority
		if !complete || fifoSkipped {
			return nil
		}
		for _, c := range candidateStarts(s.Now, higher, s.Now+window) {
			if len(firstFitting(s, higher, j, c)) == j.nodes {
				return fmt.Errorf("no reservation, but it fits at %d", c)
			}
		}
		return nil
	}
	if at < s.Now || at > s.Now+window {
		return fmt.Errorf("start %d outside [now, now+window]", at)
	}
	if o.Backfill && out.verdict != nil && at == s.Now {
		return errors.New("reserved for now but not started")
	}
	sorted := slices.Clone(nodes)
	slices.Sort(sorted)
	if len(nodes) != j.nodes || len(slices.Compact(sorted)) != j.nodes {
		return fmt.Errorf("nodes %v: want %d distinct", nodes, j.nodes)
	}
	for _, c := range candidateStarts(s.Now, higher, at-1) {
		if len(firstFitting(s, higher, j, c)) == j.nodes {
			return fmt.Errorf("placed at %d, but fits earlier at %d", at, c)
		}
	}
	for _, n := range nodes {
		if !fitsModel(s, higher, j, n, at) {
			return fmt.Errorf("does not fit node %d at %d", n, at)
		}
	}
	for _, n := range j.ReqNodes {
		if !slices.Contains(nodes, n) {
			return fmt.Errorf("nodes %v at %d leave out required node %d", nodes, at, n)
		}
	}
	fifoStart := !o.Backfill && out.start != nil
	if want := firstFitting(s, higher, j, at); !fifoStart && !slices.Equal(want, nodes) {
		return fmt.Errorf("nodes %v at %d, preferred nodes are %v", nodes, at, want)
	}
	return nil
}

// checkWork: no more jobs tested than MaxJobTest, and only tested jobs
// start or get reservations.
func checkWork(o Options, plan Plan) error {
	limit := o.MaxJobTest
	if limit <= 0 {
		limit = DefaultMaxJobTest
	}
	if plan.Stats.Tested > limit {
		return fmt.Errorf("tested %d jobs, more than MaxJobTest %d", plan.Stats.Tested, limit)
	}
	placed := len(plan.Starts)
	for _, v := range plan.Pending {
		if v.ExpectedStart != 0 {
			placed++
		}
	}
	if placed > plan.Stats.Tested {
		return fmt.Errorf("%d jobs started or reserved, but only %d tested", placed, plan.Stats.Tested)
	}
	return nil
}
