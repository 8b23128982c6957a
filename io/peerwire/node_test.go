package peerwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
)

func mungeSealer(t *testing.T, trusted bool) MungeSealer {
	d := mungetest.Start(t)
	return MungeSealer{Munge: &munge.Client{Socket: d.Socket}, Trusted: func(uint32) bool { return trusted }}
}

func roundTrip(t *testing.T, s Sealer, m msg.Message) (msg.Message, error) {
	t.Helper()
	f, err := EncodeNode(context.Background(), s, m)
	if err != nil {
		t.Fatal(err)
	}
	kind, payload, err := ReadFrame(bytes.NewReader(f))
	if err != nil || kind != KindNode {
		t.Fatalf("frame: kind %d, %v", kind, err)
	}
	return DecodeNode(context.Background(), s, payload)
}

func TestNodeMessagesRoundTripThroughMunge(t *testing.T) {
	s := mungeSealer(t, true)
	j := state.JobAttempt{ID: 7, Attempt: 1}
	for _, m := range []msg.Message{
		msg.Heartbeat{Node: "n1", Incarnation: 9, CPUs: 4, MemMB: 100, Running: []state.JobAttempt{j},
			Ended: []msg.ProcReport{{Job: j, ExitCode: 3, Time: 5}}, MaxTerm: 2},
		msg.HeartbeatAck{Term: 2, Leader: "ctl/1", Acked: []state.JobAttempt{j}},
		msg.Launch{Term: 2, Incarnation: 9, Job: j, Nodes: []string{"n1"}, NodeCPUs: []int{2}, CPUs: 2,
			Spec:  state.JobSpec{Name: "x", Script: "#!/bin/sh\ntrue\n", Env: []string{"A=b"}},
			Array: msg.ArrayInfo{JobID: 7, TaskID: 1, Count: 1, Min: 1, Max: 1}},
		msg.Kill{Term: 2, Job: j, Signal: 10},
		msg.LaunchRefused{Node: "n1", Job: j, Term: 1, MaxTerm: 2},
	} {
		got, err := roundTrip(t, s, m)
		if err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		if a, b := strings.TrimSpace(sprint(got)), strings.TrimSpace(sprint(m)); a != b {
			t.Errorf("round trip changed %T:\n got %s\nwant %s", m, a, b)
		}
	}
}

func TestNodeFramesRefused(t *testing.T) {
	ctx := context.Background()
	good := mungeSealer(t, true)
	f, err := EncodeNode(ctx, good, msg.Kill{Term: 1})
	if err != nil {
		t.Fatal(err)
	}
	payload := f[5:]
	// The same frame twice: munged refuses the replayed credential.
	if _, err := DecodeNode(ctx, good, payload); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeNode(ctx, good, payload); err == nil {
		t.Error("replayed frame accepted")
	}
	// A body changed after sealing.
	f, _ = EncodeNode(ctx, good, msg.Kill{Term: 1})
	tampered := bytes.Replace(f[5:], []byte(`"Term":1`), []byte(`"Term":9`), 1)
	if _, err := DecodeNode(ctx, good, tampered); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("tampered frame: %v", err)
	}
	// An untrusted sender.
	untrusted := MungeSealer{Munge: good.Munge, Trusted: func(uint32) bool { return false }}
	f, _ = EncodeNode(ctx, good, msg.Kill{Term: 1})
	if _, err := DecodeNode(ctx, untrusted, f[5:]); err == nil || !strings.Contains(err.Error(), "neither root") {
		t.Errorf("untrusted sender: %v", err)
	}
	// Not a node message at all.
	if _, err := EncodeNode(ctx, good, msg.Raft{}); err == nil {
		t.Error("raft message encoded as a node frame")
	}
	for _, bad := range [][]byte{nil, {0, 0}, binary.BigEndian.AppendUint32(nil, 1<<30), append(binary.BigEndian.AppendUint32(nil, 2), "xx{}"...)} {
		if _, err := DecodeNode(ctx, good, bad); err == nil {
			t.Errorf("malformed payload %q accepted", bad)
		}
	}
}

// fakeSealer trusts everything; for checking the envelope alone.
type fakeSealer struct{}

func (fakeSealer) Seal(context.Context, []byte) ([]byte, error) { return []byte("ok"), nil }
func (fakeSealer) Open(_ context.Context, seal, _ []byte) error {
	if string(seal) != "ok" {
		return errBadSeal
	}
	return nil
}

var errBadSeal = errors.New("bad seal")

func TestNodeEnvelopeRefusesUnknownTypesAndFields(t *testing.T) {
	ctx := context.Background()
	for _, body := range []string{
		`{"type":"Raft","msg":{}}`,
		`{"type":"Kill","msg":{"Term":1,"Evil":true}}`,
		`{"type":"Kill","msg":[1]}`,
		`not json`,
	} {
		payload := append(binary.BigEndian.AppendUint32(nil, 2), "ok"...)
		if _, err := DecodeNode(ctx, fakeSealer{}, append(payload, body...)); err == nil {
			t.Errorf("accepted %s", body)
		}
	}
}

func sprint(m msg.Message) string { return fmt.Sprintf("%#v", m) }
