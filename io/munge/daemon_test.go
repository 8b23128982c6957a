package munge_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
)

// These tests run against a private munged (mungetest.Start).

func TestDaemonRoundTrip(t *testing.T) {
	d := mungetest.Start(t)
	ctx := context.Background()
	for _, payload := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte{0, 0xff, 7}, 1000)} {
		before := time.Now().Add(-time.Second)
		cred, err := d.Client.Encode(ctx, payload, munge.EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(cred, "MUNGE:") || !strings.HasSuffix(cred, ":") {
			t.Fatalf("credential %q", cred)
		}
		got, err := d.Client.Decode(ctx, cred)
		if err != nil {
			t.Fatal(err)
		}
		if got.UID != uint32(os.Getuid()) || got.GID != uint32(os.Getgid()) {
			t.Errorf("uid/gid %d/%d, want %d/%d", got.UID, got.GID, os.Getuid(), os.Getgid())
		}
		if !bytes.Equal(got.Payload, payload) {
			t.Errorf("payload of %d bytes came back as %d bytes", len(payload), len(got.Payload))
		}
		if got.TTL != 300*time.Second || got.Encoded.Before(before) || got.Encoded.After(time.Now()) {
			t.Errorf("ttl %v encoded %v", got.TTL, got.Encoded)
		}
		if got.AuthUID != munge.AnyID || got.AuthGID != munge.AnyID {
			t.Errorf("restriction %d/%d", got.AuthUID, got.AuthGID)
		}
	}
}

