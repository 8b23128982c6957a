package controller

import (
	"slices"
	"testing"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// A restarted flurmnd adopts a batch script that ended while it was down
// and may report that end before it ever reports the attempt running. Its
// registration (new incarnation) must keep the attempt, so the job ends
// once with its own exit code instead of running again; an allocation on
// another node of the job is still written off.
func TestRegistrationKeepsBatchAttemptReportedEnded(t *testing.T) {
	cl := state.Cluster{
		Options: state.Options{MaxJobCount: 100, ReturnToService: 1, SlurmUID: 500, JobRequeue: true},
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
	m.Apply(state.Submit{Time: 10, Spec: state.JobSpec{UID: 1000, NumNodes: 2, Script: "x", Requeue: true}}) // job 1
	if r := m.Apply(state.Start{Time: 11, Term: 3, Allocs: []state.Alloc{{ID: 1, Nodes: []int{2, 0}}}}); len(r.Launch) != 1 {
		t.Fatal("job 1 did not start")
	}
	c := &Controller{sm: m, term: 3}
	a := state.JobAttempt{ID: 1}
	ended := []msg.ProcReport{{Job: a, ExitCode: 3}, {Job: state.JobAttempt{ID: 9}}}

	batch := msg.Heartbeat{Node: "n3", Incarnation: 2, Running: []state.JobAttempt{}, Ended: ended}
	if got := c.accountedFor(&m.Nodes()[2], 2, batch); !slices.Equal(got, []state.JobAttempt{a}) {
		t.Errorf("batch node reporting the end: accounted for %v, want [%v]", got, a)
	}
	other := msg.Heartbeat{Node: "n1", Incarnation: 2, Ended: ended}
	if got := c.accountedFor(&m.Nodes()[0], 0, other); len(got) != 0 {
		t.Errorf("non-batch node: accounted for %v, want nothing (the allocation is lost)", got)
	}

	m.Apply(state.Register{Node: 2, Time: 12, CPUs: 4, MemMB: 1000, Incarnation: 2,
		Running: c.accountedFor(&m.Nodes()[2], 2, batch)})
	if j := m.Job(1); j.State != state.JobRunning || j.Attempt != 0 {
		t.Fatalf("after the batch node's registration: %v attempt %d, want RUNNING attempt 0", j.State, j.Attempt)
	}
	if r := m.Apply(state.ProcEnded{Node: 2, Job: a, Time: 13, ExitCode: 3}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if j := m.Job(1); j.State != state.JobFailed || j.ExitCode != 3 {
		t.Errorf("job 1 ended %v exit %d, want FAILED exit 3", j.State, j.ExitCode)
	}
}
