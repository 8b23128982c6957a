package sched

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// Property tests run rapid's default 100 cases each, well under a second.
// For a long sweep (about a minute on two cores):
//
//	go test ./core/sched -run Property -rapid.checks=100000
//
// A failure prints a -rapid.seed to reproduce it and leaves a shrunk case
// under testdata/rapid.

// TestPropertyContract checks every plan against the reference model in
// checker_test.go and contract_test.go: no node over-committed at any
// time by running jobs, starts and reservations together (so no start
// delays any reservation); starts and reservations respect partitions,
// limits, holds and begin times; each reservation is the earliest time
// the job fits next to higher-priority commitments, on the preferred
// nodes; reasons and Backfilled flags follow the FIFO rules.
func TestPropertyContract(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, o := genSnapshot(t), genOptions(t)
		if err := Validate(s, o); err != nil {
			t.Fatalf("generator made an invalid snapshot: %v", err)
		}
		checkPlan(t, s, o, Schedule(s, o))
	})
}

// TestPropertyPrefixIndependence is the no-delay guarantee in its
// sharpest form: what a job gets depends only on the jobs ahead of it.
// Dropping every job below some rank leaves the plan of the jobs above
// it unchanged, so a lower-priority job, backfilled or not, cannot move
// the start or the reservation of a higher-priority one.
func TestPropertyPrefixIndependence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, o := genSnapshot(t), genOptions(t)
		full := Schedule(s, o)
		order := modelOrder(s)
		cut := rapid.IntRange(0, len(order)).Draw(t, "cut")
		kept := map[uint32]bool{}
		prefix := s
		prefix.Pending = nil
		for _, j := range order[:cut] {
			kept[j.ID] = true
			prefix.Pending = append(prefix.Pending, j.PendingJob)
		}
		got := Schedule(prefix, o)
		wantStarts := slices.DeleteFunc(slices.Clone(full.Starts), func(st Start) bool { return !kept[st.JobID] })
		wantPending := slices.DeleteFunc(slices.Clone(full.Pending), func(v Verdict) bool { return !kept[v.JobID] })
		assertPlanT(t, got, wantStarts, wantPending)
	})
}

// TestPropertyBackfillRemoval states the no-delay guarantee the direct
// way: remove the backfilled jobs from the queue and schedule again;
// every reservation of a job ranked above all of them is unchanged. (For
// jobs ranked below a removed job no such statement holds: removing a
// higher-priority start may free nodes and reshuffle later reservations
// either way, as in any conservative backfill.)
func TestPropertyBackfillRemoval(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, o := genSnapshot(t), genOptions(t)
		o.Backfill = true
		plan := Schedule(s, o)
		removed := map[uint32]bool{}
		for _, st := range plan.Starts {
			removed[st.JobID] = st.Backfilled
		}
		without := s
		without.Pending = slices.DeleteFunc(slices.Clone(s.Pending), func(j PendingJob) bool { return removed[j.ID] })
		again := map[uint32]Verdict{}
		for _, v := range Schedule(without, o).Pending {
			again[v.JobID] = v
		}
		firstRemoved := len(s.Pending)
		order := modelOrder(s)
		for _, j := range order {
			if removed[j.ID] {
				firstRemoved = min(firstRemoved, j.rank)
			}
		}
		rank := map[uint32]int{}
		for _, j := range order {
			rank[j.ID] = j.rank
		}
		for _, v := range plan.Pending {
			if v.ExpectedStart == 0 || rank[v.JobID] > firstRemoved {
				continue
			}
			w := again[v.JobID]
			if w.ExpectedStart != v.ExpectedStart || !slices.Equal(w.Nodes, v.Nodes) {
				t.Fatalf("job %d: reservation %d %v became %d %v without the backfilled jobs",
					v.JobID, v.ExpectedStart, v.Nodes, w.ExpectedStart, w.Nodes)
			}
		}
	})
}

// TestPropertyForwardSimulation lets time run to the first reserved
// start, with every running job ending exactly at its expected end and
// every started job running for its full time limit, and schedules
// again. The jobs reserved for that moment must start then, on their
// reserved nodes, and every other reservation must stay as it was.
// Window, test and timeline limits are lifted and begin times cleared so
// that no job the first pass skipped can claim anything new.
func TestPropertyForwardSimulation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSnapshot(t)
		for i := range s.Pending {
			s.Pending[i].EligibleTime = 0
		}
		o := Options{Backfill: true, BackfillWindow: 1 << 30, MaxJobTest: MaxJobTestLimit}
		first := Schedule(s, o)
		next, ok := advance(s, first)
		if !ok {
			return
		}
		second := Schedule(next, o)
		starts := map[uint32][]int{}
		for _, st := range second.Starts {
			starts[st.JobID] = st.Nodes
		}
		verdicts := map[uint32]Verdict{}
		for _, v := range second.Pending {
			verdicts[v.JobID] = v
		}
		for _, v := range first.Pending {
			if v.ExpectedStart == next.Now {
				if !slices.Equal(starts[v.JobID], v.Nodes) {
					t.Fatalf("job %d reserved at %d on %v, started on %v", v.JobID, v.ExpectedStart, v.Nodes, starts[v.JobID])
				}
				continue
			}
			w := verdicts[v.JobID]
			if w.ExpectedStart != v.ExpectedStart || !slices.Equal(w.Nodes, v.Nodes) {
				t.Fatalf("job %d: reservation %d %v became %d %v", v.JobID, v.ExpectedStart, v.Nodes, w.ExpectedStart, w.Nodes)
			}
		}
		if len(starts) != countReservedAt(first, next.Now) {
			t.Fatalf("second pass started %v; only jobs reserved at %d may start", second.Starts, next.Now)
		}
	})
}

