package peerwire

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	hello, err := HelloFrame("ctl/3")
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.NewBuffer(hello)
	data, _ := AppendFrame(nil, KindRaft, []byte("raft bytes"))
	buf.Write(data)

	kind, payload, err := ReadFrame(buf)
	if err != nil || kind != KindHello {
		t.Fatalf("hello: %d %v", kind, err)
	}
	from, err := ParseHello(payload)
	if err != nil || from != "ctl/3" {
		t.Fatalf("hello from %q: %v", from, err)
	}
	kind, payload, err = ReadFrame(buf)
	if err != nil || kind != KindRaft || string(payload) != "raft bytes" {
		t.Fatalf("raft frame: %d %q %v", kind, payload, err)
	}
	if _, _, err := ReadFrame(buf); err != io.EOF {
		t.Fatalf("end of stream: %v", err)
	}
}

func TestFrameRejectsBadInput(t *testing.T) {
	huge := binary.BigEndian.AppendUint32(nil, MaxFrameBytes+1)
	if _, _, err := ReadFrame(bytes.NewReader(append(huge, 2))); err == nil {
		t.Error("oversized frame accepted")
	}
	if _, _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 0})); err == nil {
		t.Error("empty frame accepted")
	}
	if _, _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 9, 2, 1})); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated frame: %v", err)
	}
	if _, err := ParseHello([]byte("GET / HTTP/1.1")); err == nil {
		t.Error("foreign hello accepted")
	}
	if _, err := HelloFrame(""); err == nil {
		t.Error("empty sender accepted")
	}
}
