package ctld

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmrpc"
)

const testConf = `ClusterName=test
SlurmctldHost=ctl1(127.0.0.1)
SlurmctldHost=ctl2(127.0.0.2)
SlurmctldHost=ctl3(127.0.0.3)
SlurmctldPort=16817
NodeName=n[1-2] CPUs=4 RealMemory=1000
PartitionName=debug Nodes=ALL Default=YES MaxTime=60
`

func parseTestConf(t *testing.T) *conf.Config {
	t.Helper()
	c, err := conf.ParseBytes("/etc/slurm/slurm.conf", []byte(testConf), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testConfig is controller id's configuration among peers, with fast ticks.
func testConfig(t *testing.T, id uint64, peers []uint64) controller.Config {
	t.Helper()
	cfg, err := controller.ConfigFromConf(id, peers, parseTestConf(t), 64030)
	if err != nil {
		t.Fatal(err)
	}
	cfg.TickInterval = 10 * time.Millisecond
	return cfg
}

func startSingle(t *testing.T, st Storage) *Runtime {
	t.Helper()
	r, err := Start(Options{Controller: testConfig(t, 1, []uint64{1}), Storage: st,
		Conf: parseTestConf(t), ConfPath: "/etc/slurm/slurm.conf", ElectionWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func submitOp(name string) msg.Op {
	return msg.OpSubmit{Spec: state.JobSpec{Name: name, NumNodes: 1, Script: "#!/bin/sh\ntrue\n"}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// durableIndex reports whether storage holds an entry at index (or a
// snapshot covering it).
func durableIndex(st *memStorage, index uint64) bool {
	d, _ := st.Load()
	if d.Snapshot.GetMetadata().GetIndex() >= index {
		return true
	}
	for _, e := range d.Entries {
		if e.GetIndex() == index {
			return true
		}
	}
	return false
}

func TestDoAndRead(t *testing.T) {
	st := &memStorage{}
	r := startSingle(t, st)
	defer r.Stop()

	rep, err := r.Do(ctx(t), 1000, submitOp("first"))
	if err != nil || rep.Err != nil || rep.Job == 0 {
		t.Fatalf("submit: %+v, %v", rep, err)
	}
	if !durableIndex(st, rep.Index) {
		t.Fatalf("answered before entry %d was durable", rep.Index)
	}
	var got *state.Job
	var leader bool
	var path string
	r.Read(func(v slurmrpc.View) {
		got, leader, path = v.State.Job(rep.Job), v.Leader, v.ConfPath
		if got != nil {
			c := *got
			got = &c
		}
	})
	if got == nil || got.Spec.Name != "first" || got.Spec.UID != 1000 || !leader || path != "/etc/slurm/slurm.conf" {
		t.Fatalf("read: job=%+v leader=%v path=%q", got, leader, path)
	}

	// A rejected operation is an answer, not a transport error.
	rep, err = r.Do(ctx(t), 1000, msg.OpCancel{ID: 999999})
	if err != nil || rep.Err == nil {
		t.Fatalf("cancel of unknown job: %+v, %v", rep, err)
	}
	// Another user may not cancel the job.
	rep, err = r.Do(ctx(t), 2000, msg.OpCancel{ID: got.ID})
	if err != nil || rep.Err == nil {
		t.Fatalf("foreign cancel: %+v, %v", rep, err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Do(ctx(t), 1000, submitOp("late")); !errors.Is(err, ErrStopped) {
		t.Fatalf("Do after Stop: %v", err)
	}
	// Read still works on the final state, as a non-leader.
	r.Read(func(v slurmrpc.View) { leader = v.Leader; got = v.State.Job(rep.Job) })
	if leader {
		t.Fatal("stopped runtime reads as leader")
	}
}

func TestPersistCompletesBeforeReply(t *testing.T) {
	st := &memStorage{}
	r := startSingle(t, st)
	defer r.Stop()
	if _, err := r.Do(ctx(t), 1000, submitOp("warmup")); err != nil {
		t.Fatal(err)
	}

	gate := make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	defer release() // before Stop, which waits for the blocked writer
	st.mu.Lock()
	st.gate = gate
	st.mu.Unlock()
	type result struct {
		rep msg.ClientReply
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := r.Do(ctx(t), 1000, submitOp("gated"))
		done <- result{rep, err}
	}()
	select {
	case res := <-done:
		t.Fatalf("answered while storage was blocked: %+v", res)
	case <-time.After(200 * time.Millisecond):
	}
	// The loop keeps running while the writer waits: reads still work.
	r.Read(func(v slurmrpc.View) {})
	st.mu.Lock()
	st.gate = nil
	st.mu.Unlock()
	release()
	res := <-done
	if res.err != nil || res.rep.Job == 0 || !durableIndex(st, res.rep.Index) {
		t.Fatalf("after release: %+v", res)
	}
	var last uint64
	for _, tok := range st.writtenTokens() {
		if tok == 0 {
			continue
		}
		if tok <= last {
			t.Fatalf("writes out of order: %v", st.writtenTokens())
		}
		last = tok
	}
}

func TestStorageFailureStopsRuntime(t *testing.T) {
	st := &memStorage{}
	r := startSingle(t, st)
	defer r.Stop()
	if _, err := r.Do(ctx(t), 1000, submitOp("ok")); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.failAfter = st.writes
	st.mu.Unlock()

	rep, err := r.Do(ctx(t), 1000, submitOp("doomed"))
	if !errors.Is(err, ErrStopped) || !errors.Is(err, errInjected) {
		t.Fatalf("Do with failing storage: %+v, %v", rep, err)
	}
	select {
	case <-r.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("runtime still running after a storage failure")
	}
	if !errors.Is(r.Err(), errInjected) || !errors.Is(r.Stop(), errInjected) {
		t.Fatalf("Err = %v", r.Err())
	}
}

func TestRestartKeepsAcknowledgedJobs(t *testing.T) {
	st := &memStorage{}
	r := startSingle(t, st)
	var acked []state.JobID
	for i := range 5 {
		rep, err := r.Do(ctx(t), 1000, submitOp(fmt.Sprint("job", i)))
		if err != nil || rep.Err != nil {
			t.Fatalf("submit %d: %+v %v", i, rep, err)
		}
		acked = append(acked, rep.Job)
	}
	// Kill: the old runtime is dropped without Stop; only what storage
	// made durable survives, and the old process can write no more.
	disk := st.crash()
	defer r.Stop()

	r2 := startSingle(t, disk)
	defer r2.Stop()
	rep, err := r2.Do(ctx(t), 1000, submitOp("after restart"))
	if err != nil || rep.Err != nil {
		t.Fatalf("submit after restart: %+v %v", rep, err)
	}
	var missing []state.JobID
	r2.Read(func(v slurmrpc.View) {
		for _, id := range acked {
			if v.State.Job(id) == nil {
				missing = append(missing, id)
			}
		}
	})
	if len(missing) > 0 {
		t.Fatalf("acknowledged jobs lost after restart: %v", missing)
	}
	if rep.Job <= acked[len(acked)-1] {
		t.Fatalf("job id %d reused (acked %v)", rep.Job, acked)
	}
}

func TestBadOptions(t *testing.T) {
	cfg := testConfig(t, 1, []uint64{1, 2})
	if _, err := Start(Options{Controller: cfg, Storage: &memStorage{}}); err == nil || !strings.Contains(err.Error(), "no address") {
		t.Fatalf("missing peer address: %v", err)
	}
	if _, err := Start(Options{Controller: cfg, Storage: &memStorage{}, Peers: map[uint64]string{2: "x:1"}}); err == nil {
		t.Fatal("peers without listener accepted")
	}
	if _, err := Start(Options{Controller: cfg, Storage: &memStorage{}, Peers: map[uint64]string{2: "x:1", 7: "y:1"}}); err == nil {
		t.Fatal("unknown peer accepted")
	}
	if _, err := Start(Options{Controller: testConfig(t, 1, []uint64{1})}); err == nil {
		t.Fatal("no storage accepted")
	}
}

// TestRetriesKeepOneJobPerSubmit makes requests expire before they commit,
// so the controller answers Retry and Do resubmits the same Seq: every
// Do must still yield exactly one job.
func TestRetriesKeepOneJobPerSubmit(t *testing.T) {
	st := &memStorage{delay: 15 * time.Millisecond}
	cfg := testConfig(t, 1, []uint64{1})
	cfg.RequestTimeout = 40 * time.Millisecond // a commit takes two 15 ms writes plus queueing
	cfg.MaxPendingRequests = 2
	r, err := Start(Options{Controller: cfg, Storage: st, ElectionWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	const n = 8
	jobs := make(chan state.JobID, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			rep, err := r.Do(ctx(t), 1000, submitOp(fmt.Sprint("retry", i)))
			if err == nil && rep.Err != nil {
				err = rep.Err
			}
			errs <- err
			jobs <- rep.Job
		}()
	}
	seen := map[state.JobID]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		id := <-jobs
		if seen[id] {
			t.Fatalf("two submits answered with job %d", id)
		}
		seen[id] = true
	}
	var total int
	r.Read(func(v slurmrpc.View) { total = v.State.NumJobs() })
	if total != n {
		t.Fatalf("%d jobs for %d submits", total, n)
	}
	if r.retries.Load() == 0 {
		t.Fatal("no request was retried; the test exercised nothing")
	}
}
