package jobexec

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const nonRootChildEnv = "JOBEXEC_TEST_NONROOT_CHILD"

// TestNonRootDaemon checks the unprivileged mode: a flurmnd that is not root
// runs jobs of its own uid (no impersonation, no cgroup: RSS fallback) and
// refuses other users. Run as root, it re-runs itself as nobody.
func TestNonRootDaemon(t *testing.T) {
	if os.Geteuid() == 0 {
		if os.Getenv(nonRootChildEnv) != "" {
			t.Fatal("child still root")
		}
		t.Parallel()
		// The test binary may sit in a directory nobody cannot reach.
		bin := filepath.Join(searchableTempDir(t, "jobexec-bin"), "jobexec.test")
		data, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		// Another test's fork may still hold the copy's write descriptor
		// for a moment (it is closed only at that child's exec): exec
		// then fails with ETXTBSY, and trying again is the known cure
		// (golang.org/issue/22315).
		var out []byte
		for try := 0; ; try++ {
			cmd := exec.Command(bin, "-test.run=^TestNonRootDaemon$", "-test.count=1", "-test.v")
			cmd.Env = []string{nonRootChildEnv + "=1", "PATH=/usr/bin:/bin", "TMPDIR=/tmp"}
			cmd.Dir = "/"
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyGID}}
			out, err = cmd.CombinedOutput()
			if !errors.Is(err, syscall.ETXTBSY) || try == 100 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil || !strings.Contains(string(out), "non-root daemon ran its own job") {
			t.Fatalf("non-root run failed: %v\n%s", err, out)
		}
		return
	}
	m, _ := newTestManager(t, "")
	dir := searchableTempDir(t, "jobexec-own")
	s := Spec{
		JobID: newJobID(), UID: uint32(os.Geteuid()), GID: uint32(os.Getegid()),
		WorkDir: dir, Script: []byte("#!/bin/sh\nid -u\nhead -c 1m /dev/zero | wc -c\n"),
		Env: []string{"PATH=/usr/bin:/bin"}, Stdout: filepath.Join(dir, "out"), MemLimitBytes: 100 << 20,
	}
	startOK(t, m, s)
	if ex := awaitExit(t, m); ex.ExitCode != 0 || ex.Err != "" || ex.OOM {
		t.Fatalf("Exit = %+v", ex)
	}
	want := strings.Join([]string{itoa(os.Geteuid()), "1048576", ""}, "\n")
	if got := readFile(t, s.Stdout); got != want {
		t.Fatalf("output = %q, want %q", got, want)
	}
	other := s
	other.JobID, other.UID = newJobID(), 0
	if err := m.Start(other); err == nil || !strings.Contains(err.Error(), "not root") {
		t.Fatalf("Start for another uid = %v", err)
	}
	t.Log("non-root daemon ran its own job")
}
