package state

import (
	"bytes"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// genStepCommand draws a step creation or end, valid or not.
func genStepCommand(t *rapid.T, id JobID, uid uint32, n int, now int64) Command {
	if rapid.Bool().Draw(t, "create") {
		return StepCreate{Job: id, Time: now, UID: uid, Request: rapid.Uint64Range(0, 3).Draw(t, "req"),
			Name:     rapid.SampledFrom([]string{"", "hostname"}).Draw(t, "sname"),
			NumNodes: rapid.IntRange(-1, 3).Draw(t, "snodes"),
			Nodes:    rapid.SliceOfN(rapid.IntRange(-1, n), 0, 2).Draw(t, "snodelist"),
			Tasks:    rapid.IntRange(-1, 9).Draw(t, "stasks"), CPUs: rapid.IntRange(0, 9).Draw(t, "scpus"),
			TimeLimit: rapid.Int64Range(-1, 60).Draw(t, "slimit"), SrunHost: "login", SrunPID: 42}
	}
	return StepEnd{Job: id, Step: uint32(rapid.IntRange(0, 3).Draw(t, "sid")), Time: now, UID: uid,
		First: rapid.IntRange(-1, 2).Draw(t, "first"), Last: rapid.IntRange(-1, 2).Draw(t, "last"),
		ExitCode: rapid.IntRange(0, 256).Draw(t, "src"), All: rapid.Bool().Draw(t, "sall")}
}

// runningJob submits and starts a job of uid 1000 on the given nodes.
func runningJob(t *testing.T, m *Machine, nodes []int, tasks int) *Job {
	t.Helper()
	r := m.Apply(Submit{Time: 1, Spec: JobSpec{UID: 1000, NumNodes: len(nodes), NumTasks: tasks}})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := m.Apply(Start{Time: 2, Term: 1, Allocs: []Alloc{{ID: r.Job, Nodes: nodes}}}); len(r.Launch) != 1 {
		t.Fatalf("job did not start: %+v", r)
	}
	return m.Job(r.Job)
}

func registeredMachine(t *testing.T, nodes int) *Machine {
	t.Helper()
	m, err := New(testCluster(nodes))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < nodes; i++ {
		m.Apply(Register{Node: i, Time: 1, CPUs: 4, MemMB: 8000, Incarnation: 1})
	}
	return m
}

func mustCode(t *testing.T, what string, r Result, code ErrCode) {
	t.Helper()
	if r.Err == nil || r.Err.Code != code {
		t.Errorf("%s: got %v, want code %d", what, r.Err, code)
	}
}

func TestStepLifecycle(t *testing.T) {
	m := registeredMachine(t, 3)
	j := runningJob(t, m, []int{2, 0}, 4)
	r := m.Apply(StepCreate{Job: j.ID, Time: 5, UID: 1000, Request: 77, Name: "hostname", Tasks: 3, SrunHost: "login", SrunPID: 9})
	if r.Err != nil || r.Step != 0 {
		t.Fatalf("create: %+v", r)
	}
	s := j.FindStep(0)
	if s == nil || !slices.Equal(s.Nodes, []int{2, 0}) || !slices.Equal(s.TaskLayout(), []int{2, 1}) || s.CPUs != 3 {
		t.Fatalf("step %+v", s)
	}
	// A retry of the same creation returns the same step.
	if r := m.Apply(StepCreate{Job: j.ID, Time: 6, UID: 1000, Request: 77, Tasks: 3}); r.Err != nil || r.Step != 0 || len(j.Steps) != 1 {
		t.Fatalf("retry: %+v, %d steps", r, len(j.Steps))
	}
	if r := m.Apply(StepCreate{Job: j.ID, Time: 6, UID: 1000, Request: 78, NumNodes: 1, Tasks: 1}); r.Err != nil || r.Step != 1 {
		t.Fatalf("second step: %+v", r)
	}
	if got := j.FindStep(1).Nodes; !slices.Equal(got, []int{2}) {
		t.Errorf("second step nodes %v, want the batch host", got)
	}
	// Node reports: only operators; the step ends when every node reported.
	mustCode(t, "report from a user", m.Apply(StepEnd{Job: j.ID, Step: 0, UID: 1000, First: 0, Last: 1}), ErrAccessDenied)
	if r := m.Apply(StepEnd{Job: j.ID, Step: 0, UID: 0, First: 1, Last: 1, ExitCode: 256}); r.Err != nil || j.FindStep(0) == nil {
		t.Fatalf("first report: %+v", r)
	}
	mustCode(t, "range outside the step", m.Apply(StepEnd{Job: j.ID, Step: 0, UID: 0, First: 0, Last: 2}), ErrGeneric)
	if r := m.Apply(StepEnd{Job: j.ID, Step: 0, UID: 64030, First: 0, Last: 0}); r.Err != nil || j.FindStep(0) != nil {
		t.Fatalf("last report: %+v, step %+v", r, j.FindStep(0))
	}
	mustCode(t, "ended step", m.Apply(StepEnd{Job: j.ID, Step: 0, UID: 0, First: 0, Last: 0}), ErrAlreadyDone)
	// A cancel by another user is refused; by the owner it ends the step.
	mustCode(t, "cancel by another user", m.Apply(StepEnd{Job: j.ID, Step: 1, UID: 1001, All: true}), ErrUserIDMissing)
	if r := m.Apply(StepEnd{Job: j.ID, Step: 1, UID: 1000, All: true}); r.Err != nil || len(j.Steps) != 0 {
		t.Fatalf("cancel: %+v", r)
	}
	if r := m.Apply(StepCreate{Job: j.ID, Time: 7, UID: 1000, Tasks: 2}); r.Step != 2 {
		t.Errorf("step ids are reused: got %d, want 2", r.Step)
	}
	// Steps end with the job.
	if r := m.Apply(Cancel{ID: j.ID, Time: 8, UID: 1000}); r.Err != nil || len(j.Steps) != 0 {
		t.Fatalf("cancel job: %+v, %d steps left", r, len(j.Steps))
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestStepCreateRejects(t *testing.T) {
	m := registeredMachine(t, 3)
	j := runningJob(t, m, []int{0, 1}, 2) // 1 CPU per node
	pending := m.Apply(Submit{Time: 3, Spec: JobSpec{UID: 1000, NumNodes: 3, NumTasks: 12, Hold: true}}).Job
	cases := []struct {
		name string
		c    StepCreate
		code ErrCode
	}{
		{"unknown job", StepCreate{Job: 999, UID: 1000, Tasks: 1}, ErrInvalidJobID},
		{"another user's job", StepCreate{Job: j.ID, UID: 1001, Tasks: 1}, ErrAccessDenied},
		{"pending job", StepCreate{Job: pending, UID: 1000, Tasks: 1}, ErrJobPendingStep},
		{"no tasks", StepCreate{Job: j.ID, UID: 1000}, ErrInvalidTaskCount},
		{"huge task count", StepCreate{Job: j.ID, UID: 1000, Tasks: 1 << 30}, ErrInvalidTaskCount},
		{"huge cpu count", StepCreate{Job: j.ID, UID: 1000, Tasks: 1, CPUs: 1 << 30}, ErrInvalidTaskCount},
		{"more cpus than allocated", StepCreate{Job: j.ID, UID: 1000, Tasks: 3}, ErrTooManyCPUs},
		{"fewer tasks than nodes", StepCreate{Job: j.ID, UID: 1000, NumNodes: 2, Tasks: 1}, ErrInvalidTaskCount},
		{"more nodes than the job", StepCreate{Job: j.ID, UID: 1000, NumNodes: 3, Tasks: 3}, ErrInvalidNodeCount},
		{"negative nodes", StepCreate{Job: j.ID, UID: 1000, NumNodes: -1, Tasks: 1}, ErrInvalidNodeCount},
		{"node outside the job", StepCreate{Job: j.ID, UID: 1000, Nodes: []int{2}, Tasks: 1}, ErrNodeConfigUnavail},
		{"duplicate node", StepCreate{Job: j.ID, UID: 1000, Nodes: []int{0, 0}, Tasks: 2}, ErrNodeConfigUnavail},
		{"negative limit", StepCreate{Job: j.ID, UID: 1000, Tasks: 1, TimeLimit: -1}, ErrInvalidTimeLimit},
		{"long host", StepCreate{Job: j.ID, UID: 1000, Tasks: 1, SrunHost: string(make([]byte, MaxStepHostLen+1))}, ErrPathnameTooLong},
	}
	before := m.Snapshot()
	for _, c := range cases {
		mustCode(t, c.name, m.Apply(c.c), c.code)
	}
	if !bytes.Equal(before, m.Snapshot()) {
		t.Fatal("a rejected step creation changed the state")
	}
	if r := m.Apply(StepCreate{Job: j.ID, UID: 0, Nodes: []int{1}, Tasks: 1}); r.Err != nil {
		t.Errorf("root in another user's job: %v", r.Err)
	}
	m.jobs[j.ID].NextStep = MaxStepsPerJob
	mustCode(t, "step limit", m.Apply(StepCreate{Job: j.ID, UID: 1000, Tasks: 1}), ErrStepLimit)
}

func TestCompleteAllocation(t *testing.T) {
	m := registeredMachine(t, 2)
	j := runningJob(t, m, []int{0}, 1)
	mustCode(t, "another user", m.Apply(CompleteAllocation{ID: j.ID, UID: 1001}), ErrUserIDMissing)
	r := m.Apply(CompleteAllocation{ID: j.ID, Time: 9, UID: 1000, ExitCode: 3})
	if r.Err != nil || j.State != JobFailed || j.ExitCode != 3 || j.EndTime != 9 || len(r.Kill) != 1 {
		t.Fatalf("%+v: job %v exit %d", r, j.State, j.ExitCode)
	}
	if held := m.HeldBy(r.Kill[0]); !slices.Equal(held, []int{0}) {
		t.Errorf("holds after completion: %v, want kept until the node reports", held)
	}
	mustCode(t, "twice", m.Apply(CompleteAllocation{ID: j.ID, UID: 1000}), ErrAlreadyDone)

	ok := runningJob(t, m, []int{1}, 1)
	if r := m.Apply(CompleteAllocation{ID: ok.ID, Time: 9, UID: 0}); r.Err != nil || ok.State != JobCompleted {
		t.Fatalf("rc 0: %+v %v", r, ok.State)
	}
	pend := m.Apply(Submit{Time: 3, Spec: JobSpec{UID: 1000, Hold: true}}).Job
	if r := m.Apply(CompleteAllocation{ID: pend, Time: 9, UID: 1000}); r.Err != nil || m.Job(pend).State != JobCancelled {
		t.Fatalf("pending: %+v %v", r, m.Job(pend).State)
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotKeepsSteps checks steps survive snapshot and restore, and
// that a version 1 snapshot (no steps) still restores.
func TestSnapshotKeepsSteps(t *testing.T) {
	m := registeredMachine(t, 2)
	j := runningJob(t, m, []int{0, 1}, 2)
	m.Apply(StepCreate{Job: j.ID, Time: 5, UID: 1000, Request: 1, Name: "a", Tasks: 2, SrunHost: "h", SrunPID: 3})
	m.Apply(StepEnd{Job: j.ID, Step: 0, UID: 0, First: 1, Last: 1, ExitCode: 5})
	r, err := Restore(m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if r.Hash() != m.Hash() || len(r.Job(j.ID).Steps) != 1 || r.Job(j.ID).Steps[0].ExitCode != 5 {
		t.Fatalf("restored steps %+v", r.Job(j.ID).Steps)
	}

	empty := registeredMachine(t, 1)
	v1 := empty.Snapshot()
	v1[0] = 1
	if _, err := Restore(v1); err != nil {
		t.Fatalf("version 1 snapshot without jobs: %v", err)
	}
}

// TestStepProperties drives random step traffic against running jobs
// (which the general property test rarely reaches) mixed with what ends
// jobs and nodes, checking after each command the invariants, that a
// rejected command changes nothing, the encoding round trip, a replica
// applying the decoded commands, and snapshot/restore at the end.
func TestStepProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m, twin := setupRunning(t), setupRunning(t)
		now := int64(100)
		for i := rapid.IntRange(1, 40).Draw(t, "steps"); i > 0; i-- {
			now += rapid.Int64Range(0, 30).Draw(t, "dt")
			id := JobID(rapid.IntRange(1, 4).Draw(t, "job"))
			uid := rapid.SampledFrom([]uint32{0, 1000, 1001}).Draw(t, "uid")
			var c Command
			switch rapid.IntRange(0, 9).Draw(t, "what") {
			case 0, 1, 2, 3:
				c = genStepCommand(t, id, uid, 3, now)
			case 4, 5:
				c = StepEnd{Job: id, Step: uint32(rapid.IntRange(0, 3).Draw(t, "sid")), Time: now, UID: 0,
					First: 0, Last: rapid.IntRange(0, 1).Draw(t, "last"), ExitCode: rapid.IntRange(0, 9).Draw(t, "rc")}
			case 6:
				c = CompleteAllocation{ID: id, Time: now, UID: uid, ExitCode: rapid.IntRange(0, 1).Draw(t, "arc")}
			case 7:
				c = Requeue{ID: id, Time: now, UID: uid}
			case 8:
				c = NodeDown{Node: rapid.IntRange(0, 2).Draw(t, "down"), Time: now, Reason: "x"}
			default:
				c = Cancel{ID: id, Time: now, UID: uid}
			}
			enc := Encode(c)
			dec, err := Decode(enc)
			if err != nil || !bytes.Equal(Encode(dec), enc) {
				t.Fatalf("%T does not round-trip: %v", c, err)
			}
			before := m.Snapshot()
			res := m.Apply(c)
			if res.Err != nil && !bytes.Equal(before, m.Snapshot()) {
				t.Fatalf("rejected %#v (%v) changed the state", c, res.Err)
			}
			if err := m.Check(); err != nil {
				t.Fatalf("after %#v: %v", c, err)
			}
			if sc, ok := c.(StepCreate); ok && res.Err == nil {
				s := m.Job(sc.Job).FindStep(res.Step)
				if s == nil || len(s.Nodes) == 0 || s.Tasks < len(s.Nodes) {
					t.Fatalf("created step %+v", s)
				}
				sum := 0
				for _, n := range s.TaskLayout() {
					if n < 1 {
						t.Fatalf("layout %v leaves a node without tasks", s.TaskLayout())
					}
					sum += n
				}
				if sum != s.Tasks {
					t.Fatalf("layout %v for %d tasks", s.TaskLayout(), s.Tasks)
				}
			}
			twin.Apply(dec)
		}
		if m.Hash() != twin.Hash() {
			t.Fatal("replicas diverged")
		}
		r, err := Restore(m.Snapshot())
		if err != nil || r.Hash() != m.Hash() {
			t.Fatalf("restore: %v", err)
		}
	})
}

// setupRunning is a 3-node cluster with four running jobs of uid 1000:
// job 1 on nodes 0 and 1, jobs 2-4 on node 2 (one CPU each).
func setupRunning(t *rapid.T) *Machine {
	m, err := New(testCluster(3))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		m.Apply(Register{Node: i, Time: 1, CPUs: 4, MemMB: 8000, Incarnation: 1})
	}
	m.Apply(Submit{Time: 1, Spec: JobSpec{UID: 1000, NumNodes: 2, NumTasks: 8, Requeue: true}})
	for range 3 {
		m.Apply(Submit{Time: 1, Spec: JobSpec{UID: 1000}})
	}
	r := m.Apply(Start{Time: 2, Term: 1, Allocs: []Alloc{{ID: 1, Nodes: []int{1, 0}}, {ID: 2, Nodes: []int{2}},
		{ID: 3, Nodes: []int{2}}, {ID: 4, Nodes: []int{2}}}})
	if len(r.Launch) != 4 {
		t.Fatalf("setup: %+v", r)
	}
	return m
}

// TestCheckCatchesBadSteps corrupts step records the way a bug or a bad
// snapshot could and expects Check (and so Restore) to notice.
func TestCheckCatchesBadSteps(t *testing.T) {
	for name, corrupt := range map[string]func(j *Job){
		"step of a finished job": func(j *Job) { j.State = JobCompleted },
		"id not below next":      func(j *Job) { j.NextStep = 0 },
		"node outside the job":   func(j *Job) { j.Steps[0].Nodes = []int{2} },
		"duplicate node":         func(j *Job) { j.Steps[0].Nodes = []int{0, 0}; j.Steps[0].Done = []bool{false, false} },
		"marks per node":         func(j *Job) { j.Steps[0].Done = nil },
		"all nodes done":         func(j *Job) { j.Steps[0].Done = []bool{true} },
		"fewer tasks than nodes": func(j *Job) { j.Steps[0].Tasks = 0 },
		"ids out of order":       func(j *Job) { j.Steps = append(j.Steps, j.Steps[0]) },
	} {
		m := registeredMachine(t, 3)
		j := runningJob(t, m, []int{0, 1}, 2)
		if r := m.Apply(StepCreate{Job: j.ID, UID: 1000, NumNodes: 1, Tasks: 1}); r.Err != nil {
			t.Fatal(r.Err)
		}
		corrupt(m.jobs[j.ID])
		if err := m.Check(); err == nil {
			t.Errorf("%s: Check passed", name)
		}
		if _, err := Restore(m.Snapshot()); err == nil {
			t.Errorf("%s: Restore accepted the snapshot", name)
		}
	}
}
