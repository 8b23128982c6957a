package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/state"
)

// refineHarness applies commands to a Machine and records the spec steps
// the refinement mapping makes of each, as the trace recorder does.
type refineHarness struct {
	t    *testing.T
	sm   *state.Machine
	view lifecycleView
	all  []lifecycleStep
}

func newRefineHarness(t *testing.T) *refineHarness {
	t.Helper()
	cl := state.Cluster{Options: state.Options{MaxJobCount: 100, MinJobAge: 300, ReturnToService: 1}}
	for i := 1; i <= 3; i++ {
		cl.Nodes = append(cl.Nodes, state.NodeConfig{Name: fmt.Sprintf("n%d", i), CPUs: 8, MemMB: 16000})
	}
	cl.Partitions = []state.Partition{{Name: "batch", Nodes: []int{0, 1, 2}, Default: true, State: state.PartitionUp}}
	sm, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	h := &refineHarness{t: t, sm: sm, view: lifecycleView{Jobs: map[state.JobID]jobView{}}}
	h.all = []lifecycleStep{{Action: "init", View: h.view.clone()}}
	return h
}

// apply applies cmd and returns the steps as "Action => rendering" lines.
func (h *refineHarness) apply(cmd state.Command) []string {
	h.t.Helper()
	if res := h.sm.Apply(cmd); res.Err != nil {
		h.t.Fatalf("%T rejected: %v", cmd, res.Err)
	}
	next, err := projectLifecycle(h.sm, h.view, bugNone)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	if !next.equal(h.view) {
		steps := lifecycleSteps(h.view, next, commandNode(h.sm, cmd), bugNone)
		if last := steps[len(steps)-1].View; !last.equal(next) {
			h.t.Fatalf("%T: the last step %s is not the projection %s", cmd, render(last), render(next))
		}
		for _, s := range steps {
			out = append(out, s.Action+" => "+render(s.View))
		}
		h.all = append(h.all, steps...)
	}
	h.view = next
	return out
}

// render prints a view compactly: job:STATE{alloc}/restarts ... down{...}.
func render(v lifecycleView) string {
	var parts []string
	for _, id := range v.jobIDs() {
		j := v.Jobs[id]
		parts = append(parts, fmt.Sprintf("%d:%s{%s}/%d", id, j.State, strings.Join(j.Alloc, ","), j.Restarts))
	}
	parts = append(parts, "down{"+strings.Join(v.Down, ",")+"}")
	return strings.Join(parts, " ")
}

