package nodeagent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flurm/flurm/core/agent"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/peerwire"
)

// plainSealer trusts every frame: these tests are about the runtime, the
// seal is tested in io/peerwire.
type plainSealer struct{}

func (plainSealer) Seal(context.Context, []byte) ([]byte, error) { return []byte("ok"), nil }
func (plainSealer) Open(_ context.Context, seal, _ []byte) error {
	if string(seal) != "ok" {
		return errors.New("bad seal")
	}
	return nil
}

type fakeExec struct {
	mu        sync.Mutex
	started   []state.JobAttempt
	signals   []syscall.Signal
	forgotten []state.JobAttempt
	running   []state.JobAttempt
	exits     chan agent.ProcExit
	// calls lists Notify and Signal in order ("notify <line>", "signal N").
	calls []string
}

func (f *fakeExec) Start(l msg.Launch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, l.Job)
	return nil
}
func (f *fakeExec) Signal(_ state.JobAttempt, sig syscall.Signal) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signals = append(f.signals, sig)
	f.calls = append(f.calls, fmt.Sprintf("signal %d", sig))
	return nil
}
func (f *fakeExec) Notify(_ state.JobAttempt, line string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "notify "+line)
	return nil
}
func (f *fakeExec) Recover() ([]state.JobAttempt, error) { return f.running, nil }
func (f *fakeExec) Exits() <-chan agent.ProcExit         { return f.exits }
func (f *fakeExec) Forget(j state.JobAttempt) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forgotten = append(f.forgotten, j)
	return nil
}

type fakeSteps struct {
	mu    sync.Mutex
	ended []uint32
}

func (s *fakeSteps) SignalJob(uint32, syscall.Signal) {}
func (s *fakeSteps) EndJob(id uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = append(s.ended, id)
}

// fakeController accepts one node connection and exchanges node frames.
type fakeController struct {
	t    *testing.T
	ln   net.Listener
	conn net.Conn
	r    *bufio.Reader
}

func newFakeController(t *testing.T) *fakeController {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &fakeController{t: t, ln: ln}
}

func (c *fakeController) accept() {
	c.t.Helper()
	conn, err := c.ln.Accept()
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { conn.Close() })
	c.conn, c.r = conn, bufio.NewReader(conn)
	kind, payload, err := peerwire.ReadFrame(c.r)
	if err != nil || kind != peerwire.KindHello {
		c.t.Fatalf("hello: %d %v", kind, err)
	}
	if from, _ := peerwire.ParseHello(payload); from != "node/n1" {
		c.t.Fatalf("hello from %q", from)
	}
}

// heartbeat reads frames until a heartbeat satisfying ok arrives.
func (c *fakeController) heartbeat(ok func(msg.Heartbeat) bool) msg.Heartbeat {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, payload, err := peerwire.ReadFrame(c.r)
		if err != nil {
			c.t.Fatalf("reading from the node: %v", err)
		}
		m, err := peerwire.DecodeNode(context.Background(), plainSealer{}, payload)
		if err != nil {
			c.t.Fatal(err)
		}
		if hb, isHB := m.(msg.Heartbeat); isHB && ok(hb) {
			return hb
		}
	}
}

func (c *fakeController) send(m msg.Message) {
	c.t.Helper()
	f, err := peerwire.EncodeNode(context.Background(), plainSealer{}, m)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.conn.Write(f); err != nil {
		c.t.Fatal(err)
	}
}