// advance returns the snapshot at the earliest reserved start of plan,
// and false if there is no reservation.
func advance(s Snapshot, plan Plan) (Snapshot, bool) {
	at := int64(math.MaxInt64)
	for _, v := range plan.Pending {
		if v.ExpectedStart != 0 {
			at = min(at, v.ExpectedStart)
		}
	}
	if at == math.MaxInt64 {
		return Snapshot{}, false
	}
	next := Snapshot{Now: at, Nodes: s.Nodes, Partitions: s.Partitions}
	for _, r := range s.Running {
		if r.ExpectedEnd != 0 {
			r.ExpectedEnd = max(r.ExpectedEnd, s.Now+1) // as Schedule treats overdue jobs
		}
		if r.ExpectedEnd == 0 || r.ExpectedEnd > at {
			next.Running = append(next.Running, r)
		}
	}
	byID := map[uint32]PendingJob{}
	for _, j := range s.Pending {
		byID[j.ID] = j
	}
	for _, st := range plan.Starts {
		j := byID[st.JobID]
		delete(byID, st.JobID)
		end := modelJob{dur: effectiveLimitModel(s, j)}.end(s.Now)
		if end > at {
			if end == never {
				end = 0
			}
			next.Running = append(next.Running, RunningJob{ID: j.ID, Nodes: st.Nodes,
				CPUsPerNode: j.CPUsPerNode, MemPerNodeMB: j.MemPerNodeMB, Exclusive: j.Exclusive, ExpectedEnd: end})
		}
	}
	for _, j := range s.Pending {
		if _, ok := byID[j.ID]; ok {
			next.Pending = append(next.Pending, j)
		}
	}
	return next, true
}

func effectiveLimitModel(s Snapshot, j PendingJob) int64 {
	for _, m := range modelOrder(Snapshot{Partitions: s.Partitions, Pending: []PendingJob{j}}) {
		return m.dur
	}
	return never
}

func countReservedAt(plan Plan, at int64) int {
	count := 0
	for _, v := range plan.Pending {
		if v.ExpectedStart == at {
			count++
		}
	}
	return count
}

// TestPropertyDeterministic: the same snapshot gives the same plan, the
// order of Pending and Running does not matter, and the input is left
// untouched.
func TestPropertyDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, o := genSnapshot(t), genOptions(t)
		before := deepCopy(s)
		plan := Schedule(s, o)
		if !reflect.DeepEqual(s, before) {
			t.Fatalf("Schedule modified its input")
		}
		if again := Schedule(s, o); !reflect.DeepEqual(plan, again) {
			t.Fatalf("two runs differ:\n%+v\n%+v", plan, again)
		}
		shuffled := deepCopy(s)
		shuffled.Pending = rapid.Permutation(shuffled.Pending).Draw(t, "pending order")
		shuffled.Running = rapid.Permutation(shuffled.Running).Draw(t, "running order")
		if other := Schedule(shuffled, o); !reflect.DeepEqual(plan, other) {
			t.Fatalf("input order changed the plan:\n%+v\n%+v", plan, other)
		}
	})
}

func deepCopy(s Snapshot) Snapshot {
	c := s
	c.Nodes = slices.Clone(s.Nodes)
	c.Partitions = slices.Clone(s.Partitions)
	for i := range c.Partitions {
		c.Partitions[i].Nodes = slices.Clone(s.Partitions[i].Nodes)
	}
	c.Pending = slices.Clone(s.Pending)
	c.Running = slices.Clone(s.Running)
	for i := range c.Running {
		c.Running[i].Nodes = slices.Clone(s.Running[i].Nodes)
	}
	return c
}

func assertPlanT(t *rapid.T, got Plan, starts []Start, pending []Verdict) {
	if (len(got.Starts) != 0 || len(starts) != 0) && !reflect.DeepEqual(got.Starts, starts) {
		t.Fatalf("starts:\n got %+v\nwant %+v", got.Starts, starts)
	}
	if (len(got.Pending) != 0 || len(pending) != 0) && !reflect.DeepEqual(got.Pending, pending) {
		t.Fatalf("pending:\n got %+v\nwant %+v", got.Pending, pending)
	}
}
