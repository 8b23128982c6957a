package slurmrpc

import (
	"testing"
	"time"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// A pending job whose partition has too few usable nodes shows
// ReqNodeNotAvail with the unusable nodes, as slurmctld does for a
// cluster whose slurmds never started; once enough nodes registered it
// keeps the scheduler's reason.
func TestReqNodeNotAvail(t *testing.T) {
	m, c := anchorMachine(t)
	submit := func(nodes int, hold bool) *state.Job {
		r := m.Apply(state.Submit{Time: capturedSubmit, Spec: state.JobSpec{UID: 1000, GID: 1000, NumNodes: nodes,
			Hold: hold, Script: "#!/bin/sh\n", Env: []string{"A=b"}}})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return m.Job(r.Job)
	}
	two, held := submit(2, false), submit(1, true)
	record := func(j *state.Job) slurmproto.JobInfo {
		return newJobContext(View{State: m, Conf: c, Now: time.Unix(capturedSubmit, 0)}, 0).jobRecord(j)
	}

	r := record(two)
	if r.StateReason != reasonNodeNotAvail || r.StateDesc.String() != "ReqNodeNotAvail, UnavailableNodes:n[001-016]" {
		t.Errorf("no node registered: reason %d %q", r.StateReason, r.StateDesc.String())
	}
	if r := record(held); r.StateReason != reasonHeldUser || r.StateDesc.String() != "" {
		t.Errorf("held job: reason %d %q", r.StateReason, r.StateDesc.String())
	}

	// One node up is not enough for two; the list names the others.
	reg := func(i int) {
		n := m.Nodes()[i]
		if r := m.Apply(state.Register{Node: i, Time: capturedSubmit, CPUs: n.CPUs, MemMB: n.MemMB, Incarnation: 1}); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	reg(0)
	if r := record(two); r.StateDesc.String() != "ReqNodeNotAvail, UnavailableNodes:n[002-016]" {
		t.Errorf("one node registered: reason %d %q", r.StateReason, r.StateDesc.String())
	}
	reg(1)
	if r := record(two); r.StateReason == reasonNodeNotAvail || r.StateDesc.String() != "" {
		t.Errorf("two nodes registered: reason %d %q", r.StateReason, r.StateDesc.String())
	}
}
