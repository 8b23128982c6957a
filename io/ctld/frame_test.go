package ctld

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/flurm/flurm/core/msg"
)

func TestFrameRoundTrip(t *testing.T) {
	hello, err := helloFrame("ctl/3")
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.NewBuffer(hello)
	data, _ := appendFrame(nil, frameRaft, []byte("raft bytes"))
	buf.Write(data)

	kind, payload, err := readFrame(buf)
	if err != nil || kind != frameHello {
		t.Fatalf("hello: %d %v", kind, err)
	}
	from, err := parseHello(payload)
	if err != nil || from != "ctl/3" {
		t.Fatalf("hello from %q: %v", from, err)
	}
	kind, payload, err = readFrame(buf)
	if err != nil || kind != frameRaft || string(payload) != "raft bytes" {
		t.Fatalf("raft frame: %d %q %v", kind, payload, err)
	}
	if _, _, err := readFrame(buf); err != io.EOF {
		t.Fatalf("end of stream: %v", err)
	}
}

func TestFrameRejectsBadInput(t *testing.T) {
	huge := binary.BigEndian.AppendUint32(nil, MaxFrameBytes+1)
	if _, _, err := readFrame(bytes.NewReader(append(huge, 2))); err == nil {
		t.Error("oversized frame accepted")
	}
	if _, _, err := readFrame(bytes.NewReader([]byte{0, 0, 0, 0})); err == nil {
		t.Error("empty frame accepted")
	}
	if _, _, err := readFrame(bytes.NewReader([]byte{0, 0, 0, 9, 2, 1})); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated frame: %v", err)
	}
	if _, err := parseHello([]byte("GET / HTTP/1.1")); err == nil {
		t.Error("foreign hello accepted")
	}
	if _, err := helloFrame(""); err == nil {
		t.Error("empty sender accepted")
	}
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
	tr := newTransport(1, map[uint64]string{1: "", 2: "127.0.0.1:1"}, nil,
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
