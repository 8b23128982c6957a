package ctld

import (
	"testing"

	"github.com/flurm/flurm/core/msg"
)

func TestControllerID(t *testing.T) {
	for _, a := range []msg.Addr{"ctl/0", "ctl/007", "ctl/x", "node/n1", "ctl/"} {
		if _, ok := controllerID(a); ok {
			t.Errorf("controllerID(%q) accepted", a)
		}
	}
	if id, ok := controllerID("ctl/12"); !ok || id != 12 {
		t.Errorf("controllerID(ctl/12) = %d %v", id, ok)
	}
}

func TestSendDropsWhenQueueFull(t *testing.T) {
	tr := newTransport(1, map[uint64]string{1: "", 2: "127.0.0.1:1"}, nil, nil,
		func(msg.Addr, msg.Message) bool { return true }, nil)
	// Not started: nothing drains the queue.
	for range peerQueueFrames {
		if !tr.send("ctl/2", msg.Raft{Data: []byte{1}}) {
			t.Fatal("send dropped before the queue was full")
		}
	}
	if tr.send("ctl/2", msg.Raft{Data: []byte{1}}) {
		t.Fatal("send past a full queue was not dropped")
	}
	if tr.send("ctl/9", msg.Raft{}) || tr.send("node/n1", msg.Raft{}) || tr.send("ctl/2", msg.Kill{}) {
		t.Fatal("unroutable message queued")
	}
	if s := tr.stats(); s.Dropped != 4 {
		t.Fatalf("dropped = %d, want 4", s.Dropped)
	}
}
