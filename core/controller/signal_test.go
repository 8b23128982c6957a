package controller

import (
	"testing"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

func TestSignalSendsKillWithSignalToHoldingNodes(t *testing.T) {
	cl := state.Cluster{
		Options: state.Options{MaxJobCount: 100, ReturnToService: 1, SlurmUID: 500},
		Nodes: []state.NodeConfig{{Name: "n1", CPUs: 4, MemMB: 1000}, {Name: "n2", CPUs: 4, MemMB: 1000},
			{Name: "n3", CPUs: 4, MemMB: 1000}},
		Partitions: []state.Partition{{Name: "p", Nodes: []int{0, 1, 2}, Default: true, State: state.PartitionUp}},
	}
	m, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		m.Apply(state.Register{Node: i, Time: 10, CPUs: 4, MemMB: 1000, Incarnation: 1})
	}
	m.Apply(state.Submit{Time: 10, Spec: state.JobSpec{UID: 1000, NumNodes: 2, Script: "x"}}) // job 1
	m.Apply(state.Submit{Time: 10, Spec: state.JobSpec{UID: 1000, Script: "x", Hold: true}})  // job 2, pending
	if r := m.Apply(state.Start{Time: 11, Term: 3, Allocs: []state.Alloc{{ID: 1, Nodes: []int{2, 0}}}}); len(r.Launch) != 1 {
		t.Fatal("job 1 did not start")
	}
	c := &Controller{sm: m, term: 3}

	var out []Effect
	if rep := c.signal(1000, msg.OpSignal{Job: 1, Signal: 10}, &out); rep.Err != nil || rep.Job != 1 {
		t.Fatalf("reply %+v", rep)
	}
	want := []Effect{
		Send{To: "node/n3", Msg: msg.Kill{Term: 3, Job: state.JobAttempt{ID: 1}, Signal: 10}},
		Send{To: "node/n1", Msg: msg.Kill{Term: 3, Job: state.JobAttempt{ID: 1}, Signal: 10}},
	}
	if len(out) != len(want) || out[0] != want[0] || out[1] != want[1] {
		t.Fatalf("effects %+v, want %+v", out, want)
	}
	if rep := c.signal(500, msg.OpSignal{Job: 1, Signal: 2}, new([]Effect)); rep.Err != nil {
		t.Errorf("SlurmUser: %v", rep.Err)
	}

	for _, tc := range []struct {
		name string
		uid  uint32
		op   msg.OpSignal
		code state.ErrCode
	}{
		{"another user", 1001, msg.OpSignal{Job: 1, Signal: 10}, state.ErrAccessDenied},
		{"unknown job", 1000, msg.OpSignal{Job: 9, Signal: 10}, state.ErrInvalidJobID},
		{"pending job", 1000, msg.OpSignal{Job: 2, Signal: 10}, state.ErrTransitionNoUpdate},
		{"signal 0", 1000, msg.OpSignal{Job: 1, Signal: 0}, state.ErrGeneric},
		{"signal too large", 1000, msg.OpSignal{Job: 1, Signal: 65}, state.ErrGeneric},
	} {
		var none []Effect
		rep := c.signal(tc.uid, tc.op, &none)
		if rep.Err == nil || rep.Err.Code != tc.code || len(none) != 0 {
			t.Errorf("%s: reply %+v, %d effects; want code %d and nothing sent", tc.name, rep, len(none), tc.code)
		}
	}
	m.Apply(state.Cancel{ID: 1, Time: 12, UID: 1000})
	if rep := c.signal(1000, msg.OpSignal{Job: 1, Signal: 10}, new([]Effect)); rep.Err == nil || rep.Err.Code != state.ErrAlreadyDone {
		t.Errorf("finished job: %+v", rep)
	}
}
