package jobexec

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	MaybeRunStepd() // supervisors are re-executions of this test binary
	os.Exit(m.Run())
}

const (
	nobodyUID = 65534
	nobodyGID = 65534
	exitWait  = 10 * time.Second
)

var jobSeq atomic.Uint32

// newJobID returns a job id unique on this machine for this test process:
// cgroup names are machine-wide, and tests run in parallel.
func newJobID() uint32 {
	return uint32(os.Getpid()%4_000_000)*1000 + jobSeq.Add(1)
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run jobs as another user")
	}
}

// searchableTempDir is a temporary directory that other users can traverse
// (t.TempDir's top directory is 0700).
func searchableTempDir(t *testing.T, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// userDir is a directory owned by nobody, for job output and work dirs.
func userDir(t *testing.T) string {
	t.Helper()
	dir := searchableTempDir(t, "jobexec-user")
	if err := os.Chown(dir, nobodyUID, nobodyGID); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newTestManager opens a Manager on spool (a fresh one if ""), closed and
// with every job killed at the end of the test.
func newTestManager(t *testing.T, spool string) (*Manager, string) {
	t.Helper()
	if spool == "" {
		spool = filepath.Join(searchableTempDir(t, "jobexec-spool"), "spool")
		t.Cleanup(func() { killAllJobs(spool) })
	}
	m, err := newManager(spool, nil, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m, spool
}

// killAllJobs SIGKILLs every job recorded in spool, so that a failing test
// leaves no sleeping process or cgroup behind.
func killAllJobs(spool string) {
	entries, _ := os.ReadDir(spool)
	for _, e := range entries {
		var info launchInfo
		if readJSON(filepath.Join(spool, e.Name()), launchFile, &info) == nil && info.Pgid > 1 {
			signalTree(info.Pgid, info.CgroupDir, syscall.SIGKILL)
		}
	}
}

// nobodySpec is a job of user nobody writing to outDir/out.
func nobodySpec(t *testing.T, outDir, script string) Spec {
	t.Helper()
	return Spec{
		JobID:   newJobID(),
		UID:     nobodyUID,
		GID:     nobodyGID,
		User:    "nobody",
		WorkDir: outDir,
		Script:  []byte(script),
		Env:     []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
		Stdout:  filepath.Join(outDir, "out"),
	}
}

func awaitExit(t *testing.T, m *Manager) Exit {
	t.Helper()
	select {
	case ex, ok := <-m.Exits():
		if !ok {
			t.Fatal("Exits closed")
		}
		return ex
	case <-time.After(exitWait):
		t.Fatal("no Exit within", exitWait)
	}
	return Exit{}
}

func expectNoExit(t *testing.T, m *Manager, d time.Duration) {
	t.Helper()
	select {
	case ex := <-m.Exits():
		t.Fatalf("unexpected Exit %+v", ex)
	case <-time.After(d):
	}
}

func startOK(t *testing.T, m *Manager, s Spec) {
	t.Helper()
	if err := m.Start(s); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readPidFile waits for a job to write its pid file and returns the pid.
func readPidFile(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, path, func() bool {
		data, err := os.ReadFile(path)
		if err != nil || !strings.HasSuffix(string(data), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil
	})
	return pid
}

// processGone reports whether pid has exited (zombies count as gone).
func processGone(pid int) bool {
	ps, err := readProcStat(pid)
	return err != nil || ps.State == 'Z'
}

func nobodyGroups(t *testing.T) []string {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody:", err)
	}
	ids, err := u.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{strconv.Itoa(nobodyGID): true}
	for _, id := range ids {
		set[id] = true
	}
	var out []string
	for id := range set {
		out = append(out, id)
	}
	return out
}

// cgroupUsable reports whether this machine gives jobexec a memory cgroup.
func cgroupUsable() (bool, string) {
	cg, err := createCgroup(newJobID(), 0, "cgroup-probe", 0)
	if err != nil {
		return false, err.Error()
	}
	if err := os.Remove(cg.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err.Error()
	}
	return true, ""
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func itoa(i int) string { return strconv.Itoa(i) }
