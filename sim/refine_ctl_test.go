package sim

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/state"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRefineCtlStatus(t *testing.T) {
	for in, want := range map[state.JobState]string{
		state.JobPending: "pending", state.JobRunning: "running", state.JobSuspended: "running",
		state.JobCompleted: "done", state.JobCancelled: "done", state.JobFailed: "done",
		state.JobTimeout: "done", state.JobNodeFail: "done", state.JobOOM: "done",
	} {
		if got := ctlStatus(in); got != want {
			t.Errorf("ctlStatus(%v) = %s, want %s", in, got, want)
		}
	}
}

// ctlTableHarness applies commands to a state machine and returns the
// ControllerReplication steps of each.
type ctlTableHarness struct {
	bug  mappingBug
	t    *testing.T
	h    *refineHarness
	view ctlView
}

func (c *ctlTableHarness) apply(cmd state.Command) []string {
	c.t.Helper()
	if res := c.h.sm.Apply(cmd); res.Err != nil {
		c.t.Fatalf("%T rejected: %v", cmd, res.Err)
	}
	table, err := projectCtlTable(c.h.sm, c.view.Jobs, c.bug)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, s := range ctlTableSteps(c.view, table) {
		var parts []string
		for _, id := range sortedIDs(s.View.Jobs) {
			j := s.View.Jobs[id]
			parts = append(parts, jobKey(id)+":"+j.St+"@"+j.Where+"/"+string(rune('0'+j.Attempt)))
		}
		out = append(out, s.Action+" => "+strings.Join(parts, " "))
		c.view = s.View
	}
	if !maps.Equal(c.view.Jobs, table) {
		c.t.Fatalf("%T: the last step %v is not the projection %v", cmd, c.view.Jobs, table)
	}
	return out
}

// TestRefineCtlTable drives the table mapping through submission, a start
// of a two-node job (where is its batch host), a write-off that requeues
// (the next attempt), a cancel and a purge.
func TestRefineCtlTable(t *testing.T) {
	c := &ctlTableHarness{t: t, h: newRefineHarness(t), view: ctlView{Jobs: map[state.JobID]ctlJob{}}}
	for n := 0; n < 3; n++ {
		expectSteps(t, "register", c.apply(register(n, 1)))
	}
	expectSteps(t, "submit", c.apply(submit(true, 2)), "TSubmit(1) => 1:pending@none/1")
	expectSteps(t, "submit", c.apply(submit(true, 1)), "TSubmit(2) => 1:pending@none/1 2:pending@none/1")
	expectSteps(t, "start", c.apply(state.Start{Time: 3, Term: 1, Allocs: []state.Alloc{
		{ID: 1, Nodes: []int{1, 0}}, {ID: 2, Nodes: []int{2}}}}),
		"TStart(1,n2) => 1:running@n2/1 2:pending@none/1",
		"TStart(2,n3) => 1:running@n2/1 2:running@n3/1")
	// n1 holds only an allocation of job 1; writing it off requeues the
	// job all the same: the next attempt.
	expectSteps(t, "node down", c.apply(state.NodeDown{Node: 0, Time: 4, Reason: "Not responding"}),
		"TRequeue(1) => 1:pending@none/2 2:running@n3/1")
	expectSteps(t, "cancel", c.apply(state.Cancel{ID: 1, Time: 5, UID: 0}),
		"TEnd(1) => 1:done@none/2 2:running@n3/1")
	expectSteps(t, "purge", c.apply(state.Purge{Time: 10_000}))
	if j := c.view.Jobs[1]; j.St != "done" {
		t.Errorf("a purged job must stay done, got %+v", j)
	}

	// The broken mapping puts a multi-node job on its last node.
	bad := &ctlTableHarness{t: t, h: newRefineHarness(t), view: ctlView{Jobs: map[state.JobID]ctlJob{}}, bug: bugCtlWhereLastNode}
	for n := 0; n < 3; n++ {
		bad.apply(register(n, 1))
	}
	bad.apply(submit(true, 2))
	expectSteps(t, "bad start", bad.apply(state.Start{Time: 3, Term: 1, Allocs: []state.Alloc{{ID: 1, Nodes: []int{1, 0}}}}),
		"TStart(1,n1) => 1:running@n1/1")
}

func TestRefineCtlLostJob(t *testing.T) {
	prev := ctlView{Jobs: map[state.JobID]ctlJob{1: {St: "running", Where: "n1", Attempt: 1}}}
	steps := ctlTableSteps(prev, map[state.JobID]ctlJob{})
	if len(steps) != 1 || steps[0].Action != "LostJobs" || len(steps[0].View.Jobs) != 0 {
		t.Fatalf("a vanished running job must be one LostJobs step without it, got %+v", steps)
	}
}