func TestDaemonLargestPayload(t *testing.T) {
	d := mungetest.Start(t)
	payload := bytes.Repeat([]byte("0123456789abcdef"), munge.MaxPayloadLen/16)
	cred, err := d.Client.Encode(context.Background(), payload, munge.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Client.Decode(context.Background(), cred)
	if err != nil || !bytes.Equal(got.Payload, payload) {
		t.Fatalf("%v (payload equal: %v)", err, got != nil && bytes.Equal(got.Payload, payload))
	}
}

func TestDaemonRefusesReplay(t *testing.T) {
	d := mungetest.Start(t)
	ctx := context.Background()
	cred, err := d.Client.Encode(ctx, []byte("once"), munge.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.Decode(ctx, cred); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		_, err = d.Client.Decode(ctx, cred)
		var de *munge.DaemonError
		if !errors.Is(err, munge.ErrReplayed) || !errors.As(err, &de) || de.Code != munge.CodeCredReplayed {
			t.Fatalf("replay %d: %v", i+1, err)
		}
		// munged still says what the credential held, for the log.
		if de.Credential == nil || string(de.Credential.Payload) != "once" {
			t.Fatalf("replay %d: credential %+v", i+1, de.Credential)
		}
	}
}

func TestDaemonRefusesExpired(t *testing.T) {
	t.Parallel() // waits two seconds
	d := mungetest.Start(t)
	ctx := context.Background()
	cred, err := d.Client.Encode(ctx, nil, munge.EncodeOptions{TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// munged: expired when decode time > encode time + ttl, in whole
	// seconds. The encode time is at most the current second.
	waitUntilUnix(time.Now().Unix() + 2)
	_, err = d.Client.Decode(ctx, cred)
	var de *munge.DaemonError
	if !errors.Is(err, munge.ErrExpired) || !errors.As(err, &de) || de.Credential == nil || de.Credential.TTL != time.Second {
		t.Fatalf("%v", err)
	}
}

func waitUntilUnix(sec int64) {
	time.Sleep(time.Until(time.Unix(sec, 0)) + 50*time.Millisecond)
}

func TestDaemonTTLCappedByMaxTTL(t *testing.T) {
	d := mungetest.Start(t)
	ctx := context.Background()
	cred, err := d.Client.Encode(ctx, nil, munge.EncodeOptions{TTL: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Client.Decode(ctx, cred)
	if err != nil || got.TTL != time.Hour { // munged's default --max-ttl
		t.Fatalf("%+v, %v", got, err)
	}
}

func TestDaemonUIDRestriction(t *testing.T) {
	d := mungetest.Start(t)
	ctx := context.Background()
	self := uint32(os.Getuid())
	mine, err := d.Client.Encode(ctx, nil, munge.EncodeOptions{UID: munge.Only(self), GID: munge.Only(uint32(os.Getgid()))})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.Client.Decode(ctx, mine); err != nil || got.AuthUID != self {
		t.Fatalf("own uid: %+v, %v", got, err)
	}
	// Restricted to someone else: even root may not decode it (Debian's
	// munged is built without root-decodes-anything, which Slurm requires).
	theirs, err := d.Client.Encode(ctx, nil, munge.EncodeOptions{UID: munge.Only(self + 1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.Decode(ctx, theirs); !errors.Is(err, munge.ErrUnauthorized) {
		t.Fatalf("other uid: %v", err)
	}
}

func TestDaemonRefusesGarbage(t *testing.T) {
	d := mungetest.Start(t)
	ctx := context.Background()
	good, err := d.Client.Encode(ctx, []byte("payload"), munge.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Flip one character in the middle of the base64 text.
	mid := len(good) / 2
	flipped := good[:mid] + string(good[mid]^1) + good[mid+1:]
	cases := map[string]string{
		"word":      "garbage",
		"prefix":    "MUNGE:",
		"empty b64": "MUNGE::",
		"short":     "MUNGE:AwQFAA==:",
		"truncated": good[:len(good)/2] + ":",
		"flipped":   flipped,
		"random":    "MUNGE:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a, 0xa5, 3}, 3000)) + ":",
		"binary":    "\x01\x02\xff\xfe",
	}
	for name, cred := range cases {
		_, err := d.Client.Decode(ctx, cred)
		if !errors.Is(err, munge.ErrBadCredential) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// None of that disturbed the daemon or the good credential.
	if got, err := d.Client.Decode(ctx, good); err != nil || string(got.Payload) != "payload" {
		t.Fatalf("good credential after garbage: %v", err)
	}
}

// The captured credentials were made by another munged with another key.
func TestDaemonRefusesCapturedCredentials(t *testing.T) {
	d := mungetest.Start(t)
	creds := munge.CapturedCredentials(t)
	if len(creds) == 0 {
		t.Fatal("no captured credentials")
	}
	for i, cred := range creds {
		_, err := d.Client.Decode(context.Background(), cred)
		var de *munge.DaemonError
		if !errors.Is(err, munge.ErrBadCredential) || !errors.As(err, &de) || de.Credential != nil {
			t.Fatalf("captured credential %d: %v", i, err)
		}
	}
}

func TestDaemonSharedKey(t *testing.T) {
	// Two daemons with one key stand for two hosts of a cluster: a
	// credential made on one decodes on the other, once.
	a := mungetest.Start(t)
	dirB := filepath.Join(a.Dir, "b")
	if err := os.MkdirAll(dirB, 0o755); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(a.KeyPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, mungetest.KeyName), key, 0o600); err != nil {
		t.Fatal(err)
	}
	socketB, stopB, err := mungetest.StartDaemon(dirB)
	if err != nil {
		t.Fatal(err)
	}
	defer stopB()
	b := munge.Client{Socket: socketB}
	cred, err := a.Client.Encode(context.Background(), []byte("hop"), munge.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Decode(context.Background(), cred); err != nil || string(got.Payload) != "hop" {
		t.Fatalf("decode on the other daemon: %v", err)
	}
	// Replay detection is per daemon: the first one has not seen it.
	if _, err := a.Client.Decode(context.Background(), cred); err != nil {
		t.Fatalf("first decode on the encoding daemon: %v", err)
	}
}

func TestDaemonStopped(t *testing.T) {
	dir := t.TempDir()
	socket, stop, err := mungetest.StartDaemon(dir)
	if errors.Is(err, mungetest.ErrNotInstalled) {
		mungetest.Start(t) // skips or fails as configured
	}
	if err != nil {
		t.Fatal(err)
	}
	c := munge.Client{Socket: socket}
	if _, err := c.Encode(context.Background(), nil, munge.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	stop()
	stop() // idempotent
	_, err = c.Encode(context.Background(), nil, munge.EncodeOptions{})
	if !errors.Is(err, munge.ErrNoDaemon) {
		t.Fatalf("after stop: %v", err)
	}
}

func TestDaemonConcurrentClients(t *testing.T) {
	d := mungetest.Start(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				payload := []byte{byte(g), byte(i)}
				cred, err := d.Client.Encode(context.Background(), payload, munge.EncodeOptions{})
				if err != nil {
					errs <- err
					return
				}
				got, err := d.Client.Decode(context.Background(), cred)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got.Payload, payload) {
					errs <- errors.New("payload mixed up between clients")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
