package agent

import (
	"testing"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

func TestEndNotice(t *testing.T) {
	at := time.Date(2026, 11, 22, 9, 5, 7, 0, time.UTC)
	for _, c := range []struct {
		why  msg.EndReason
		want string
	}{
		{msg.EndCancelled, "slurmstepd: error: *** JOB 12 ON n3 CANCELLED AT 2026-11-22T09:05:07 ***\n"},
		{msg.EndTimeLimit, "slurmstepd: error: *** JOB 12 ON n3 CANCELLED AT 2026-11-22T09:05:07 DUE TO TIME LIMIT ***\n"},
		{msg.EndRequeued, "slurmstepd: error: *** JOB 12 ON n3 CANCELLED AT 2026-11-22T09:05:07 DUE TO JOB REQUEUE ***\n"},
		{msg.EndNodeFail, "slurmstepd: error: *** JOB 12 ON n3 CANCELLED AT 2026-11-22T09:05:07 DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***\n"},
		{msg.EndUntold, ""},
		{msg.EndReason(200), ""},
	} {
		if got := EndNotice(12, "n3", at, c.why); got != c.want {
			t.Errorf("EndNotice(%d) = %q, want %q", c.why, got, c.want)
		}
	}
}

// The ending's first signal carries the notice, in the agent's clock; the
// SIGKILL after KillWait and a user's signal carry none.
func TestKillCarriesNoticeOnce(t *testing.T) {
	a := newTestAgent()
	a.Handle(t0, launch(1, 1, 0, 1))
	job := state.JobAttempt{ID: 1}
	effs := a.Handle(t0, Recv{From: "ctl/1", Msg: msg.Kill{Term: 1, Job: job, Signal: 10, Why: msg.EndCancelled}})
	if len(effs) != 1 || effs[0].(SignalProc).Notice != "" {
		t.Fatalf("a user's signal = %#v, want no notice", effs)
	}
	effs = a.Handle(t0, Recv{From: "ctl/1", Msg: msg.Kill{Term: 1, Job: job, Why: msg.EndTimeLimit}})
	if len(effs) != 1 || effs[0].(SignalProc).Notice != EndNotice(1, "n1", t0, msg.EndTimeLimit) {
		t.Fatalf("ending = %#v, want SIGTERM with the time-limit notice", effs)
	}
	for _, e := range a.Handle(t0.Add(11*time.Second), Tick{}) {
		if s, ok := e.(SignalProc); ok && s.Notice != "" {
			t.Fatalf("SIGKILL carried the notice again: %#v", s)
		}
	}
}
