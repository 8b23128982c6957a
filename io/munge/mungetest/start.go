package mungetest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
)

// Daemon is a private munged started for one test.
type Daemon struct {
	Dir    string       // holds the key, socket, log, pid and seed files
	Socket string       // munged's socket
	Client munge.Client // a client of this daemon
}

// KeyPath is the daemon's key file.
func (d *Daemon) KeyPath() string { return filepath.Join(d.Dir, KeyName) }

// LogPath is the file holding the daemon's output.
func (d *Daemon) LogPath() string { return filepath.Join(d.Dir, LogName) }

// Start runs a private munged (see StartDaemon) in a temporary directory
// with its own random key and stops it when the test ends. If munged is
// not installed the test is skipped with a loud message, or fails when the
// environment variable CI is set, so CI cannot pass without testing
// against a real daemon.
func Start(t testing.TB) *Daemon {
	t.Helper()
	if _, err := MungedBinary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v; CI is set, so a missing munged is a failure", err)
		}
		t.Skipf("!!! SKIPPING: %v. Tests against a real munged did not run. !!!", err)
	}
	dir := t.TempDir()
	if len(filepath.Join(dir, SocketName)) > maxSocketPath {
		// A long TMPDIR or test name: fall back to a short directory.
		short, err := os.MkdirTemp("/tmp", "munge")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(short) })
		dir = short
	}
	socket, stop, err := StartDaemon(dir)
	if err != nil {
		if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
			t.Skipf("!!! SKIPPING: %v !!!", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return &Daemon{Dir: dir, Socket: socket, Client: munge.Client{Socket: socket, Timeout: 5 * time.Second}}
}