func expectSteps(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func submit(requeue bool, nodes int) state.Submit {
	return state.Submit{Time: 1, Spec: state.JobSpec{UID: 1000, NumNodes: nodes, Requeue: requeue, MemPerNode: 1000}}
}

func register(node int, inc uint64, running ...state.JobAttempt) state.Register {
	return state.Register{Node: node, Time: 2, CPUs: 8, MemMB: 16000, Incarnation: inc, Running: running}
}

// TestRefineLifecycle drives the mapping through every kind of command
// and checks the spec states it produces, step by step.
func TestRefineLifecycle(t *testing.T) {
	h := newRefineHarness(t)
	for n := 0; n < 3; n++ {
		expectSteps(t, "register", h.apply(register(n, 1)))
	}
	expectSteps(t, "submit", h.apply(submit(true, 1)), "Submit(1) => 1:PENDING{}/0 down{}")
	expectSteps(t, "submit", h.apply(submit(false, 2)), "Submit(2) => 1:PENDING{}/0 2:PENDING{}/0 down{}")
	expectSteps(t, "submit", h.apply(submit(true, 1)), "Submit(3) => 1:PENDING{}/0 2:PENDING{}/0 3:PENDING{}/0 down{}")

	// One Start places three jobs, two of them sharing n1: three steps.
	expectSteps(t, "start", h.apply(state.Start{Time: 3, Term: 1, Allocs: []state.Alloc{
		{ID: 1, Nodes: []int{0}}, {ID: 2, Nodes: []int{1, 0}}, {ID: 3, Nodes: []int{1}}}}),
		"Start(1,{n1}) => 1:RUNNING{n1}/0 2:PENDING{}/0 3:PENDING{}/0 down{}",
		"Start(2,{n1,n2}) => 1:RUNNING{n1}/0 2:RUNNING{n1,n2}/0 3:PENDING{}/0 down{}",
		"Start(3,{n2}) => 1:RUNNING{n1}/0 2:RUNNING{n1,n2}/0 3:RUNNING{n2}/0 down{}")

	// NodeDown is one NodeFail step: every job on the node moves with it.
	expectSteps(t, "node down", h.apply(state.NodeDown{Node: 1, Time: 4, Reason: "Not responding"}),
		"NodeFail(n2) 2:RUNNING->NODE_FAIL 3:RUNNING->PENDING => 1:RUNNING{n1}/0 2:NODE_FAIL{}/0 3:PENDING{}/1 down{n2}")
	expectSteps(t, "admin resume", h.apply(state.NodeAdmin{Node: 1, Time: 5, Op: state.NodeResume}),
		"NodeReturn(n2) => 1:RUNNING{n1}/0 2:NODE_FAIL{}/0 3:PENDING{}/1 down{}")

	// A reboot noticed at registration: the node was never DOWN in the
	// implementation. Job 4, launched to the new incarnation before it
	// registered, keeps running; job 1, which it lost, is requeued.
	expectSteps(t, "submit", h.apply(submit(true, 1)), "Submit(4) => 1:RUNNING{n1}/0 2:NODE_FAIL{}/0 3:PENDING{}/1 4:PENDING{}/0 down{}")
	expectSteps(t, "start", h.apply(state.Start{Time: 5, Term: 1, Allocs: []state.Alloc{{ID: 4, Nodes: []int{0}}}}),
		"Start(4,{n1}) => 1:RUNNING{n1}/0 2:NODE_FAIL{}/0 3:PENDING{}/1 4:RUNNING{n1}/0 down{}")
	expectSteps(t, "reboot", h.apply(register(0, 2, state.JobAttempt{ID: 4})),
		"NodeReboot(n1) 1:RUNNING->PENDING => 1:PENDING{}/1 2:NODE_FAIL{}/0 3:PENDING{}/1 4:RUNNING{n1}/0 down{}")
	expectSteps(t, "cancel", h.apply(state.Cancel{ID: 4, Time: 5, UID: 0}),
		"Cancel(4) => 1:PENDING{}/1 2:NODE_FAIL{}/0 3:PENDING{}/1 4:CANCELLED{}/0 down{}")
	// Its processes go away later (Slurm's COMPLETING ends): nothing the spec sees.
	expectSteps(t, "cancelled job's processes gone", h.apply(state.ProcEnded{Node: 0, Job: state.JobAttempt{ID: 4}, Time: 5, Signal: 15}))

	// A node set down by the admin with nothing on it.
	expectSteps(t, "admin down", h.apply(state.NodeAdmin{Node: 1, Time: 6, Op: state.NodeSetDown, Reason: "maint"}),
		"NodeFail(n2) => 1:PENDING{}/1 2:NODE_FAIL{}/0 3:PENDING{}/1 4:CANCELLED{}/0 down{n2}")
	expectSteps(t, "drain is invisible", h.apply(state.NodeAdmin{Node: 2, Time: 6, Op: state.NodeDrain, Reason: "x"}))
	expectSteps(t, "resume drained", h.apply(state.NodeAdmin{Node: 2, Time: 6, Op: state.NodeResume}))

	expectSteps(t, "restart", h.apply(state.Start{Time: 7, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{2}}}}),
		"Start(1,{n3}) => 1:RUNNING{n3}/1 2:NODE_FAIL{}/0 3:PENDING{}/1 4:CANCELLED{}/0 down{n2}")
	// A stale report of the old attempt changes nothing the spec sees.
	expectSteps(t, "requeue", h.apply(state.Requeue{ID: 1, Time: 8, UID: 0}),
		"Requeue(1) => 1:PENDING{}/2 2:NODE_FAIL{}/0 3:PENDING{}/1 4:CANCELLED{}/0 down{n2}")
	expectSteps(t, "old attempt ends", h.apply(state.ProcEnded{Node: 2, Job: state.JobAttempt{ID: 1, Attempt: 1}, Time: 9}))
	expectSteps(t, "restart again", h.apply(state.Start{Time: 10, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{2}}}}),
		"Start(1,{n3}) => 1:RUNNING{n3}/2 2:NODE_FAIL{}/0 3:PENDING{}/1 4:CANCELLED{}/0 down{n2}")
	expectSteps(t, "fail", h.apply(state.ProcEnded{Node: 2, Job: state.JobAttempt{ID: 1, Attempt: 2}, Time: 11, ExitCode: 3}),
		"Fail(1) => 1:FAILED{}/2 2:NODE_FAIL{}/0 3:PENDING{}/1 4:CANCELLED{}/0 down{n2}")
	expectSteps(t, "cancel", h.apply(state.Cancel{ID: 3, Time: 12, UID: 1000}),
		"Cancel(3) => 1:FAILED{}/2 2:NODE_FAIL{}/0 3:CANCELLED{}/1 4:CANCELLED{}/0 down{n2}")

	// Purge forgets every job; the spec's job table keeps them.
	expectSteps(t, "purge", h.apply(state.Purge{Time: 10_000}))
	if h.sm.NumJobs() != 0 {
		t.Fatalf("purge kept %d jobs", h.sm.NumJobs())
	}
	if got := render(h.view); got != "1:FAILED{}/2 2:NODE_FAIL{}/0 3:CANCELLED{}/1 4:CANCELLED{}/0 down{n2}" {
		t.Errorf("after purge: %s", got)
	}
}

