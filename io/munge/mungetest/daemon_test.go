package mungetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recordingTB stands in for a test so Start's skip and failure paths can
// be observed; Skipf and Fatalf end the goroutine as the real ones do.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func runStart(tb *recordingTB) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(tb)
	}()
	<-done
}

func TestStartWithoutMunged(t *testing.T) {
	t.Setenv("FLURM_MUNGED", "/nonexistent/munged")
	t.Setenv("PATH", t.TempDir())

	if _, _, err := StartDaemon(t.TempDir()); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("StartDaemon: %v", err)
	}

	t.Setenv("CI", "")
	tb := &recordingTB{TB: t}
	runStart(tb)
	if !strings.Contains(tb.skipped, "SKIPPING") || tb.failed != "" {
		t.Fatalf("without CI: skipped %q, failed %q", tb.skipped, tb.failed)
	}

	t.Setenv("CI", "true")
	tb = &recordingTB{TB: t}
	runStart(tb)
	if tb.skipped != "" || !strings.Contains(tb.failed, "CI is set") {
		t.Fatalf("with CI: skipped %q, failed %q", tb.skipped, tb.failed)
	}
}

func TestStartDaemonReportsEarlyExit(t *testing.T) {
	t.Setenv("FLURM_MUNGED", "/bin/false")
	_, _, err := StartDaemon(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("%v", err)
	}
}

func TestStartDaemonRefusesLongPath(t *testing.T) {
	if _, err := MungedBinary(); err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if _, _, err := StartDaemon(dir); err == nil || !strings.Contains(err.Error(), "shorter directory") {
		t.Fatalf("%v", err)
	}
}

func TestStartDaemonBadKeyShowsLog(t *testing.T) {
	if _, err := MungedBinary(); err != nil {
		Start(t) // skips or fails as configured
	}
	dir := t.TempDir()
	// munged wants at least 32 bytes of key.
	if err := os.WriteFile(filepath.Join(dir, KeyName), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := StartDaemon(dir)
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), "log:") || !strings.Contains(strings.ToLower(err.Error()), "key") {
		t.Fatalf("%v", err)
	}
}

func TestStartDaemonKeepsExistingKey(t *testing.T) {
	d := Start(t)
	key, err := os.ReadFile(d.KeyPath())
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(d.KeyPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != keyLen || st.Mode().Perm() != 0o600 {
		t.Fatalf("key of %d bytes, mode %v", len(key), st.Mode())
	}
	if err := ensureKey(d.KeyPath()); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(d.KeyPath())
	if string(again) != string(key) {
		t.Fatal("existing key overwritten")
	}
}