func startRuntime(t *testing.T, ctl *fakeController, spool string, ex *fakeExec, steps *fakeSteps) *Runtime {
	t.Helper()
	rt, err := Start(Options{
		Agent:       agent.Config{Name: "n1", CPUs: 4, MemMB: 1000, Incarnation: 7, HeartbeatInterval: time.Hour, KillWait: time.Second},
		Controllers: map[uint64]string{1: ctl.ln.Addr().String()}, Sealer: plainSealer{}, Exec: ex, Steps: steps,
		SpoolDir: spool, LostExitWait: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func launchMsg(id state.JobID, script string) msg.Launch {
	return msg.Launch{Term: 1, Incarnation: 7, Job: state.JobAttempt{ID: id}, Nodes: []string{"n1"}, CPUs: 1,
		Spec: state.JobSpec{UID: 1000, Script: script}}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRuntimeRunsReportsAndForgets(t *testing.T) {
	ctl := newFakeController(t)
	spool := t.TempDir()
	ex := &fakeExec{exits: make(chan agent.ProcExit, 4)}
	steps := &fakeSteps{}
	rt := startRuntime(t, ctl, spool, ex, steps)
	defer rt.Stop()
	ctl.accept()
	ctl.heartbeat(func(msg.Heartbeat) bool { return true }) // the link came up: a heartbeat at once

	ctl.send(launchMsg(5, "#!/bin/sh\n"))
	waitFor(t, "the batch job to start", func() bool {
		ex.mu.Lock()
		defer ex.mu.Unlock()
		return len(ex.started) == 1
	})
	if uid, ok := rt.JobOnNode(5); !ok || uid != 1000 {
		t.Fatalf("JobOnNode(5) = %d %v", uid, ok)
	}
	record := filepath.Join(spool, "launches", "job5.0.json")
	if _, err := os.Stat(record); err != nil {
		t.Fatalf("no launch record: %v", err)
	}
	ex.exits <- agent.ProcExit{Job: state.JobAttempt{ID: 5}, ExitCode: 3}
	hb := ctl.heartbeat(func(hb msg.Heartbeat) bool { return len(hb.Ended) == 1 })
	if hb.Ended[0].ExitCode != 3 {
		t.Fatalf("ended report %+v", hb.Ended)
	}
	if _, ok := rt.JobOnNode(5); ok {
		t.Fatal("an ended job is still on the node")
	}
	if _, err := os.Stat(record); err != nil {
		t.Fatal("the record was dropped before the controller acknowledged the exit")
	}
	ctl.send(msg.HeartbeatAck{Term: 1, Acked: []state.JobAttempt{{ID: 5}}})
	waitFor(t, "the record to go", func() bool { _, err := os.Stat(record); return err != nil })
	steps.mu.Lock()
	defer steps.mu.Unlock()
	if !slices.Equal(steps.ended, []uint32{5}) {
		t.Errorf("steps ended %v, want the job's steps ended with it", steps.ended)
	}
}

func TestRuntimeAllocationEndsOnTerminate(t *testing.T) {
	ctl := newFakeController(t)
	ex := &fakeExec{exits: make(chan agent.ProcExit)}
	rt := startRuntime(t, ctl, t.TempDir(), ex, &fakeSteps{})
	defer rt.Stop()
	ctl.accept()
	ctl.send(launchMsg(9, "")) // salloc: nothing to run
	second := launchMsg(10, "#!/bin/sh\n")
	second.Nodes = []string{"n0", "n1"} // the script runs on n0 only
	ctl.send(second)
	waitFor(t, "the allocations", func() bool {
		_, ok9 := rt.JobOnNode(9)
		_, ok10 := rt.JobOnNode(10)
		return ok9 && ok10
	})
	ctl.send(msg.Kill{Term: 1, Job: state.JobAttempt{ID: 9}, Why: msg.EndCancelled})
	ctl.send(msg.Kill{Term: 1, Job: state.JobAttempt{ID: 10}, Why: msg.EndTimeLimit})
	hb := ctl.heartbeat(func(hb msg.Heartbeat) bool { return len(hb.Ended) == 2 })
	for _, e := range hb.Ended {
		if e.Signal != int(syscall.SIGTERM) {
			t.Errorf("allocation ended with %+v", e)
		}
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if len(ex.started) != 0 || len(ex.calls) != 0 {
		t.Errorf("an allocation reached the executor: %v %v", ex.started, ex.calls)
	}
}

// A batch script the controller ends gets the reason as a notice, before
// the signal that ends it; a user's signal gets none.
func TestRuntimeEndNoticeBeforeSignal(t *testing.T) {
	ctl := newFakeController(t)
	ex := &fakeExec{exits: make(chan agent.ProcExit)}
	rt := startRuntime(t, ctl, t.TempDir(), ex, &fakeSteps{})
	defer rt.Stop()
	ctl.accept()
	ctl.send(launchMsg(7, "#!/bin/sh\n"))
	waitFor(t, "the batch job to start", func() bool { _, ok := rt.JobOnNode(7); return ok })
	ctl.send(msg.Kill{Term: 1, Job: state.JobAttempt{ID: 7}, Signal: int(syscall.SIGUSR1), Why: msg.EndCancelled})
	ctl.send(msg.Kill{Term: 1, Job: state.JobAttempt{ID: 7}, Why: msg.EndTimeLimit})
	var calls []string
	waitFor(t, "the notice and the signals", func() bool {
		ex.mu.Lock()
		defer ex.mu.Unlock()
		calls = slices.Clone(ex.calls)
		return len(calls) == 3
	})
	if calls[0] != fmt.Sprintf("signal %d", syscall.SIGUSR1) || !strings.HasPrefix(calls[1], "notify slurmstepd: error: *** JOB 7 ON n1 CANCELLED AT ") ||
		!strings.HasSuffix(calls[1], " DUE TO TIME LIMIT ***\n") || calls[2] != fmt.Sprintf("signal %d", syscall.SIGTERM) {
		t.Fatalf("executor calls %q", calls)
	}
}

func TestRuntimeAdoptsAfterRestart(t *testing.T) {
	spool := t.TempDir()
	recs, err := openRecords(spool)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []msg.Launch{launchMsg(1, "#!/bin/sh\n"), launchMsg(2, "#!/bin/sh\n"), launchMsg(3, "")} {
		if err := recs.save(l); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(spool, "launches", "job4.0.json"), []byte("{corrupt"), 0o600)
	ctl := newFakeController(t)
	// Job 1 still runs; job 2 finished while flurmnd was down and its
	// exit never comes (lost); job 3 is an allocation, which survives.
	ex := &fakeExec{exits: make(chan agent.ProcExit), running: []state.JobAttempt{{ID: 1}}}
	rt := startRuntime(t, ctl, spool, ex, &fakeSteps{})
	defer rt.Stop()
	ctl.accept()
	hb := ctl.heartbeat(func(hb msg.Heartbeat) bool { return len(hb.Ended) == 1 })
	if !slices.Contains(hb.Running, state.JobAttempt{ID: 1}) || !slices.Contains(hb.Running, state.JobAttempt{ID: 3}) {
		t.Errorf("running job or allocation not adopted: %+v", hb)
	}
	if e := hb.Ended[0]; e.Job.ID != 2 || e.Signal != agent.SIGKILL {
		t.Errorf("unexpected ended report %+v", e)
	}
	if _, ok := rt.JobOnNode(3); !ok {
		t.Error("the adopted allocation is not on the node")
	}
	// The controller ends the allocation as before the restart.
	ctl.send(msg.Kill{Term: 1, Job: state.JobAttempt{ID: 3}})
	hb = ctl.heartbeat(func(hb msg.Heartbeat) bool {
		return slices.ContainsFunc(hb.Ended, func(e msg.ProcReport) bool { return e.Job.ID == 3 })
	})
}
