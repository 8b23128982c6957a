package slurmrpc

import (
	"slices"
	"strconv"
	"testing"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// TestJobArray submits --array=1,3,5-7 and checks the task records, the
// single-job query of the array id, and scancel of one task and of all.
func TestJobArray(t *testing.T) {
	h := startServer(t, nil)
	d := sbatchDesc(t)
	d.ArrayInx = slurmproto.S("1,3,5-7")
	typ, body := h.submit(0, d)
	resp, ok := body.(*slurmproto.SubmitBatchJobResponse)
	if !ok {
		t.Fatalf("submit: %v %+v", typ, body)
	}
	first := state.JobID(resp.JobID)
	typ, body = h.callBody(0, slurmproto.RequestJobInfoSingle, &slurmproto.JobIDRequest{JobID: uint32(first)})
	info, ok := body.(*slurmproto.JobInfoResponse)
	if !ok {
		t.Fatalf("job info: %v %+v", typ, body)
	}
	var tasks []uint32
	for i, j := range info.Jobs {
		tasks = append(tasks, j.ArrayTaskID)
		if j.ArrayJobID != uint32(first) || j.JobID != uint32(first)+uint32(i) {
			t.Errorf("record %d: job %d array %d", i, j.JobID, j.ArrayJobID)
		}
	}
	if !slices.Equal(tasks, []uint32{1, 3, 5, 6, 7}) {
		t.Fatalf("tasks %v", tasks)
	}
	kill := func(id string) uint32 {
		t.Helper()
		return h.rc(h.callBody(0, slurmproto.RequestKillJob, &slurmproto.KillJobRequest{
			StepID: slurmproto.StepID{JobID: slurmproto.NoVal, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal},
			SJobID: slurmproto.S(id), Signal: sigKill}))
	}
	arr := func(task string) string { return itoa(first) + "_" + task }
	if rc := kill(arr("4")); rc != slurmproto.RCInvalidJobID {
		t.Errorf("kill of a task not in the array: rc %d", rc)
	}
	if rc := kill(arr("3")); rc != 0 || h.be.job(first+1).State != state.JobCancelled || h.be.job(first).State != state.JobPending {
		t.Fatalf("kill of task 3: rc %d", rc)
	}
	if rc := kill(arr("[1-2]")); rc != rcNotSupported {
		t.Errorf("kill of a task list: rc %d", rc)
	}
	if rc := kill(itoa(first)); rc != 0 {
		t.Fatalf("kill of the array: rc %d", rc)
	}
	for id := first; id < first+5; id++ {
		if st := h.be.job(id).State; st != state.JobCancelled {
			t.Errorf("job %d is %v after scancel of the array", id, st)
		}
	}
}

func itoa(id state.JobID) string { return strconv.FormatUint(uint64(id), 10) }
