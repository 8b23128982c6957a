package controller

import (
	"testing"

	"github.com/flurm/flurm/core/state"
)

// The scheduler must not see a pending job that waits on a dependency or
// whose previous attempt still holds a node; only the first gets a reason.
func TestSnapshotForSchedulerLeavesOutIneligibleJobs(t *testing.T) {
	cl := state.Cluster{
		Options:    state.Options{MaxJobCount: 100, ReturnToService: 1},
		Nodes:      []state.NodeConfig{{Name: "n1", CPUs: 4, MemMB: 1000}, {Name: "n2", CPUs: 4, MemMB: 1000}},
		Partitions: []state.Partition{{Name: "p", Nodes: []int{0, 1}, Default: true, State: state.PartitionUp}},
	}
	m, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(c state.Command) state.Result {
		t.Helper()
		r := m.Apply(c)
		if r.Err != nil {
			t.Fatalf("%#v: %v", c, r.Err)
		}
		return r
	}
	for i := range 2 {
		apply(state.Register{Node: i, Time: 10, CPUs: 4, MemMB: 1000, Incarnation: 1})
	}
	apply(state.Submit{Time: 10, Spec: state.JobSpec{CPUsPerTask: 1, UID: 1}}) // job 1
	apply(state.Submit{Time: 10, Spec: state.JobSpec{CPUsPerTask: 1, UID: 1}}) // job 2: free to run
	apply(state.Start{Time: 11, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{0}}}})
	apply(state.Requeue{ID: 1, Time: 12, UID: 0}) // attempt 0 still holds n1 until it reports gone
	apply(state.Submit{Time: 12, Spec: state.JobSpec{CPUsPerTask: 1, UID: 1,
		Dependencies: []state.Dependency{{Type: state.DependAfterOK, Job: 2}}}}) // job 3 waits on job 2

	snap, waiting := snapshotForScheduler(m, 20, nil)
	var pending []uint32
	for _, p := range snap.Pending {
		pending = append(pending, p.ID)
	}
	if len(pending) != 1 || pending[0] != 2 {
		t.Errorf("scheduler sees pending jobs %v, want only [2]", pending)
	}
	if len(waiting) != 1 || waiting[0].Job != 3 || waiting[0].Reason != ReasonDependency {
		t.Errorf("waiting = %+v, want job 3 with reason %s", waiting, ReasonDependency)
	}

	// Once the old attempt is gone, the requeued job is considered again.
	apply(state.ProcEnded{Node: 0, Job: state.JobAttempt{ID: 1}, Time: 13, Signal: 9})
	snap, _ = snapshotForScheduler(m, 20, nil)
	if len(snap.Pending) != 2 {
		t.Errorf("after release, scheduler sees %d pending jobs, want 2", len(snap.Pending))
	}
}

// A job changed by scontrol update (here: released) loses the last pass's
// verdict, so queries do not show JobHeldUser until the next pass.
func TestUpdateForgetsStaleVerdict(t *testing.T) {
	var d dutyState
	d.init()
	d.plan = []pendingVerdict{{Job: 4, Reason: "Priority"}, {Job: 5, Reason: "JobHeldUser"}}
	release := false
	d.applied(state.Update{ID: 5, Hold: &release})
	if len(d.plan) != 1 || d.plan[0].Job != 4 {
		t.Errorf("plan after releasing job 5 = %+v, want only job 4's verdict", d.plan)
	}
	if !d.schedSoon {
		t.Error("a release must schedule soon")
	}
}
