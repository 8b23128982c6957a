package slurmrpc

import (
	"fmt"
	"testing"
	"time"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// A job record carries the dependency as slurmctld shows it and the
// reason WAIT_DEPENDENCY, then WAIT_DEP_INVALID once it can never hold;
// the string and the reason come from the state, so a follower answers
// the same as the leader.
func TestJobRecordDependency(t *testing.T) {
	m, c := anchorMachine(t)
	submit := func(dep string) *state.Job {
		spec := state.JobSpec{UID: 1000, GID: 1000, Script: "#!/bin/sh\n", Env: []string{"A=b"}}
		if e := dependencySpec(&spec, dep); e != nil {
			t.Fatalf("%q: %+v", dep, e)
		}
		r := m.Apply(state.Submit{Time: capturedSubmit, Spec: spec})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return m.Job(r.Job)
	}
	first := submit("")
	second := submit("afterok:" + fmt.Sprint(first.ID) + ":999")
	record := func(j *state.Job) slurmproto.JobInfo {
		return newJobContext(View{State: m, Conf: c, Now: time.Unix(capturedSubmit, 0)}, 0).jobRecord(j)
	}
	want := "afterok:" + fmt.Sprint(first.ID) + "(unfulfilled)"
	if r := record(second); r.StateReason != reasonDependency || r.Dependency.String() != want {
		t.Errorf("waiting: reason %d dependency %q, want %d %q", r.StateReason, r.Dependency.String(), reasonDependency, want)
	}
	if r := record(first); !r.Dependency.IsNull() {
		t.Errorf("job without dependency shows %q", r.Dependency.String())
	}
	if r := m.Apply(state.Cancel{ID: first.ID, Time: capturedSubmit + 1, UID: 1000}); r.Err != nil {
		t.Fatal(r.Err)
	}
	want = "afterok:" + fmt.Sprint(first.ID) + "(failed)"
	if r := record(second); r.StateReason != reasonDepInvalid || r.Dependency.String() != want {
		t.Errorf("never: reason %d dependency %q, want %d %q", r.StateReason, r.Dependency.String(), reasonDepInvalid, want)
	}
}
