package slurmrpc

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/flurm/flurm/io/slurmproto"
)

// FuzzDispatch feeds arbitrary bodies of every handled type to the
// handlers (past the codec, which has its own fuzzer): whatever decodes
// must be answered with a reply that encodes, and nothing may panic. The
// seeds are the captured requests plus one encoded body per type.
func FuzzDispatch(f *testing.F) {
	files, _ := filepath.Glob("testdata/captured/*.body")
	sort.Strings(files)
	for _, file := range files {
		parts := strings.Split(filepath.Base(file), ".")
		typ, err := strconv.Atoi(parts[len(parts)-2])
		if err != nil || handlers[slurmproto.MsgType(typ)] == nil {
			continue
		}
		b, _ := os.ReadFile(file)
		f.Add(uint16(typ), uint32(0), b)
		f.Add(uint16(typ), uint32(1000), b)
	}
	for typ := range handlers {
		body, err := slurmproto.NewBody(typ)
		if err != nil {
			f.Fatal(err)
		}
		if raw, err := slurmproto.EncodeBody(typ, body); err == nil {
			f.Add(uint16(typ), uint32(0), raw)
		}
	}
	be := newFakeBackend(f)
	s := &Server{Backend: be, Auth: newFakeAuth(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s.init()
	f.Fuzz(func(t *testing.T, typ uint16, uid uint32, raw []byte) {
		mt := slurmproto.MsgType(typ)
		if handlers[mt] == nil || mt == slurmproto.RequestShutdown {
			return
		}
		body, err := slurmproto.DecodeBody(mt, raw)
		if err != nil {
			return
		}
		env := &slurmproto.Envelope{Header: slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: mt}, Body: raw}
		rep := s.dispatch(&request{ctx: context.Background(), env: env, body: body, id: Identity{UID: uid, GID: uid}})
		if _, err := slurmproto.EncodeBody(rep.msgType, rep.body); err != nil {
			t.Fatalf("%v: reply %v does not encode: %v", mt, rep.msgType, err)
		}
	})
}