// TestRefineCtlNodeSteps splits one observation of the nodes: a script
// ended on n1; n2's daemon restarted and accepted a launch of a newer term
// than it had; n3 learnt a term without a launch.
func TestRefineCtlNodeSteps(t *testing.T) {
	r := func(j state.JobID, n string, a uint32) ctlRun { return ctlRun{Job: j, Node: n, Attempt: a} }
	prev := ctlView{Term: 3, Jobs: map[state.JobID]ctlJob{},
		AgentTerm: map[string]uint64{"n1": 2, "n2": 3, "n3": 1},
		Running:   []ctlRun{r(1, "n1", 1), r(2, "n2", 1)}}
	terms := map[string]uint64{"n1": 2, "n2": 2, "n3": 3}
	running := []ctlRun{r(2, "n2", 1), r(3, "n2", 2)}
	steps := ctlNodeSteps(prev, terms, running)
	var got []string
	for _, s := range steps {
		got = append(got, s.Action)
	}
	want := []string{"TExit(1,n1,1)", "TAgentReset(n2)", "TDeliverLaunch(3,n2,2,2)", "TLearnTerm(n3,3)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("steps (-want +got):\n%s", diff)
	}
	if steps[1].View.AgentTerm["n2"] != 0 {
		t.Errorf("a reset must show term 0 before the launch, got %d", steps[1].View.AgentTerm["n2"])
	}
	last := steps[len(steps)-1].View
	wantView := ctlView{Term: 3, Jobs: map[state.JobID]ctlJob{}, AgentTerm: terms, Running: running}
	if diff := cmp.Diff(wantView, last, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the last step is not the new view (-want +got):\n%s", diff)
	}
	// Each step changes one node only.
	cur := prev
	for _, s := range steps {
		changed := map[string]bool{}
		for n, tm := range s.View.AgentTerm {
			if cur.AgentTerm[n] != tm {
				changed[n] = true
			}
		}
		for _, x := range slices.Concat(s.View.Running, cur.Running) {
			if slices.Contains(s.View.Running, x) != slices.Contains(cur.Running, x) {
				changed[x.Node] = true
			}
		}
		if len(changed) != 1 {
			t.Errorf("step %s changes nodes %v", s.Action, changed)
		}
		cur = s.View
	}
	if steps := ctlNodeSteps(last, terms, running); len(steps) != 0 {
		t.Errorf("no change must give no step, got %d", len(steps))
	}
}

// TestCtlITF checks the encoding: every job is a key from state 0 (none
// before submission), the broken mapping shifts agent terms, and the
// constants cover what the trace reaches.
func TestCtlITF(t *testing.T) {
	rec := &ctlRecorder{servers: []string{"s1", "s2"}, nodes: []string{"n1"}}
	v0 := ctlView{Jobs: map[state.JobID]ctlJob{}, AgentTerm: map[string]uint64{"n1": 0}}
	v1 := v0.clone()
	v1.Term = 2
	v2 := v1.clone()
	v2.Jobs[7] = ctlJob{St: "running", Where: "n1", Attempt: 1}
	v3 := v2.clone()
	v3.AgentTerm["n1"] = 2
	v3.Running = []ctlRun{{Job: 7, Node: "n1", Attempt: 1}}
	rec.states = []ctlStep{{"init", v0}, {"TElect(2)", v1}, {"TStart(7,n1)", v2}, {"TDeliverLaunch(7,n1,1,2)", v3}}
	got := string(rec.ITF(9, "unit"))
	for _, want := range []string{
		`"constants": {"Servers": {"#set": ["s1", "s2"]}, "Jobs": {"#set": ["7"]}, "Nodes": {"#set": ["n1"]}, "MaxTerm": 2, "MaxAttempts": 1}`,
		`{"#meta": {"index": 0}, "curTerm": 0, "jobs": {"#map": [["7", "none"]]}, "where": {"#map": [["7", "none"]]}, "attempt": {"#map": [["7", 0]]}, "agentTerm": {"#map": [["n1", 0]]}, "running": {"#set": []}, "mbt::actionTaken": "init"}`,
		`"agentTerm": {"#map": [["n1", 2]]}, "running": {"#set": [{"job": "7", "node": "n1", "attempt": 1}]}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ITF lacks %s\n%s", want, got)
		}
	}
	rec.bug = bugCtlTermPlusOne
	if bad := string(rec.ITF(9, "unit")); !strings.Contains(bad, `"agentTerm": {"#map": [["n1", 3]]}`) || !strings.Contains(bad, `"MaxTerm": 3`) {
		t.Errorf("the broken mapping must shift agent terms:\n%s", bad)
	}
}
