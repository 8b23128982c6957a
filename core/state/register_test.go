package state

import "testing"

// A node that registers with less than slurm.conf declares is drained
// with slurmctld's reason text; one with enough is not.
func TestRegisterDrainsLowResources(t *testing.T) {
	for _, c := range []struct {
		cpus   int
		mem    int64
		reason string
	}{
		{4, 8000, ""},
		{8, 16000, ""},
		{2, 8000, "Low socket*core*thread count, Low CPUs"},
		{4, 7681, "Low RealMemory (reported:7681 < 100.00% of configured:8000)"},
		{1, 100, "Low socket*core*thread count, Low CPUs, Low RealMemory (reported:100 < 100.00% of configured:8000)"},
	} {
		m, err := New(testCluster(1))
		if err != nil {
			t.Fatal(err)
		}
		if r := m.Apply(Register{Node: 0, Time: 5, CPUs: c.cpus, MemMB: c.mem, Incarnation: 1}); r.Err != nil {
			t.Fatal(r.Err)
		}
		n := m.Nodes()[0]
		if n.Reason != c.reason || n.Drain != (c.reason != "") || (n.Drain && n.ReasonTime != 5) {
			t.Errorf("cpus %d mem %d: drain %v reason %q, want %q", c.cpus, c.mem, n.Drain, n.Reason, c.reason)
		}
	}
}

