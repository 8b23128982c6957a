package sched

import (
	"testing"

	"pgregory.net/rapid"
)

// scenario is a generated snapshot with options.
type scenario struct {
	snap Snapshot
	opts Options
}

var scenarios = rapid.Custom(func(t *rapid.T) scenario {
	return scenario{snap: genSnapshot(t), opts: genOptions(t)}
})

// coverageSeeds is how many fixed-seed scenarios TestGeneratorCoverage
// draws. Fixed seeds make it deterministic, so its minimums cannot flake.
const coverageSeeds = 400

// TestGeneratorCoverage is a set of "sometimes" assertions: over a fixed
// sample of generated scenarios, every outcome the property tests are
// meant to exercise must actually occur, or those tests would pass
// vacuously. Each scenario is also checked against the contract.
func TestGeneratorCoverage(t *testing.T) {
	seen := map[string]int{}
	for seed := range coverageSeeds {
		sc := scenarios.Example(seed)
		plan := Schedule(sc.snap, sc.opts)
		checkPlan(t, sc.snap, sc.opts, plan)
		tally(seen, sc, plan)
	}
	t.Logf("outcomes over %d scenarios: %v", coverageSeeds, seen)
	minimums := map[string]int{
		"start": 100, "start exclusive": 10, "start multi-node": 20, "backfilled": 20,
		"reserved later": 50, "reserved now (fifo)": 1, "reserved multi-node": 10,
		"no reservation": 20, "stopped " + StoppedAtMaxJobTest: 10,
		"stopped " + StoppedAtTimelineLimit: 3, "unavailable node": 20, "overdue running": 10,
	}
	for _, r := range []Reason{ReasonPriority, ReasonResources, ReasonPartitionNodeLimit,
		ReasonPartitionTimeLimit, ReasonPartitionDown, ReasonPartitionConfig, ReasonBeginTime,
		ReasonJobHeldUser, ReasonJobHeldAdmin} {
		minimums[string(r)] = 10
	}
	for what, least := range minimums {
		if seen[what] < least {
			t.Errorf("%q seen %d times, want at least %d: the generator no longer covers it",
				what, seen[what], least)
		}
	}
}

func tally(seen map[string]int, sc scenario, plan Plan) {
	for _, n := range sc.snap.Nodes {
		if !n.Available {
			seen["unavailable node"]++
		}
	}
	for _, r := range sc.snap.Running {
		if r.ExpectedEnd != 0 && r.ExpectedEnd < sc.snap.Now {
			seen["overdue running"]++
		}
	}
	exclusive := map[uint32]bool{}
	for _, j := range sc.snap.Pending {
		exclusive[j.ID] = j.Exclusive
	}
	for _, st := range plan.Starts {
		seen["start"]++
		if exclusive[st.JobID] {
			seen["start exclusive"]++
		}
		if len(st.Nodes) > 1 {
			seen["start multi-node"]++
		}
		if st.Backfilled {
			seen["backfilled"]++
		}
	}
	for _, v := range plan.Pending {
		seen[string(v.Reason)]++
		switch {
		case v.ExpectedStart > sc.snap.Now:
			seen["reserved later"]++
		case v.ExpectedStart == sc.snap.Now:
			seen["reserved now (fifo)"]++
		case v.Reason == ReasonResources:
			seen["no reservation"]++
		}
		if len(v.Nodes) > 1 {
			seen["reserved multi-node"]++
		}
	}
	if plan.Stats.StoppedAt != "" {
		seen["stopped "+plan.Stats.StoppedAt]++
	}
}

// TestContractBusyClusters checks the contract on a few larger, busier
// clusters than the property generator makes, where many reservations
// interleave: the benchmark workload at small scale, every job tested.
func TestContractBusyClusters(t *testing.T) {
	for seed := range uint64(3) {
		s := benchSnapshot(32, 120, seed)
		for _, o := range []Options{
			{Backfill: true, MaxJobTest: 1000},
			{Backfill: true, MaxJobTest: 1000, BackfillWindow: 4 * 3600},
			{MaxJobTest: 1000},
		} {
			plan := Schedule(s, o)
			checkPlan(t, s, o, plan)
			if o.Backfill && len(plan.Starts) == 0 {
				t.Errorf("seed %d: nothing started on a busy cluster", seed)
			}
		}
	}
}
