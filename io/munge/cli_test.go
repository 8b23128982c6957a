package munge_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
)

// Interoperability with munge's own command-line tools (libmunge), which
// is what Slurm links against: credentials go both ways.

// mungeTool finds munge or unmunge, skipping (or failing under CI) as
// mungetest.Start does when they are missing.
func mungeTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (apt-get install -y munge); CI is set, so this is a failure", name)
		}
		t.Skipf("!!! SKIPPING: %s not installed (apt-get install -y munge) !!!", name)
	}
	return path
}

// runTool runs a munge tool with a timeout and returns its exit status.
func runTool(t *testing.T, stdin []byte, name string, args ...string) (stdout []byte, exit int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mungeTool(t, name), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out.Bytes(), 0
	case errors.As(err, &exitErr):
		return out.Bytes(), exitErr.ExitCode()
	default:
		t.Fatalf("%s: %v (stderr: %s)", name, err, errOut.String())
		return nil, -1
	}
}

// unmungeMetadata parses `unmunge -N` metadata lines ("KEY:   value").
func unmungeMetadata(t *testing.T, text []byte) map[string]string {
	t.Helper()
	meta := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("metadata line %q", line)
		}
		meta[k] = strings.TrimSpace(v)
	}
	return meta
}

func TestCLIUnmungeDecodesOurCredential(t *testing.T) {
	d := mungetest.Start(t)
	payload := []byte("from the Go client\x00\xff")
	cred, err := d.Client.Encode(context.Background(), payload, munge.EncodeOptions{TTL: 77 * time.Second, UID: munge.Only(uint32(os.Getuid()))})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	metaFile, outFile := filepath.Join(dir, "meta"), filepath.Join(dir, "out")
	if _, exit := runTool(t, []byte(cred), "unmunge", "--socket="+d.Socket, "-N", "-m", metaFile, "-o", outFile); exit != 0 {
		t.Fatalf("unmunge exit %d", exit)
	}
	metaText, err := os.ReadFile(metaFile)
	if err != nil {
		t.Fatal(err)
	}
	meta := unmungeMetadata(t, metaText)
	want := map[string]string{
		"STATUS": "0", "TTL": "77", "UID": strconv.Itoa(os.Getuid()), "GID": strconv.Itoa(os.Getgid()),
		"UID_RESTRICTION": strconv.Itoa(os.Getuid()), "LENGTH": strconv.Itoa(len(payload)),
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("unmunge %s = %q, want %q", k, meta[k], v)
		}
	}
	got, err := os.ReadFile(outFile)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("unmunge payload %q, %v", got, err)
	}
	// unmunge consumed it; our client now sees a replay, and so does unmunge.
	if _, err := d.Client.Decode(context.Background(), cred); !errors.Is(err, munge.ErrReplayed) {
		t.Fatalf("decode after unmunge: %v", err)
	}
	if _, exit := runTool(t, []byte(cred), "unmunge", "--socket="+d.Socket, "-n"); exit != int(munge.CodeCredReplayed) {
		t.Fatalf("second unmunge exit %d, want %d", exit, munge.CodeCredReplayed)
	}
}

func TestCLIOurClientDecodesMungeCredential(t *testing.T) {
	d := mungetest.Start(t)
	for _, zip := range []string{"none", "zlib"} {
		payload := strings.Repeat("payload from munge(1) ", 20)
		out, exit := runTool(t, nil, "munge", "--socket="+d.Socket, "--string="+payload, "--zip="+zip, "--ttl=60")
		if exit != 0 {
			t.Fatalf("munge exit %d", exit)
		}
		cred := strings.TrimSpace(string(out))
		got, err := d.Client.Decode(context.Background(), cred)
		if err != nil {
			t.Fatalf("zip %s: %v", zip, err)
		}
		if string(got.Payload) != payload || got.UID != uint32(os.Getuid()) || got.GID != uint32(os.Getgid()) || got.TTL != time.Minute {
			t.Fatalf("zip %s: decoded %+v", zip, got)
		}
		// We consumed it: unmunge must now report a replay (exit 17).
		if _, exit := runTool(t, []byte(cred), "unmunge", "--socket="+d.Socket, "-n"); exit != int(munge.CodeCredReplayed) {
			t.Fatalf("zip %s: unmunge after our decode: exit %d", zip, exit)
		}
	}
}

// A credential from munge(1) for a different uid is refused by both.
func TestCLIRestrictedCredential(t *testing.T) {
	d := mungetest.Start(t)
	other := strconv.Itoa(os.Getuid() + 1)
	out, exit := runTool(t, nil, "munge", "--socket="+d.Socket, "--no-input", "--restrict-uid="+other)
	if exit != 0 {
		t.Fatalf("munge exit %d", exit)
	}
	cred := strings.TrimSpace(string(out))
	if _, err := d.Client.Decode(context.Background(), cred); !errors.Is(err, munge.ErrUnauthorized) {
		t.Fatalf("%v", err)
	}
	if _, exit := runTool(t, []byte(cred), "unmunge", "--socket="+d.Socket, "-n"); exit != int(munge.CodeCredUnauthorized) {
		t.Fatalf("unmunge exit %d, want %d", exit, munge.CodeCredUnauthorized)
	}
}
