package controller

import (
	"testing"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// A kill tells the node why the attempt ends, from what the job became.
func TestSendKillSaysWhy(t *testing.T) {
	cl := state.Cluster{
		Options:    state.Options{MaxJobCount: 100, ReturnToService: 1},
		Nodes:      []state.NodeConfig{{Name: "n1", CPUs: 8, MemMB: 1000}, {Name: "n2", CPUs: 8, MemMB: 1000}},
		Partitions: []state.Partition{{Name: "p", Nodes: []int{0, 1}, Default: true, State: state.PartitionUp}},
	}
	m, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		m.Apply(state.Register{Node: i, Time: 10, CPUs: 8, MemMB: 1000, Incarnation: 1})
	}
	var allocs []state.Alloc
	for id := state.JobID(1); id <= 5; id++ {
		m.Apply(state.Submit{Time: 10, Spec: state.JobSpec{UID: 1000, Script: "x", TimeLimit: 60}})
		allocs = append(allocs, state.Alloc{ID: id, Nodes: []int{int(id) % 2}})
	}
	if r := m.Apply(state.Start{Time: 11, Term: 3, Allocs: allocs}); len(r.Launch) != 5 {
		t.Fatalf("%d of 5 jobs started", len(r.Launch))
	}
	mustApply := func(cmd state.Command) {
		t.Helper()
		if r := m.Apply(cmd); r.Err != nil {
			t.Fatalf("%T: %v", cmd, r.Err)
		}
	}
	mustApply(state.Cancel{ID: 1, Time: 12, UID: 1000})
	mustApply(state.Timeout{Job: state.JobAttempt{ID: 2}, Time: 71})
	mustApply(state.Requeue{ID: 3, Time: 12, UID: 0})
	mustApply(state.NodeDown{Node: 0, Time: 12, Reason: "test"}) // job 4 runs on n1
	c := &Controller{sm: m, term: 3}
	for _, tc := range []struct {
		a    state.JobAttempt
		want msg.EndReason
	}{
		{state.JobAttempt{ID: 1}, msg.EndCancelled},
		{state.JobAttempt{ID: 2}, msg.EndTimeLimit},
		{state.JobAttempt{ID: 3}, msg.EndRequeued},
		{state.JobAttempt{ID: 3, Attempt: 1}, msg.EndUntold}, // the pending attempt
		{state.JobAttempt{ID: 4}, msg.EndNodeFail},
		{state.JobAttempt{ID: 5}, msg.EndUntold}, // still running: a zombie report
		{state.JobAttempt{ID: 9}, msg.EndUntold}, // unknown job
	} {
		out := c.sendKill(tc.a, []int{1}, nil)
		if len(out) != 1 || out[0] != (Send{To: "node/n2", Msg: msg.Kill{Term: 3, Job: tc.a, Why: tc.want}}) {
			t.Errorf("kill of %v: %+v, want reason %d", tc.a, out, tc.want)
		}
	}
}
