package agent

import (
	"testing"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

var t0 = time.Unix(1_767_225_600, 0)

func newTestAgent() *Agent {
	return New(Config{Name: "n1", CPUs: 4, MemMB: 1000, Controllers: []msg.Addr{"ctl/1", "ctl/2"},
		Incarnation: 7, HeartbeatInterval: 5 * time.Second, KillWait: 10 * time.Second})
}

func launch(term uint64, id, attempt uint32, cpus int) Recv {
	return Recv{From: "ctl/1", Msg: msg.Launch{Term: term, Incarnation: 7, Job: state.JobAttempt{ID: state.JobID(id), Attempt: attempt},
		Nodes: []string{"n1"}, CPUs: cpus, MemMB: 100}}
}

func count[T Effect](effs []Effect) (n int) {
	for _, e := range effs {
		if _, ok := e.(T); ok {
			n++
		}
	}
	return n
}

func TestLaunchFencedByTerm(t *testing.T) {
	a := newTestAgent()
	if n := count[StartProc](a.Handle(t0, launch(5, 1, 0, 1))); n != 1 {
		t.Fatalf("launch in term 5 started %d processes", n)
	}
	effs := a.Handle(t0, launch(4, 2, 0, 1))
	if count[StartProc](effs) != 0 || count[Send](effs) != 1 {
		t.Fatalf("a launch from older term 4 must be refused with a LaunchRefused, got %#v", effs)
	}
	if r := effs[0].(Send).Msg.(msg.LaunchRefused); r.MaxTerm != 5 || r.Term != 4 {
		t.Errorf("refusal = %+v", r)
	}
	if a.Stats().StaleTerm != 1 {
		t.Errorf("StaleTerm = %d", a.Stats().StaleTerm)
	}
	// A stale kill is refused too: the term-5 job keeps running.
	if effs := a.Handle(t0, Recv{From: "ctl/2", Msg: msg.Kill{Term: 3, Job: state.JobAttempt{ID: 1}}}); len(effs) != 0 {
		t.Fatalf("stale kill acted: %#v", effs)
	}
	if got := a.Running(); len(got) != 1 {
		t.Fatalf("running = %v", got)
	}
}

func TestLaunchAtMostOncePerIncarnation(t *testing.T) {
	a := newTestAgent()
	a.Handle(t0, launch(1, 1, 0, 1))
	if n := count[StartProc](a.Handle(t0, launch(1, 1, 0, 1))); n != 0 {
		t.Fatal("a duplicated launch started a second copy")
	}
	a.Handle(t0, ProcExit{Job: state.JobAttempt{ID: 1}, ExitCode: 3})
	if n := count[StartProc](a.Handle(t0, launch(2, 1, 0, 1))); n != 0 {
		t.Fatal("a late launch restarted a finished attempt")
	}
	if n := count[StartProc](a.Handle(t0, launch(2, 1, 1, 1))); n != 1 {
		t.Fatal("the next attempt of the job must start")
	}
}

func TestKillBeforeLaunchIsRemembered(t *testing.T) {
	a := newTestAgent()
	job := state.JobAttempt{ID: 9}
	a.Handle(t0, Recv{From: "ctl/1", Msg: msg.Kill{Term: 1, Job: job}})
	if n := count[StartProc](a.Handle(t0, launch(1, 9, 0, 1))); n != 0 {
		t.Fatal("a launch arriving after its kill started the job")
	}
	// The kill is reported as ended until acknowledged, so the controller
	// can release what it holds for the attempt.
	hb := heartbeatOf(t, a.Handle(t0.Add(time.Minute), Tick{}))
	if len(hb.Ended) != 1 || hb.Ended[0].Job != job || hb.Ended[0].Signal != SIGKILL {
		t.Fatalf("ended = %+v", hb.Ended)
	}
	a.Handle(t0, Recv{From: "ctl/1", Msg: msg.HeartbeatAck{Term: 1, Acked: []state.JobAttempt{job}}})
	if hb := heartbeatOf(t, a.Handle(t0.Add(2*time.Minute), Tick{})); len(hb.Ended) != 0 {
		t.Fatalf("acknowledged report still sent: %+v", hb.Ended)
	}
}

func TestTermThenKillAfterKillWait(t *testing.T) {
	a := newTestAgent()
	a.Handle(t0, launch(1, 1, 0, 1))
	effs := a.Handle(t0, Recv{From: "ctl/1", Msg: msg.Kill{Term: 1, Job: state.JobAttempt{ID: 1}}})
	if len(effs) != 1 || effs[0].(SignalProc).Signal != SIGTERM {
		t.Fatalf("kill = %#v, want SIGTERM", effs)
	}
	for _, e := range a.Handle(t0.Add(5*time.Second), Tick{}) {
		if s, ok := e.(SignalProc); ok {
			t.Fatalf("signal %d before KillWait", s.Signal)
		}
	}
	var kill bool
	for _, e := range a.Handle(t0.Add(11*time.Second), Tick{}) {
		if s, ok := e.(SignalProc); ok && s.Signal == SIGKILL {
			kill = true
		}
	}
	if !kill {
		t.Fatal("no SIGKILL after KillWait")
	}
}

func TestOvercommitRefused(t *testing.T) {
	a := newTestAgent()
	a.Handle(t0, launch(1, 1, 0, 3))
	if n := count[StartProc](a.Handle(t0, launch(1, 2, 0, 2))); n != 0 {
		t.Fatal("agent oversubscribed its CPUs")
	}
	if a.Stats().Overcommit != 1 {
		t.Errorf("Overcommit = %d", a.Stats().Overcommit)
	}
}

func TestExitReportedAtOnceToEveryController(t *testing.T) {
	a := newTestAgent()
	a.Handle(t0, launch(1, 1, 0, 1))
	effs := a.Handle(t0.Add(time.Second), ProcExit{Job: state.JobAttempt{ID: 1}, ExitCode: 2, Signal: 0})
	if count[Send](effs) != 2 {
		t.Fatalf("exit must be reported to both controllers at once, got %#v", effs)
	}
	hb := effs[0].(Send).Msg.(msg.Heartbeat)
	if len(hb.Running) != 0 || len(hb.Ended) != 1 || hb.Ended[0].ExitCode != 2 || hb.Incarnation != 7 {
		t.Fatalf("heartbeat = %+v", hb)
	}
}

func heartbeatOf(t *testing.T, effs []Effect) msg.Heartbeat {
	t.Helper()
	for _, e := range effs {
		if s, ok := e.(Send); ok {
			if hb, ok := s.Msg.(msg.Heartbeat); ok {
				return hb
			}
		}
	}
	t.Fatalf("no heartbeat in %#v", effs)
	return msg.Heartbeat{}
}

func TestLaunchForAnotherIncarnationRefused(t *testing.T) {
	a := newTestAgent()
	l := launch(1, 1, 0, 1)
	m := l.Msg.(msg.Launch)
	m.Incarnation = 6 // the state still has the node's previous boot
	l.Msg = m
	if n := count[StartProc](a.Handle(t0, l)); n != 0 {
		t.Fatal("a launch meant for the previous incarnation started")
	}
	if a.Stats().StaleIncarnation != 1 {
		t.Errorf("StaleIncarnation = %d", a.Stats().StaleIncarnation)
	}
}
