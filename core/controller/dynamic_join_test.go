package controller

import (
	"testing"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// soloController is a one-replica controller driven by hand: every Persist
// is reported durable at once.
type soloController struct {
	t   *testing.T
	c   *Controller
	now time.Time
}

func newSolo(t *testing.T, maxNodes int) *soloController {
	t.Helper()
	cl := state.Cluster{
		Options:    state.Options{MaxJobCount: 100, ReturnToService: 1, MaxNodeCount: maxNodes},
		Nodes:      []state.NodeConfig{{Name: "n1", CPUs: 4, MemMB: 1000}},
		Partitions: []state.Partition{{Name: "p", Nodes: []int{0}, Default: true, State: state.PartitionUp, AllNodes: true}},
	}
	c, err := New(DefaultConfig(1, []uint64{1}, cl), Persisted{})
	if err != nil {
		t.Fatal(err)
	}
	s := &soloController{t: t, c: c, now: time.Unix(1_000_000, 0)}
	for range 100 {
		if c.LeaderReady() {
			return s
		}
		s.handle(Tick{})
		s.now = s.now.Add(100 * time.Millisecond)
	}
	t.Fatal("the single controller never became a ready leader")
	return nil
}

// handle delivers ev and completes the disk writes it asks for, returning
// the messages sent.
func (s *soloController) handle(ev Event) (sent []Send) {
	queue := []Event{ev}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		for _, eff := range s.c.Handle(s.now, e) {
			switch eff := eff.(type) {
			case Persist:
				if eff.Token != 0 {
					queue = append(queue, DiskDone{Token: eff.Token})
				}
			case Send:
				sent = append(sent, eff)
			}
		}
	}
	return sent
}

func (s *soloController) heartbeat(name string, inc uint64, d *msg.DynamicNode) []Send {
	s.now = s.now.Add(time.Second)
	return s.handle(Recv{From: msg.NodeAddr(name), Msg: msg.Heartbeat{Node: name, Incarnation: inc, CPUs: 4, MemMB: 1000, Dynamic: d}})
}

func TestDynamicJoinCreatesAndRegisters(t *testing.T) {
	s := newSolo(t, 4)
	d := &msg.DynamicNode{CPUs: 4, MemMB: 1000, Addr: "10.0.0.2", Hostname: "h2", Port: 6818}
	s.heartbeat("d1", 5, d)
	m := s.c.State()
	i, ok := m.NodeIndex("d1")
	if !ok || !m.Nodes()[i].Dynamic || m.Nodes()[i].Addr != "10.0.0.2" {
		t.Fatalf("d1 not created: %v %+v", ok, m.Nodes())
	}
	s.heartbeat("d1", 5, d)
	if n := m.Nodes()[i]; !n.Registered || n.Incarnation != 5 || !n.Available() {
		t.Fatalf("d1 not registered: %+v", n)
	}
	if got := m.Partitions()[0].Nodes; len(got) != 2 {
		t.Errorf("Nodes=ALL partition %v", got)
	}

	// Deleted: the same daemon's heartbeats do not bring it back; a
	// restarted daemon's do.
	sent := s.handle(Recv{From: "client/1", Msg: msg.ClientRequest{Client: "c", Seq: 1, UID: 0,
		Op: msg.OpNodeAdmin{Node: "d1", Op: state.NodeDelete}}})
	if len(sent) != 1 || sent[0].Msg.(msg.ClientReply).Err != nil {
		t.Fatalf("scontrol delete: %+v", sent)
	}
	s.heartbeat("d1", 5, d)
	if !m.Nodes()[i].Deleted {
		t.Fatal("a heartbeat of the daemon running at deletion re-created the node")
	}
	s.heartbeat("d1", 6, d)
	s.heartbeat("d1", 6, d)
	if n := m.Nodes()[i]; n.Deleted || !n.Registered || n.Incarnation != 6 {
		t.Fatalf("restarted daemon: %+v", n)
	}
}

func TestDynamicJoinRefused(t *testing.T) {
	d := &msg.DynamicNode{CPUs: 4, MemMB: 1000, Addr: "10.0.0.2", Hostname: "h2", Port: 6818}
	s := newSolo(t, 0) // no MaxNodeCount
	if sent := s.heartbeat("d1", 5, d); len(sent) != 0 {
		t.Errorf("answered a refused dynamic node: %+v", sent)
	}
	if _, ok := s.c.State().NodeIndex("d1"); ok {
		t.Error("created a node without MaxNodeCount")
	}
	s = newSolo(t, 4)
	s.heartbeat("zz", 5, nil) // an unknown static node
	s.handle(Recv{From: msg.NodeAddr("other"), Msg: msg.Heartbeat{Node: "d2", Incarnation: 1, Dynamic: d}})
	if n := len(s.c.State().Nodes()); n != 1 {
		t.Errorf("%d nodes after heartbeats of an unknown static node and a forged sender", n)
	}
}
