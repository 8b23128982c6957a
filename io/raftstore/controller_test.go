package raftstore

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
)

// clusterNode is one controller of TestRealControllers with its store.
type clusterNode struct {
	id     uint64
	cfg    controller.Config
	fs     *vfs.MemFS
	store  *Store
	ctl    *controller.Controller
	downAt int // round it crashed, or -1 while up
}

type envelope struct {
	to  uint64
	ev  controller.Recv
	due int
}

var realSeeds = flag.Int("realseeds", 3, "TestRealControllers: number of seeds to run (a long sweep: 200)")

// TestRealControllers runs three real controllers on real stores, with
// crashes (keeping only synced data) and message loss, so the store sees
// the writes etcd raft actually produces: elections, appends, truncations,
// local snapshots and snapshots sent to a lagging follower. Every write must
// be accepted and every restart must load.
func TestRealControllers(t *testing.T) {
	received := uint64(0)
	for seed := range uint64(*realSeeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { received += runRealControllers(t, seed) })
	}
	if received == 0 {
		t.Fatal("no follower received a snapshot: the run did not test installing one")
	}
}

// runRealControllers runs one seed and returns how many snapshots the
// surviving controllers received.
func runRealControllers(t *testing.T, seed uint64) uint64 {
	c, err := conf.ParseBytes("slurm.conf", []byte("ClusterName=t\nSlurmctldHost=ctl1\nNodeName=n1 CPUs=4\nPartitionName=p Nodes=n1 Default=YES\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	peers := []uint64{1, 2, 3}
	nodes := make([]*clusterNode, len(peers))
	for i, id := range peers {
		cfg, err := controller.ConfigFromConf(id, peers, c, 0)
		if err != nil {
			t.Fatal(err)
		}
		cfg.SnapshotEvery, cfg.SnapshotCatchUp = 20, 5
		n := &clusterNode{id: id, cfg: cfg, fs: vfs.NewCrashableMem(), downAt: -1}
		n.start(t)
		nodes[i] = n
	}
	defer func() {
		for _, n := range nodes {
			if n.downAt < 0 {
				_ = n.store.Close()
			}
		}
	}()

	now := time.Unix(1_700_000_000, 0)
	var net []envelope
	seq := uint64(0)
	crashes, restarts := 0, 0
	const rounds = 1500
	for round := range rounds {
		now = now.Add(100 * time.Millisecond)
		var sent []envelope
		for _, n := range nodes {
			if n.downAt >= 0 {
				if round-n.downAt > 40 {
					n.start(t)
					restarts++
				}
				continue
			}
			sent = n.handle(t, now, controller.Tick{}, sent)
		}
		var later []envelope
		for _, e := range net {
			if e.due > round {
				later = append(later, e)
				continue
			}
			if n := nodes[e.to-1]; n.downAt < 0 && rng.IntN(20) != 0 {
				sent = n.handle(t, now, e.ev, sent)
			}
		}
		for i := range sent {
			sent[i].due = round + rng.IntN(3)
		}
		net = append(later, sent...)
		for _, to := range nodes { // the client finds the leader
			if to.downAt < 0 && to.ctl.LeaderReady() {
				seq++
				req := msg.ClientRequest{Client: "cancel-loop", Seq: seq, Op: msg.OpCancel{ID: 999}}
				net = append(net, envelope{to: to.id, ev: controller.Recv{From: "client/1", Msg: req}, due: round})
			}
		}
		if round%150 == 75 && round < rounds-200 {
			n := nodes[rng.IntN(len(nodes))]
			if n.downAt < 0 {
				n.crash(t, round)
				crashes++
			}
		}
	}

	var maxApplied uint64
	received := uint64(0)
	for _, n := range nodes {
		if n.downAt >= 0 {
			continue
		}
		maxApplied = max(maxApplied, n.ctl.AppliedIndex())
		received += n.ctl.Stats().SnapshotsRestored
	}
	t.Logf("crashes %d, restarts %d, max applied %d, snapshots received %d", crashes, restarts, maxApplied, received)
	if crashes < 3 || maxApplied < 300 {
		t.Fatalf("the run did too little to test the store: %d crashes, applied %d", crashes, maxApplied)
	}
	return received
}

// start opens the node's store and starts its controller from what it holds.
func (n *clusterNode) start(t *testing.T) {
	t.Helper()
	s, err := Open("data", Options{Cluster: "t", NodeID: n.id, FS: n.fs, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatalf("controller %d: Open: %v", n.id, err)
	}
	p, err := s.Load()
	if err != nil {
		t.Fatalf("controller %d: Load: %v", n.id, err)
	}
	ctl, err := controller.New(n.cfg, p)
	if err != nil {
		t.Fatalf("controller %d: New from its store: %v", n.id, err)
	}
	n.store, n.ctl, n.downAt = s, ctl, -1
}

// crash keeps only what was synced, as a power loss would.
func (n *clusterNode) crash(t *testing.T, round int) {
	clone := n.fs.CrashClone(vfs.CrashCloneCfg{})
	if err := n.store.Close(); err != nil {
		t.Fatalf("controller %d: Close: %v", n.id, err)
	}
	n.fs, n.store, n.ctl, n.downAt = clone, nil, nil, round
}

// handle runs ev and what follows from it: Persists are applied (then
// DiskDone delivered), Raft messages to controllers are returned to send.
func (n *clusterNode) handle(t *testing.T, now time.Time, ev controller.Event, sent []envelope) []envelope {
	t.Helper()
	events := []controller.Event{ev}
	for len(events) > 0 {
		ev, events = events[0], events[1:]
		for _, eff := range n.ctl.Handle(now, ev) {
			switch eff := eff.(type) {
			case controller.Persist:
				if err := n.store.Apply(eff); err != nil {
					t.Fatalf("controller %d: Apply of a real controller write: %v", n.id, err)
				}
				if eff.Token != 0 {
					events = append(events, controller.DiskDone{Token: eff.Token})
				}
			case controller.Send:
				for _, to := range []uint64{1, 2, 3} {
					if eff.To == msg.ControllerAddr(to) {
						sent = append(sent, envelope{to: to, ev: controller.Recv{From: msg.ControllerAddr(n.id), Msg: eff.Msg}})
					}
				}
			}
		}
	}
	return sent
}
