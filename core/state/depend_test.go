package state

import (
	"errors"
	"testing"
)

func TestParseDependency(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // FormatDependency of the result
		any  bool
		err  error
	}{
		{in: "", want: ""},
		{in: "afterok:12", want: "afterok:12"},
		{in: "afterok:12:13,afternotok:4", want: "afterok:12,afterok:13,afternotok:4"},
		{in: "after:3?afterany:5", want: "after:3?afterany:5", any: true},
		{in: "7", want: "afterany:7"},
		{in: "afterok:1,afterok:2?afterok:3", want: "afterok:1?afterok:2?afterok:3", any: true},
		{in: ",", err: ErrDependencyMalformed},
		{in: "afterok", err: ErrDependencyMalformed},
		{in: "afterok:", err: ErrDependencyMalformed},
		{in: "afterok:x", err: ErrDependencyMalformed},
		{in: "afterok:0", err: ErrDependencyMalformed},
		{in: "afterok:1::2", err: ErrDependencyMalformed},
		{in: "whenever:1", err: ErrDependencyMalformed},
		{in: "afterok:99999999999", err: ErrDependencyMalformed},
		{in: "singleton", err: ErrDependencyUnsupported},
		{in: "aftercorr:4", err: ErrDependencyUnsupported},
		{in: "after:4+10", err: ErrDependencyUnsupported},
		{in: "afterok:4_1", err: ErrDependencyUnsupported},
	} {
		deps, anyOf, err := ParseDependency(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("%q: error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if got := FormatDependency(deps, anyOf); got != tc.want || anyOf != tc.any {
			t.Errorf("%q: parsed as %q any=%v, want %q any=%v", tc.in, got, anyOf, tc.want, tc.any)
		}
	}
	long := "afterok:1"
	for i := 0; i < MaxDependencies; i++ {
		long += ":1"
	}
	if _, _, err := ParseDependency(long); !errors.Is(err, ErrDependencyMalformed) {
		t.Errorf("%d conditions accepted: %v", MaxDependencies+1, err)
	}
}

// dependWorld submits jobs 1 and 2 (both runnable on one node each) and
// returns the machine.
func dependWorld(t *testing.T) *Machine {
	t.Helper()
	m, err := New(testCluster(2))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		m.Apply(Register{Node: i, Time: 1, CPUs: 4, MemMB: 8000, Incarnation: 1})
	}
	for i := 0; i < 2; i++ {
		if r := m.Apply(Submit{Time: 2, Spec: JobSpec{UID: 1000, TimeLimit: 60}}); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return m
}

func submitDep(t *testing.T, m *Machine, dep string) (JobID, *Error) {
	t.Helper()
	deps, anyOf, err := ParseDependency(dep)
	if err != nil {
		t.Fatal(err)
	}
	r := m.Apply(Submit{Time: 3, Spec: JobSpec{UID: 1000, TimeLimit: 60, Dependencies: deps, DependAny: anyOf}})
	return r.Job, r.Err
}

// A condition on a job the state does not hold is dropped at submit, as
// slurmctld does; an invalid condition is refused.
func TestDependencySubmitUnknownAndInvalid(t *testing.T) {
	m := dependWorld(t)
	id, e := submitDep(t, m, "afterok:77,afterany:1")
	if e != nil {
		t.Fatal(e)
	}
	if got := m.DependencyString(m.jobs[id]); got != "afterany:1(unfulfilled)" {
		t.Errorf("shown %q, want only the known job", got)
	}
	id, e = submitDep(t, m, "afterok:77?afterok:78")
	if e != nil {
		t.Fatal(e)
	}
	if j := m.jobs[id]; len(j.Spec.Dependencies) != 0 || j.Spec.DependAny {
		t.Errorf("conditions on unknown jobs kept: %+v", j.Spec)
	}
	self := Dependency{Type: DependAfter, Job: m.nextID}
	for _, bad := range []Dependency{{Type: 0, Job: 1}, {Type: dependTypeEnd, Job: 1}, {Type: DependAfterOK, Job: 0}, self} {
		r := m.Apply(Submit{Time: 3, Spec: JobSpec{UID: 1000, Dependencies: []Dependency{bad}}})
		if r.Err == nil || r.Err.Code != ErrDependency || r.Err.Msg != "Job dependency problem" {
			t.Errorf("%+v: %v, want ESLURM_DEPENDENCY", bad, r.Err)
		}
	}
}