// TestRefineTimeoutAndComplete covers the remaining job endings.
func TestRefineTimeoutAndComplete(t *testing.T) {
	h := newRefineHarness(t)
	h.apply(register(0, 1))
	s := submit(false, 1)
	s.Spec.TimeLimit = 60
	h.apply(s)
	h.apply(submit(false, 1))
	h.apply(state.Start{Time: 100, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{0}}, {ID: 2, Nodes: []int{0}}}})
	expectSteps(t, "timeout", h.apply(state.Timeout{Job: state.JobAttempt{ID: 1}, Time: 160}),
		"Timeout(1) => 1:TIMEOUT{}/0 2:RUNNING{n1}/0 down{}")
	expectSteps(t, "complete", h.apply(state.ProcEnded{Node: 0, Job: state.JobAttempt{ID: 2}, Time: 170}),
		"Complete(2) => 1:TIMEOUT{}/0 2:COMPLETED{}/0 down{}")
	// The timed-out job's hold (Slurm's COMPLETING) is not an allocation.
	if held := h.sm.HeldBy(state.JobAttempt{ID: 1}); len(held) != 1 {
		t.Fatalf("expected job 1 to still hold n1, holds %v", held)
	}
}

// TestRefineLostJob: a job that vanishes while not terminal is dropped
// from the projection, so the recorded step removes it and the trace
// checker must reject it; the mapping never papers over a lost job.
func TestRefineLostJob(t *testing.T) {
	h := newRefineHarness(t)
	h.apply(submit(false, 1))
	prev := h.view.clone()
	prev.Jobs[7] = jobView{State: "PENDING"}
	prev.Jobs[8] = jobView{State: "COMPLETED"}
	next, err := projectLifecycle(h.sm, prev, bugNone)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := next.Jobs[7]; ok {
		t.Error("a lost pending job was kept in the projection")
	}
	if _, ok := next.Jobs[8]; !ok {
		t.Error("a purged terminal job was dropped from the projection")
	}
	steps := lifecycleSteps(prev, next, nodeEvent{}, bugNone)
	if len(steps) != 1 || steps[0].Action != "LostJobs" || !steps[0].View.equal(next) {
		t.Errorf("lost job steps: %+v", steps)
	}
}

func TestSpecJobState(t *testing.T) {
	for s, want := range map[state.JobState]string{
		state.JobPending: "PENDING", state.JobRunning: "RUNNING", state.JobOOM: "FAILED",
		state.JobNodeFail: "NODE_FAIL", state.JobTimeout: "TIMEOUT",
	} {
		if got, err := specJobState(s); err != nil || got != want {
			t.Errorf("%v: got %q, %v; want %q", s, got, err, want)
		}
	}
	for _, s := range []state.JobState{state.JobPreempted, state.JobBootFail, state.JobDeadline, 99} {
		if _, err := specJobState(s); err == nil {
			t.Errorf("%v: unmodelled state accepted", s)
		}
	}
}