// A batch script killed for exceeding its memory limit ends the job
// OUT_OF_MEMORY, as Slurm reports it.
func TestProcEndedOutOfMemory(t *testing.T) {
	m, err := New(testCluster(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Command{
		Register{Node: 0, Time: 1, CPUs: 4, MemMB: 8000, Incarnation: 1},
		Submit{Client: "c", Seq: 1, Time: 2, Spec: JobSpec{Name: "big", Script: "#!/bin/sh\n", Env: []string{"A=b"}}},
	} {
		if r := m.Apply(c); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	id := m.Apply(Submit{Client: "c", Seq: 2, Time: 2, Spec: JobSpec{Name: "x", Script: "#!/bin/sh\n"}}).Job
	if r := m.Apply(Start{Time: 3, Term: 1, Allocs: []Alloc{{ID: id, Nodes: []int{0}}}}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := m.Apply(ProcEnded{Node: 0, Job: JobAttempt{ID: id}, Time: 4, Signal: 9, OOM: true}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if j := m.Job(id); j.State != JobOOM || j.Reason != "OutOfMemory" || j.Signal != 9 {
		t.Errorf("job after an OOM kill: %v %q signal %d", j.State, j.Reason, j.Signal)
	}
	// The encoding keeps the flag.
	b := Encode(ProcEnded{Node: 0, Job: JobAttempt{ID: id}, Time: 4, OOM: true})
	if c, err := Decode(b); err != nil || !c.(ProcEnded).OOM {
		t.Errorf("decode %+v %v", c, err)
	}
}

// A registration that still lists an attempt whose end was already
// recorded (a restarted daemon adopts its launch records before it
// delivers the exits it found) fills the node with that attempt's hold, so
// the holds after it are cut short. Once the end arrives again, they must
// grow back: found by the simulator, where the controller then placed
// jobs its node daemon had to refuse as overcommitted.
func TestShrunkHoldsGrowBack(t *testing.T) {
	m, err := New(testCluster(1)) // one node, 4 CPUs
	if err != nil {
		t.Fatal(err)
	}
	apply := func(c Command) Result {
		t.Helper()
		r := m.Apply(c)
		if r.Err != nil {
			t.Fatalf("%T: %v", c, r.Err)
		}
		return r
	}
	apply(Register{Node: 0, Time: 1, CPUs: 4, MemMB: 8000, Incarnation: 1})
	var ids []JobID
	for _, cpus := range []int{2, 2, 1} {
		ids = append(ids, apply(Submit{Time: 2, Spec: JobSpec{CPUsPerTask: cpus, Script: "x"}}).Job)
	}
	apply(Start{Time: 3, Term: 1, Allocs: []Alloc{{ID: ids[0], Nodes: []int{0}}}})
	apply(ProcEnded{Node: 0, Job: JobAttempt{ID: ids[0]}, Time: 4})
	apply(Start{Time: 5, Term: 1, Allocs: []Alloc{{ID: ids[1], Nodes: []int{0}}, {ID: ids[2], Nodes: []int{0}}}})
	apply(NodeDown{Node: 0, Time: 6, Reason: "Not responding"})
	apply(Register{Node: 0, Time: 7, CPUs: 4, MemMB: 8000, Incarnation: 2,
		Running: []JobAttempt{{ID: ids[0]}, {ID: ids[1]}, {ID: ids[2]}}})
	if cpus, _ := m.Nodes()[0].AllocCPUs(); cpus != 4 {
		t.Fatalf("holds after the registration: %+v", m.Nodes()[0].Holds)
	}
	apply(ProcEnded{Node: 0, Job: JobAttempt{ID: ids[0]}, Time: 8})
	if cpus, _ := m.Nodes()[0].AllocCPUs(); cpus != 3 {
		t.Errorf("after the ended attempt's report the node holds %d CPUs, want 3 (2 + 1 of the zombies): %+v", cpus, m.Nodes()[0].Holds)
	}
}

// A batch script the controller ended keeps how it ended, as slurmctld
// shows it (0:15 after a SIGTERM, the trap's own code); the other nodes of
// the job and salloc's allocation do not change the exit code.
func TestEndedJobKeepsScriptExit(t *testing.T) {
	m, err := New(testCluster(2))
	if err != nil {
		t.Fatal(err)
	}
	must := func(c Command) Result {
		t.Helper()
		r := m.Apply(c)
		if r.Err != nil {
			t.Fatalf("%T: %v", c, r.Err)
		}
		return r
	}
	must(Register{Node: 0, Time: 1, CPUs: 4, MemMB: 8000, Incarnation: 1})
	must(Register{Node: 1, Time: 1, CPUs: 4, MemMB: 8000, Incarnation: 1})
	batch := must(Submit{Client: "c", Seq: 1, Time: 2, Spec: JobSpec{UID: 1000, Script: "#!/bin/sh\n", NumNodes: 2, TimeLimit: 60}}).Job
	alloc := must(Submit{Client: "c", Seq: 2, Time: 2, Spec: JobSpec{UID: 1000}}).Job
	must(Start{Time: 3, Term: 1, Allocs: []Alloc{{ID: batch, Nodes: []int{0, 1}}, {ID: alloc, Nodes: []int{0}}}})
	must(Timeout{Job: JobAttempt{ID: batch}, Time: 63})
	must(CompleteAllocation{ID: alloc, Time: 63, UID: 1000, ExitCode: 2})

	must(ProcEnded{Node: 1, Job: JobAttempt{ID: batch}, Time: 64, Signal: 15})
	if j := m.Job(batch); j.ExitCode != 0 || j.Signal != 0 {
		t.Errorf("the second node's end set %d:%d", j.ExitCode, j.Signal)
	}
	must(ProcEnded{Node: 0, Job: JobAttempt{ID: batch}, Time: 64, ExitCode: 3})
	must(ProcEnded{Node: 0, Job: JobAttempt{ID: alloc}, Time: 64, Signal: 15})
	if j := m.Job(batch); j.State != JobTimeout || j.ExitCode != 3 || j.Signal != 0 {
		t.Errorf("timed-out job: %v %d:%d, want TIMEOUT 3:0", j.State, j.ExitCode, j.Signal)
	}
	if j := m.Job(alloc); j.ExitCode != 2 || j.Signal != 0 {
		t.Errorf("allocation: %d:%d, want salloc's 2:0", j.ExitCode, j.Signal)
	}
}
