package sim

import (
	"strings"
	"testing"

	"github.com/flurm/flurm/core/state"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRefineSchedStates(t *testing.T) {
	for in, want := range map[state.JobState]string{
		state.JobPending: "PENDING", state.JobRunning: "RUNNING", state.JobSuspended: "RUNNING",
		state.JobCompleted: "DONE", state.JobCancelled: "DONE", state.JobFailed: "DONE",
		state.JobTimeout: "DONE", state.JobNodeFail: "DONE", state.JobOOM: "DONE",
	} {
		if got := schedState(in); got != want {
			t.Errorf("schedState(%v) = %s, want %s", in, got, want)
		}
	}
}

func sj(st string, attempt uint32, nodes ...string) schedJobView {
	return schedJobView{St: st, Alloc: nodes, Attempt: attempt}
}

func TestRefineSchedSteps(t *testing.T) {
	prev := schedView{Jobs: map[state.JobID]schedJobView{
		1: sj("RUNNING", 1, "n1"),
		2: sj("PENDING", 1),
		3: sj("PENDING", 1),
		4: sj("RUNNING", 1, "n2"),
	}}
	// One command: job 4 is requeued (a node failed), jobs 2 and 3 start
	// (a scheduling pass), job 5 is submitted.
	next := schedView{Jobs: map[state.JobID]schedJobView{
		1: sj("RUNNING", 1, "n1"),
		2: sj("RUNNING", 1, "n2"),
		3: sj("RUNNING", 1, "n1", "n2"),
		4: sj("PENDING", 2),
		5: sj("PENDING", 1),
	}}
	var got []string
	cur := prev.clone()
	for _, s := range schedSteps(prev, next) {
		got = append(got, s.Action)
		// each step changes exactly one job
		changed := 0
		for id, j := range s.View.Jobs {
			if old, ok := cur.Jobs[id]; !ok || !old.equal(j) {
				changed++
			}
		}
		if changed != 1 {
			t.Errorf("step %s changes %d jobs", s.Action, changed)
		}
		cur = s.View
	}
	want := []string{"Requeue(4)", "Submit(5)", "PlaceAny(2,[n2])", "PlaceAny(3,[n1 n2])"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(next, cur, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the last step is not the new view (-want +got):\n%s", diff)
	}
}

func TestRefineSchedLostJob(t *testing.T) {
	prev := schedView{Jobs: map[state.JobID]schedJobView{1: sj("RUNNING", 1, "n1"), 2: sj("DONE", 1)}}
	next := schedView{Jobs: map[state.JobID]schedJobView{2: sj("DONE", 1)}}
	steps := schedSteps(prev, next)
	if len(steps) != 1 || steps[0].Action != "LostJobs" {
		t.Fatalf("steps %+v, want one LostJobs step", steps)
	}
	if _, ok := steps[0].View.Jobs[1]; ok {
		t.Errorf("the lost job is still in the trace")
	}
}

// TestRefineSchedProjection runs real commands on a state machine and
// checks the recorded steps and the trace's constants.
func TestRefineSchedProjection(t *testing.T) {
	cl := state.Cluster{
		Nodes:      []state.NodeConfig{{Name: "n1", CPUs: 8, MemMB: 16000}, {Name: "n2", CPUs: 8, MemMB: 16000}},
		Partitions: []state.Partition{{Name: "batch", Nodes: []int{0, 1}, Default: true, State: state.PartitionUp}},
		Options:    state.Options{MaxJobCount: 100, JobRequeue: true},
	}
	rec := newSchedRecorder(cl, bugNone)
	sm, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	cmds := []state.Command{
		register(0, 1), register(1, 1),
		submit(true, 1), submit(false, 2), submit(true, 1),
		state.Start{Time: 3, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{0}}, {ID: 2, Nodes: []int{1, 0}}}},
		state.Cancel{ID: 3, Time: 4, UID: 0},
		state.NodeDown{Node: 1, Time: 5, Reason: "Not responding"},
	}
	var got []string
	for _, cmd := range cmds {
		if res := sm.Apply(cmd); res.Err != nil {
			t.Fatalf("%T: %v", cmd, res.Err)
		}
		before := len(rec.states)
		if err := rec.applied(sm); err != nil {
			t.Fatal(err)
		}
		for _, s := range rec.states[before:] {
			got = append(got, s.Action)
		}
	}
	want := []string{"Submit(1)", "Submit(2)", "Submit(3)", "PlaceAny(1,[n1])", "PlaceAny(2,[n1 n2])", "Cancel(3)", "Finish(2)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	itf := string(rec.ITF(1, "test"))
	for _, want := range []string{
		`"cfg": "SchedulerSafetyTrace"`,
		`"TraceWork": {"#map": [["1", {"prio": 0, "size": 1, "limit": 0, "cpus": 1, "mem": 1000}]`,
		`"TraceCap": {"#map": [["n1", {"cpus": 8, "mem": 16000}], ["n2", {"cpus": 8, "mem": 16000}]]}`,
		`"st": {"#map": [["1", "NEW"], ["2", "NEW"], ["3", "NEW"]]}`,
	} {
		if !strings.Contains(itf, want) {
			t.Errorf("ITF lacks %s:\n%s", want, itf)
		}
	}
	if half := string(newSchedRecorderWithStates(rec, bugSchedHalfCap).ITF(1, "test")); !strings.Contains(half, `["n1", {"cpus": 4, "mem": 8000}]`) {
		t.Errorf("sched-half-cap does not halve the capacity:\n%s", half)
	}
}

func newSchedRecorderWithStates(r *schedRecorder, bug mappingBug) *schedRecorder {
	c := *r
	c.bug = bug
	return &c
}