// TestDependencyStates walks Slurm's rules: what each type waits for, when
// it can never hold, and how slurmctld shows what is left.
func TestDependencyStates(t *testing.T) {
	type step struct {
		do   func(m *Machine)
		sat  bool
		nev  bool
		show string
	}
	start := func(id JobID, node int) func(m *Machine) {
		return func(m *Machine) {
			if r := m.Apply(Start{Time: 4, Term: 1, Allocs: []Alloc{{ID: id, Nodes: []int{node}}}}); len(r.Launch) != 1 {
				t.Fatalf("job %d did not start: %+v", id, r)
			}
		}
	}
	exit := func(id JobID, node, rc int) func(m *Machine) {
		return func(m *Machine) {
			m.Apply(ProcEnded{Node: node, Job: JobAttempt{ID: id}, Time: 5, ExitCode: rc})
		}
	}
	cancel := func(id JobID) func(m *Machine) {
		return func(m *Machine) { m.Apply(Cancel{ID: id, Time: 5, UID: 0}) }
	}
	for _, tc := range []struct {
		dep   string
		first bool // satisfied right after submit
		show  string
		steps []step
	}{
		{dep: "after:1", show: "after:1(unfulfilled)", steps: []step{{do: start(1, 0), sat: true}}},
		{dep: "after:1", show: "after:1(unfulfilled)", steps: []step{{do: cancel(1), sat: true}}},
		{dep: "afterany:1", show: "afterany:1(unfulfilled)", steps: []step{
			{do: start(1, 0), show: "afterany:1(unfulfilled)"}, {do: exit(1, 0, 3), sat: true}}},
		{dep: "afterok:1", show: "afterok:1(unfulfilled)", steps: []step{
			{do: start(1, 0), show: "afterok:1(unfulfilled)"}, {do: exit(1, 0, 0), sat: true}}},
		{dep: "afterok:1", show: "afterok:1(unfulfilled)", steps: []step{
			{do: cancel(1), nev: true, show: "afterok:1(failed)"}}},
		{dep: "afternotok:1", show: "afternotok:1(unfulfilled)", steps: []step{
			{do: start(1, 0), show: "afternotok:1(unfulfilled)"}, {do: exit(1, 0, 0), nev: true, show: "afternotok:1(failed)"}}},
		{dep: "afternotok:1", show: "afternotok:1(unfulfilled)", steps: []step{
			{do: start(1, 0), show: "afternotok:1(unfulfilled)"}, {do: exit(1, 0, 2), sat: true}}},
		// All-of: a fulfilled condition drops out of the shown list; one
		// failed condition makes the whole never satisfiable.
		{dep: "afterok:1,afterok:2", show: "afterok:1(unfulfilled),afterok:2(unfulfilled)", steps: []step{
			{do: start(1, 0), show: "afterok:1(unfulfilled),afterok:2(unfulfilled)"},
			{do: exit(1, 0, 0), show: "afterok:2(unfulfilled)"},
			{do: cancel(2), nev: true, show: "afterok:2(failed)"}}},
		// Any-of: one fulfilled condition suffices; never only when all failed.
		{dep: "afterok:1?afterok:2", show: "afterok:1(unfulfilled)?afterok:2(unfulfilled)", steps: []step{
			{do: cancel(1), show: "afterok:1(failed)?afterok:2(unfulfilled)"},
			{do: cancel(2), nev: true, show: "afterok:1(failed)?afterok:2(failed)"}}},
		{dep: "afterok:1?afterok:2", show: "afterok:1(unfulfilled)?afterok:2(unfulfilled)", steps: []step{
			{do: cancel(1), show: "afterok:1(failed)?afterok:2(unfulfilled)"},
			{do: start(2, 1), show: "afterok:1(failed)?afterok:2(unfulfilled)"},
			{do: exit(2, 1, 0), sat: true}}},
	} {
		m := dependWorld(t)
		id, e := submitDep(t, m, tc.dep)
		if e != nil {
			t.Fatalf("%s: %v", tc.dep, e)
		}
		j := m.jobs[id]
		check := func(when string, sat, nev bool, show string) {
			gotSat, gotNev := m.DependencyState(j)
			if gotSat != sat || gotNev != nev || m.DependencyString(j) != show {
				t.Errorf("%s %s: satisfied=%v never=%v shown %q, want %v %v %q",
					tc.dep, when, gotSat, gotNev, m.DependencyString(j), sat, nev, show)
			}
		}
		check("at submit", tc.first, false, tc.show)
		if r := m.Apply(Start{Time: 4, Term: 1, Allocs: []Alloc{{ID: id, Nodes: []int{1}}}}); len(r.Launch) != 0 {
			t.Fatalf("%s: started with its dependency unsatisfied", tc.dep)
		}
		for i, s := range tc.steps {
			s.do(m)
			check("after step "+string(rune('1'+i)), s.sat, s.nev, s.show)
		}
	}
}
