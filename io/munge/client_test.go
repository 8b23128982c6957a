package munge

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeMunged serves one scripted reply per connection on a UNIX socket and
// records the requests it read. It stands in for munged where a real one
// cannot misbehave on demand.
type fakeMunged struct {
	socket   string
	requests chan []byte
}

// startFake listens on a fresh socket; serve gets the raw request
// (header and body) and writes whatever it likes.
func startFake(t *testing.T, serve func(conn net.Conn, req []byte)) *fakeMunged {
	t.Helper()
	dir, err := os.MkdirTemp("", "mfake")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	f := &fakeMunged{socket: filepath.Join(dir, "s"), requests: make(chan []byte, 16)}
	ln, err := net.Listen("unix", f.socket)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			var hb [headerLen]byte
			if _, err := io.ReadFull(conn, hb[:]); err != nil {
				conn.Close()
				continue
			}
			h, _ := parseHeader(hb[:])
			body := make([]byte, min(h.bodyLen, 1<<21))
			_, _ = io.ReadFull(conn, body)
			req := append(hb[:], body...)
			f.requests <- req
			serve(conn, req)
			conn.Close()
		}
	}()
	return f
}

func reply(conn net.Conn, msgType uint8, body []byte) {
	msg := appendHeader(nil, header{msgType: msgType, bodyLen: uint32(len(body))})
	_, _ = conn.Write(append(msg, body...))
}

func TestClientAgainstFake(t *testing.T) {
	ctx := context.Background()
	okDecode := decodeResponseBytes(CodeSuccess, "", 42, 43, []byte("payload"))

	t.Run("decode", func(t *testing.T) {
		f := startFake(t, func(c net.Conn, _ []byte) { reply(c, msgDecodeResponse, okDecode) })
		cred, err := (&Client{Socket: f.socket}).Decode(ctx, "MUNGE:abc:")
		if err != nil || cred.UID != 42 || cred.GID != 43 || string(cred.Payload) != "payload" {
			t.Fatalf("%+v, %v", cred, err)
		}
		req := <-f.requests
		h, _ := parseHeader(req[:headerLen])
		// retry must stay 0: munged lets a credential through its replay
		// check when a client says it is retrying.
		if h.msgType != msgDecodeRequest || h.retry != 0 || string(req[headerLen+4:]) != "MUNGE:abc:\x00" {
			t.Fatalf("request % x", req)
		}
	})
	t.Run("daemon error", func(t *testing.T) {
		f := startFake(t, func(c net.Conn, _ []byte) {
			reply(c, msgDecodeResponse, decodeResponseBytes(CodeCredReplayed, "Replayed credential", 42, 43, nil))
		})
		_, err := (&Client{Socket: f.socket}).Decode(ctx, "MUNGE:abc:")
		var de *DaemonError
		if !errors.Is(err, ErrReplayed) || !errors.As(err, &de) || de.Credential == nil || de.Credential.UID != 42 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no reply times out", func(t *testing.T) {
		f := startFake(t, func(c net.Conn, _ []byte) { _, _ = io.Copy(io.Discard, c) }) // until the client hangs up
		start := time.Now()
		_, err := (&Client{Socket: f.socket, Timeout: 100 * time.Millisecond}).Decode(ctx, "MUNGE:abc:")
		if !errors.Is(err, ErrTimeout) || time.Since(start) > 900*time.Millisecond {
			t.Fatalf("%v after %v", err, time.Since(start))
		}
	})
	t.Run("context cancel", func(t *testing.T) {
		f := startFake(t, func(c net.Conn, _ []byte) { _, _ = io.Copy(io.Discard, c) }) // until the client hangs up
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := (&Client{Socket: f.socket}).Encode(cctx, nil, EncodeOptions{})
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) {
			t.Fatalf("%v", err)
		}
	})
	for name, serve := range map[string]func(net.Conn, []byte){
		"closed":     func(net.Conn, []byte) {},
		"bad magic":  func(c net.Conn, _ []byte) { _, _ = c.Write([]byte{1, 2, 3, 4, 4, 5, 0, 0, 0, 0, 0}) },
		"wrong type": func(c net.Conn, _ []byte) { reply(c, msgEncodeResponse, okDecode) },
		"short body": func(c net.Conn, _ []byte) { reply(c, msgDecodeResponse, okDecode[:10]) },
		"cut body": func(c net.Conn, _ []byte) {
			_, _ = c.Write(appendHeader(nil, header{msgType: msgDecodeResponse, bodyLen: 100}))
		},
		"huge length": func(c net.Conn, _ []byte) {
			_, _ = c.Write(appendHeader(nil, header{msgType: msgDecodeResponse, bodyLen: 1 << 30}))
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := startFake(t, serve)
			_, err := (&Client{Socket: f.socket, Timeout: time.Second}).Decode(ctx, "MUNGE:abc:")
			if !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%v", err)
			}
			if name == "huge length" && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%v", err)
			}
		})
	}
}

func TestClientRefusesBadRequests(t *testing.T) {
	ctx := context.Background()
	c := &Client{Socket: "/nonexistent/socket"} // never reached
	for name, cred := range map[string]string{
		"empty": "", "NUL": "MUNGE:a\x00b:", "huge": strings.Repeat("A", MaxCredentialLen+1),
	} {
		if _, err := c.Decode(ctx, cred); !errors.Is(err, ErrInvalidArgument) && !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := c.Encode(ctx, make([]byte, MaxPayloadLen+1), EncodeOptions{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge payload: %v", err)
	}
	for _, ttl := range []time.Duration{-time.Second, MaxTTL + time.Second} {
		if _, err := c.Encode(ctx, nil, EncodeOptions{TTL: ttl}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("TTL %v: %v", ttl, err)
		}
	}
	long := &Client{Socket: "/" + strings.Repeat("x", 200)}
	if _, err := long.Decode(ctx, "MUNGE:x:"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("long socket path: %v", err)
	}
}

func TestClientNoDaemon(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	missing := filepath.Join(dir, "munge.socket.2")
	_, err := (&Client{Socket: missing}).Decode(ctx, "MUNGE:x:")
	if !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing socket: %v", err)
	}
	plain := filepath.Join(dir, "file")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Client{Socket: plain}).Encode(ctx, nil, EncodeOptions{}); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("regular file: %v", err)
	}
	// A socket file left behind by a dead daemon: connections are refused.
	stale := filepath.Join(dir, "stale")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	start := time.Now()
	if _, err := (&Client{Socket: stale}).Decode(ctx, "MUNGE:x:"); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("stale socket: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("stale socket took %v", d)
	}
}