// TestLifecycleITF pins the ITF encoding of a short trace byte for byte.
func TestLifecycleITF(t *testing.T) {
	h := newRefineHarness(t)
	h.apply(register(0, 1))
	h.apply(submit(true, 1))
	h.apply(state.Start{Time: 3, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{0}}}})
	h.apply(state.NodeDown{Node: 0, Time: 4, Reason: "x"})
	got := string(lifecycleITF(9, "unit \"test\"", []string{"n3", "n1", "n2"}, h.all))
	want := `{
"#meta": {"format": "ITF", "spec": "JobLifecycle", "seed": 9, "source": "flurm sim (sim/itf.go)", "description": "unit \"test\"",
  "constants": {"Jobs": {"#set": ["1"]}, "Nodes": {"#set": ["n1", "n2", "n3"]}, "MaxRestarts": 1}},
"vars": ["jobState", "alloc", "restarts", "down", "mbt::actionTaken"],
"states": [
{"#meta": {"index": 0}, "jobState": {"#map": []}, "alloc": {"#map": []}, "restarts": {"#map": []}, "down": {"#set": []}, "mbt::actionTaken": "init"},
{"#meta": {"index": 1}, "jobState": {"#map": [["1", "PENDING"]]}, "alloc": {"#map": [["1", {"#set": []}]]}, "restarts": {"#map": [["1", 0]]}, "down": {"#set": []}, "mbt::actionTaken": "Submit(1)"},
{"#meta": {"index": 2}, "jobState": {"#map": [["1", "RUNNING"]]}, "alloc": {"#map": [["1", {"#set": ["n1"]}]]}, "restarts": {"#map": [["1", 0]]}, "down": {"#set": []}, "mbt::actionTaken": "Start(1,{n1})"},
{"#meta": {"index": 3}, "jobState": {"#map": [["1", "PENDING"]]}, "alloc": {"#map": [["1", {"#set": []}]]}, "restarts": {"#map": [["1", 1]]}, "down": {"#set": ["n1"]}, "mbt::actionTaken": "NodeFail(n1) 1:RUNNING->PENDING"}
]
}
`
	if got != want {
		t.Errorf("ITF:\n%s\nwant:\n%s", got, want)
	}
}

// TestRecorderDetectsGap: a command that reached a controller without its
// OnApply hook (here: applied to the controller's state behind the
// recorder's back) must fail the run, not leave a silent hole in the trace.
func TestRecorderDetectsGap(t *testing.T) {
	h := newRefineHarness(t)
	w := newWorld(Options{}, nil)
	cl := state.Cluster{Options: state.Options{MaxJobCount: 100, MinJobAge: 300, ReturnToService: 1}}
	for _, n := range h.sm.Nodes() {
		cl.Nodes = append(cl.Nodes, state.NodeConfig{Name: n.Name, CPUs: n.CPUs, MemMB: n.MemMB})
	}
	cl.Partitions = []state.Partition{{Name: "batch", Nodes: []int{0, 1, 2}, Default: true, State: state.PartitionUp}}
	rec, err := newTraceRecorder(w, cl, bugNone)
	if err != nil {
		t.Fatal(err)
	}
	cmds := []state.Command{register(0, 1), submit(true, 1), submit(true, 1)}
	for i, cmd := range cmds {
		h.sm.Apply(cmd)
		if i == 1 {
			continue // index 2 never reaches the recorder
		}
		rec.onApply(1, uint64(i+1), cmd, h.sm)
	}
	if w.failure == nil || !strings.Contains(w.failure.Error(), "gap") {
		t.Fatalf("a gap in the recorded log went unnoticed: %v", w.failure)
	}
	// Only init was recorded: the registration is a stutter step, and
	// nothing is recorded after the gap.
	if len(rec.states) != 1 {
		t.Errorf("recorded %d states before the gap, want only init", len(rec.states))
	}
}

// TestRefineRelease: a job's part on a node other than its batch host
// ends first; FLURM frees that node, so the node's later failure does not
// touch the job (seed 2 of the CI sweep showed this).
func TestRefineRelease(t *testing.T) {
	h := newRefineHarness(t)
	for n := 0; n < 3; n++ {
		h.apply(register(n, 1))
	}
	h.apply(submit(true, 2))
	expectSteps(t, "start", h.apply(state.Start{Time: 3, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{0, 1}}}}),
		"Start(1,{n1,n2}) => 1:RUNNING{n1,n2}/0 down{}")
	expectSteps(t, "part on n2 ends", h.apply(state.ProcEnded{Node: 1, Job: state.JobAttempt{ID: 1}, Time: 4}),
		"Release(1,{n1}) => 1:RUNNING{n1}/0 down{}")
	expectSteps(t, "n2 fails", h.apply(state.NodeDown{Node: 1, Time: 5, Reason: "Not responding"}),
		"NodeFail(n2) => 1:RUNNING{n1}/0 down{n2}")
}
