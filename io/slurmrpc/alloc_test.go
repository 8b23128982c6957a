package slurmrpc

import (
	"testing"
	"time"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// capturedAllocDesc is srun's captured allocation request without its
// node list (-w, which FLURM does not support).
func capturedAllocDesc(t *testing.T) *slurmproto.JobDesc {
	t.Helper()
	b, err := slurmproto.DecodeBody(slurmproto.RequestResourceAllocation, captured(t, "srun.0.4001"))
	if err != nil {
		t.Fatal(err)
	}
	d := b.(*slurmproto.JobDesc)
	d.ReqNodes = slurmproto.Str{}
	return d
}

// startAllocation runs an allocation of uid 0 through the server and
// returns its job id.
func startAllocation(t *testing.T, h *harness, d *slurmproto.JobDesc) uint32 {
	t.Helper()
	typ, body := h.callBody(0, slurmproto.RequestResourceAllocation, d)
	a, ok := body.(*slurmproto.AllocationResponse)
	if typ != slurmproto.ResponseResourceAllocation || !ok || a.NodeCnt == 0 {
		t.Fatalf("allocation %v %+v", typ, body)
	}
	return a.JobID
}

// TestQueuedAllocationIsGrantedLater: a job that cannot start at once is
// answered node_cnt 0; when it starts the client's alloc_resp_port gets
// the allocation.
func TestQueuedAllocationIsGrantedLater(t *testing.T) {
	h := startServer(t, func(s *Server) { s.AllocationWait = 50 * time.Millisecond })
	srun := startPeer(t, h)
	d := capturedAllocDesc(t)
	d.AllocRespPort, d.OtherPort = srun.port(), srun.port()
	typ, body := h.callBody(0, slurmproto.RequestResourceAllocation, d)
	a := body.(*slurmproto.AllocationResponse)
	if typ != slurmproto.ResponseResourceAllocation || a.NodeCnt != 0 || a.JobID != 14 || a.NodeAddrs != nil {
		t.Fatalf("queued allocation %v %+v", typ, body)
	}
	// Allocation info while pending: ESLURM_JOB_PENDING.
	raw := mustEncode(t, slurmproto.RequestJobAllocationInfo, &slurmproto.JobAllocInfoRequest{JobID: 14})
	if rc := h.rc(h.call(0, 0, slurmproto.RequestJobAllocationInfo, raw)); rc != slurmproto.RCJobPending {
		t.Errorf("allocation info while pending: rc %d", rc)
	}
	h.be.apply(t, state.Start{Time: capturedSubmit + 1, Term: 1, Allocs: []state.Alloc{{ID: 14, Nodes: []int{4}}}})
	m := srun.next(t)
	granted, ok := m.body.(*slurmproto.AllocationResponse)
	if m.typ != slurmproto.ResponseResourceAllocation || !ok || granted.JobID != 14 || granted.NodeList.String() != "n005" {
		t.Fatalf("pushed %v %+v", m.typ, m.body)
	}

	// Allocation info (srun -N1 --jobid) and the het form (srun inside it).
	typ, body = h.call(0, 0, slurmproto.RequestJobAllocationInfo, raw)
	if info, ok := body.(*slurmproto.AllocationResponse); typ != slurmproto.ResponseJobAllocationInfo || !ok || info.NodeList.String() != "n005" {
		t.Errorf("allocation info %v %+v", typ, body)
	}
	raw = mustEncode(t, slurmproto.RequestHetJobAllocInfo, &slurmproto.JobAllocInfoRequest{JobID: 14})
	typ, body = h.call(0, 0, slurmproto.RequestHetJobAllocInfo, raw)
	if het, ok := body.(*slurmproto.HetJobAllocationResponse); typ != slurmproto.ResponseHetJobAllocation || !ok ||
		len(het.Components) != 1 || het.Components[0].BatchHost.String() != "n005" {
		t.Errorf("het allocation info %v %+v", typ, body)
	}
	if rc := h.rc(h.call(1000, 1000, slurmproto.RequestHetJobAllocInfo, raw)); rc != slurmproto.RCAccessDenied {
		t.Errorf("another user's allocation: rc %d", rc)
	}
	raw = mustEncode(t, slurmproto.RequestHetJobAllocInfo, &slurmproto.JobAllocInfoRequest{JobID: 77})
	if rc := h.rc(h.call(0, 0, slurmproto.RequestHetJobAllocInfo, raw)); rc != slurmproto.RCInvalidJobID {
		t.Errorf("unknown job: rc %d", rc)
	}

	// scancel of the allocation tells srun (SRUN_JOB_COMPLETE to other_port).
	kill := mustEncode(t, slurmproto.RequestKillJob, &slurmproto.KillJobRequest{
		StepID: slurmproto.StepID{JobID: slurmproto.NoVal, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal},
		SJobID: slurmproto.S("14"), Signal: 9})
	if rc := h.rc(h.call(0, 0, slurmproto.RequestKillJob, kill)); rc != 0 {
		t.Fatalf("scancel: rc %d", rc)
	}
	if m := srun.next(t); m.typ != slurmproto.SrunJobComplete || m.body.(*slurmproto.StepIDMsg).StepID.JobID != 14 {
		t.Errorf("srun got %v %+v", m.typ, m.body)
	}
}

func TestCompleteAllocationCodes(t *testing.T) {
	h := startServer(t, nil)
	h.be.setAutoStart(true)
	job := startAllocation(t, h, capturedAllocDesc(t))
	complete := func(uid, rc uint32) uint32 {
		t.Helper()
		return h.rc(h.callBody2(uid, slurmproto.RequestCompleteJobAllocation, &slurmproto.CompleteJobAllocationRequest{JobID: job, JobRC: rc}))
	}
	if rc := complete(1000, 0); rc != slurmproto.RCUserIDMissing {
		t.Errorf("another user: rc %d", rc)
	}
	if rc := complete(0, 2<<8); rc != 0 {
		t.Fatalf("rc %d", rc)
	}
	if j := h.be.job(state.JobID(job)); j.State != state.JobFailed || j.ExitCode != 2 {
		t.Errorf("job %v exit %d, want FAILED 2", j.State, j.ExitCode)
	}
	if rc := complete(0, 0); rc != slurmproto.RCAlreadyDone {
		t.Errorf("twice: rc %d", rc)
	}
	job = startAllocation(t, h, capturedAllocDesc(t))
	if rc := complete(0, slurmproto.NoVal); rc != 0 {
		t.Fatalf("rc %d", rc)
	}
	if j := h.be.job(state.JobID(job)); j.State != state.JobCancelled {
		t.Errorf("job %v, want CANCELLED for NO_VAL", j.State)
	}
}

func TestHeldAllocationIsQueued(t *testing.T) {
	h := startServer(t, func(s *Server) { s.AllocationWait = 20 * time.Millisecond })
	d := capturedAllocDesc(t)
	d.Priority = 0 // salloc -H
	typ, body := h.callBody(0, slurmproto.RequestResourceAllocation, d)
	a, ok := body.(*slurmproto.AllocationResponse)
	if typ != slurmproto.ResponseResourceAllocation || !ok || a.NodeCnt != 0 || a.ErrorCode != slurmproto.RCJobHeld ||
		a.Partition.String() != "debug" {
		t.Fatalf("held allocation %v %+v", typ, body)
	}
	raw := mustEncode(t, slurmproto.RequestJobReady, &slurmproto.JobIDRequest{JobID: a.JobID})
	if _, body := h.call(0, 0, slurmproto.RequestJobReady, raw); body.(*slurmproto.ReturnCode).ReturnCode != slurmproto.ReadyPrologState {
		t.Errorf("job ready while held: %+v", body)
	}
	// A job description the allocation path refuses, as submit does.
	d = capturedAllocDesc(t)
	d.UserID = 1000
	if rc := h.rc(h.callBody(0, slurmproto.RequestResourceAllocation, d)); rc != slurmproto.RCUserIDMissing {
		t.Errorf("allocation for another uid: rc %d", rc)
	}
}
