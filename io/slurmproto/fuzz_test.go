package slurmproto

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite testdata/fuzz/FuzzDecode from the captures")

// FuzzDecode feeds arbitrary bytes to the decoders. Input is read twice:
// as a frame (bytes after the length prefix) and as a 2-byte message type
// followed by a body. Decoding must never panic; whatever decodes must
// re-encode, and the re-encoding must decode to the same value.
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 2m ./io/slurmproto
func FuzzDecode(f *testing.F) {
	rpcs, ioStreams := loadCaptureStreams(f)
	for _, c := range ioStreams {
		f.Add(c.ioStream[4:])
	}
	for _, c := range rpcs {
		f.Add(c.frame)
		if env, err := DecodeEnvelope(c.frame); err == nil {
			f.Add(append(binary.BigEndian.AppendUint16(nil, uint16(env.Header.MsgType)), env.Body...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := DecodeMessage(data); err == nil {
			checkReencode(t, m.Header.MsgType, m.Body)
		} else if !isSentinel(err) {
			t.Fatalf("error without sentinel: %v", err)
		}
		if m, err := DecodeIOInit(data); err == nil {
			again, err := AppendIOInit(nil, m)
			if err != nil || string(again[4:]) != string(data) {
				t.Fatalf("I/O init does not re-encode identically: %v", err)
			}
		} else if !isSentinel(err) {
			t.Fatalf("error without sentinel: %v", err)
		}
		if h, err := DecodeIOHeader(data); err == nil {
			if string(AppendIOHeader(nil, h)) != string(data[:IOHeaderSize]) {
				t.Fatal("I/O header does not re-encode identically")
			}
		} else if !isSentinel(err) {
			t.Fatalf("error without sentinel: %v", err)
		}
		if len(data) < 2 {
			return
		}
		typ := MsgType(binary.BigEndian.Uint16(data))
		if b, err := DecodeBody(typ, data[2:]); err == nil {
			checkReencode(t, typ, b)
		} else if !isSentinel(err) {
			t.Fatalf("error without sentinel: %v", err)
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrTruncated, ErrTooLarge, ErrMalformed, ErrUnsupportedVersion,
		ErrUnknownMessageType, ErrTrailingBytes, ErrUnsupported} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func checkReencode(t *testing.T, typ MsgType, b Body) {
	t.Helper()
	enc, err := EncodeBody(typ, b)
	if err != nil {
		t.Fatalf("decoded %v does not re-encode: %v", typ, err)
	}
	again, err := DecodeBody(typ, enc)
	if err != nil {
		t.Fatalf("re-encoded %v does not decode: %v", typ, err)
	}
	if diff := cmp.Diff(b, again, cmpopts.EquateNaNs()); diff != "" {
		t.Fatalf("%v changed across re-encode:\n%s", typ, diff)
	}
}

// TestWriteFuzzCorpus regenerates the checked-in seed corpus when run with
// -update-fuzz-corpus; otherwise it checks the corpus exists.
func TestWriteFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if !*updateFuzzCorpus {
		if ents, err := os.ReadDir(dir); err != nil || len(ents) == 0 {
			t.Fatalf("missing fuzz corpus in %s (run with -update-fuzz-corpus): %v", dir, err)
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rpcs, ioStreams := loadCaptureStreams(t)
	for _, c := range ioStreams {
		c.frame, c.index = c.ioStream[4:], 99
		rpcs = append(rpcs, c)
	}
	for _, c := range rpcs {
		name := fmt.Sprintf("%s-%02d", c.file[:len(c.file)-len(".pcap")], c.index)
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", c.frame)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
