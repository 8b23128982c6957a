package ctld

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmrpc"
)

// startGroup starts n controllers talking over loopback TCP.
func startGroup(t *testing.T, n int) ([]*Runtime, []*memStorage) {
	t.Helper()
	ids := make([]uint64, n)
	lns := make([]net.Listener, n)
	addrs := make(map[uint64]string)
	for i := range n {
		ids[i] = uint64(i + 1)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
		addrs[ids[i]] = ln.Addr().String()
	}
	rts := make([]*Runtime, n)
	sts := make([]*memStorage, n)
	for i := range n {
		sts[i] = &memStorage{}
		r, err := Start(Options{Controller: testConfig(t, ids[i], ids), Storage: sts[i],
			Peers: addrs, PeerListener: lns[i], ElectionWait: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		rts[i] = r
		t.Cleanup(func() { r.Stop() })
	}
	return rts, sts
}

// waitLeader returns the index of the ready leader.
func waitLeader(t *testing.T, rts []*Runtime) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, r := range rts {
			leader := false
			r.Read(func(v slurmrpc.View) { leader = v.Leader })
			if leader {
				return i
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no leader elected")
	return -1
}

func TestGroupOverTCPReplicatesSubmit(t *testing.T) {
	rts, sts := startGroup(t, 3)
	lead := waitLeader(t, rts)

	rep, err := rts[lead].Do(ctx(t), 1000, submitOp("replicated"))
	if err != nil || rep.Err != nil || rep.Job == 0 {
		t.Fatalf("submit on leader: %+v, %v", rep, err)
	}
	// A quorum made it durable before the answer.
	durable := 0
	for _, st := range sts {
		if durableIndex(st, rep.Index) {
			durable++
		}
	}
	if durable < 2 {
		t.Fatalf("answered with entry %d durable on %d of 3", rep.Index, durable)
	}

	// A follower refuses, naming the leader.
	follower := (lead + 1) % 3
	frep, err := rts[follower].Do(ctx(t), 1000, submitOp("to follower"))
	if !errors.Is(err, slurmrpc.ErrNotLeader) || frep.Leader != msg.ControllerAddr(uint64(lead+1)) {
		t.Fatalf("submit on follower: %+v, %v", frep, err)
	}

	// Every replica applies the job.
	deadline := time.Now().Add(10 * time.Second)
	for i, r := range rts {
		for {
			var j *state.Job
			r.Read(func(v slurmrpc.View) { j = v.State.Job(rep.Job) })
			if j != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("controller %d never applied job %d", i+1, rep.Job)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// Losing the leader: the other two elect a new one that keeps the job.
	if err := rts[lead].Stop(); err != nil {
		t.Fatal(err)
	}
	rest := append(append([]*Runtime(nil), rts[:lead]...), rts[lead+1:]...)
	lead2 := waitLeader(t, rest)
	var j *state.Job
	rest[lead2].Read(func(v slurmrpc.View) { j = v.State.Job(rep.Job) })
	if j == nil {
		t.Fatal("new leader lost the job")
	}
	rep2, err := rest[lead2].Do(ctx(t), 1000, submitOp("after failover"))
	if err != nil || rep2.Err != nil || rep2.Job <= rep.Job {
		t.Fatalf("submit after failover: %+v, %v", rep2, err)
	}
	if s := rest[lead2].TransportStats(); s.FramesSent == 0 || s.FramesReceived == 0 {
		t.Fatalf("transport stats %+v", s)
	}
}
