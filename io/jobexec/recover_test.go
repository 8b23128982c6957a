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

func TestRecoverRunningAttemptThenSignalIt(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m1, spool := newTestManager(t, "")
	dir := userDir(t)
	s := nobodySpec(t, dir, "#!/bin/sh\necho started\nexec sleep 300\n")
	s.Attempt = 1
	startOK(t, m1, s)
	m1.Close() // flurmnd stops; the job must not notice
	if _, ok := <-m1.Exits(); ok {
		t.Fatal("Exits not closed by Close")
	}
	time.Sleep(100 * time.Millisecond)

	m2, _ := newTestManager(t, spool)
	running, err := m2.Recover()
	if err != nil {
		t.Fatal(err)
	}
	if len(running) != 1 || running[0] != (Running{JobID: s.JobID, Attempt: 1}) {
		t.Fatalf("Recover = %+v, want the running job", running)
	}
	if _, err := m2.Recover(); err == nil {
		t.Error("second Recover accepted")
	}
	if err := m2.Forget(s.JobID, 1); err == nil {
		t.Error("Forget of a running attempt accepted")
	}
	if err := m2.Signal(s.JobID, 1, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if ex := awaitExit(t, m2); ex != (Exit{JobID: s.JobID, Attempt: 1, Signal: int(syscall.SIGTERM)}) {
		t.Errorf("Exit = %+v, want SIGTERM", ex)
	}
	expectNoExit(t, m2, 300*time.Millisecond) // exactly one
	if err := m2.Forget(s.JobID, 1); err != nil {
		t.Fatal(err)
	}
	if fileExists(filepath.Join(spool, attemptDirName(s.JobID, 1))) {
		t.Error("spool record survives Forget")
	}
	if err := m2.Signal(s.JobID, 1, syscall.SIGTERM); !errors.Is(err, ErrUnknownAttempt) {
		t.Errorf("Signal after Forget = %v, want ErrUnknownAttempt", err)
	}
	if got := readFile(t, s.Stdout); got != "started\n" {
		t.Errorf("output = %q", got)
	}
}

func TestAttemptFinishingWhileNoManagerRunsIsReportedByNextOne(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m1, spool := newTestManager(t, "")
	dir := userDir(t)
	s := nobodySpec(t, dir, "#!/bin/sh\nsleep 0.2\nexit 7\n")
	startOK(t, m1, s)
	m1.Close()
	recordDir := filepath.Join(spool, attemptDirName(s.JobID, 0))
	waitFor(t, "status file", func() bool { return fileExists(filepath.Join(recordDir, statusFile)) })

	m2, _ := newTestManager(t, spool)
	running, err := m2.Recover()
	if err != nil || len(running) != 0 {
		t.Fatalf("Recover = %+v, %v; want nothing running", running, err)
	}
	if ex := awaitExit(t, m2); ex != (Exit{JobID: s.JobID, ExitCode: 7}) {
		t.Errorf("Exit = %+v, want exit 7", ex)
	}
	expectNoExit(t, m2, 200*time.Millisecond)

	// Not forgotten: a third Manager reports it again (at-least-once
	// across restarts until Forget).
	m2.Close()
	m3, _ := newTestManager(t, spool)
	if _, err := m3.Recover(); err != nil {
		t.Fatal(err)
	}
	if ex := awaitExit(t, m3); ex.JobID != s.JobID || ex.ExitCode != 7 {
		t.Errorf("Exit = %+v, want exit 7 again", ex)
	}
	if err := m3.Forget(s.JobID, 0); err != nil {
		t.Fatal(err)
	}
}

func TestSupervisorLost(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	for _, recovered := range []bool{false, true} {
		name := map[bool]string{false: "own child", true: "recovered"}[recovered]
		t.Run(name, func(t *testing.T) {
			m, spool := newTestManager(t, "")
			dir := userDir(t)
			pidFile := filepath.Join(dir, "pid")
			s := nobodySpec(t, dir, sprintf("#!/bin/sh\necho $$ > %s\nexec sleep 300\n", pidFile))
			startOK(t, m, s)
			job := readPidFile(t, pidFile)
			recordDir := filepath.Join(spool, attemptDirName(s.JobID, 0))
			sup, err := readSupervisorID(recordDir)
			if err != nil {
				t.Fatal(err)
			}
			if recovered {
				m.Close()
				m, _ = newTestManager(t, spool)
				if running, err := m.Recover(); err != nil || len(running) != 1 {
					t.Fatalf("Recover = %+v, %v", running, err)
				}
			}
			if err := syscall.Kill(sup.Pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			ex := awaitExit(t, m)
			if ex.Err != lostErr || ex.Signal != int(syscall.SIGKILL) {
				t.Errorf("Exit = %+v, want %q and SIGKILL", ex, lostErr)
			}
			waitFor(t, "orphaned job to be killed", func() bool { return processGone(job) })
		})
	}
}

func TestStartRefusesBadInput(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	dir := userDir(t)
	huge := strings.Repeat("x", MaxStringBytes+1)
	cases := []struct {
		name   string
		mutate func(*Spec)
		want   string
	}{
		{"job id 0", func(s *Spec) { s.JobID = 0 }, "JobID 0"},
		{"no interpreter line", func(s *Spec) { s.Script = []byte("echo hi\n") }, `"#!"`},
		{"empty script", func(s *Spec) { s.Script = nil }, "empty script"},
		{"huge script", func(s *Spec) { s.Script = append([]byte("#!/bin/sh\n"), make([]byte, MaxScriptBytes)...) }, "script is"},
		{"relative stdout", func(s *Spec) { s.Stdout = "out.txt" }, "not an absolute path"},
		{"relative stderr", func(s *Spec) { s.Stderr = "err.txt" }, "not an absolute path"},
		{"relative stdin", func(s *Spec) { s.Stdin = "in.txt" }, "not an absolute path"},
		{"relative workdir", func(s *Spec) { s.WorkDir = "work" }, "not an absolute path"},
		{"empty stdout", func(s *Spec) { s.Stdout = "" }, "Stdout is empty"},
		{"NUL in path", func(s *Spec) { s.Stdout = "/tmp/a\x00b" }, "NUL"},
		{"huge env var", func(s *Spec) { s.Env = []string{"A=" + huge} }, "Env[0]"},
		{"too many env vars", func(s *Spec) { s.Env = make([]string, MaxEnvVars+1) }, "environment variables"},
		{"env total", func(s *Spec) {
			for i := 0; i < 10; i++ {
				s.Env = append(s.Env, sprintf("V%d=%s", i, huge[:MaxStringBytes-10]))
			}
		}, "total"},
		{"env without =", func(s *Spec) { s.Env = []string{"NOEQUALS"} }, "NAME=value"},
		{"too many args", func(s *Spec) { s.Argv = make([]string, MaxArgs+1) }, "arguments"},
		{"negative memory", func(s *Spec) { s.MemLimitBytes = -1 }, "negative"},
		{"unknown user", func(s *Spec) { s.User = "no-such-user-jobexec" }, "look up user"},
		{"user uid mismatch", func(s *Spec) { s.User = "root" }, "has uid 0"},
	}
	for _, c := range cases {
		s := nobodySpec(t, dir, "#!/bin/sh\n")
		c.mutate(&s)
		err := m.Start(s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Start = %v, want error containing %q", c.name, err, c.want)
		}
	}
	expectNoExit(t, m, 50*time.Millisecond) // refused attempts yield no Exit

	// Without root, only the daemon's own identity is allowed.
	m.root = false
	if err := m.Start(nobodySpec(t, dir, "#!/bin/sh\n")); err == nil || !strings.Contains(err.Error(), "not root") {
		t.Errorf("non-root Start for another uid = %v", err)
	}
}

func TestDuplicateForgetAndSpoolLock(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, spool := newTestManager(t, "")
	if _, err := New(spool, nil); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Manager on the spool = %v, want in-use error", err)
	}
	dir := userDir(t)
	s := nobodySpec(t, dir, "#!/bin/sh\nexit 0\n")
	startOK(t, m, s)
	if err := m.Start(s); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate Start = %v", err)
	}
	awaitExit(t, m)
	if err := m.Start(s); err == nil {
		t.Error("Start of an attempt not yet forgotten accepted")
	}
	if err := m.Forget(s.JobID, s.Attempt); err != nil {
		t.Fatal(err)
	}
	if err := m.Forget(s.JobID, s.Attempt); !errors.Is(err, ErrUnknownAttempt) {
		t.Errorf("second Forget = %v, want ErrUnknownAttempt", err)
	}
	startOK(t, m, s) // the same attempt again, after Forget
	if ex := awaitExit(t, m); ex.ExitCode != 0 || ex.Err != "" {
		t.Errorf("Exit = %+v", ex)
	}
}

func TestParseHelpers(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"job12.0", true}, {"job4294967295.3", true}, {"job12", false}, {"job012.0", false},
		{"job12.0x", false}, {"jobx.0", false}, {"job4294967296.0", false}, {".lock", false},
	} {
		if _, _, ok := parseAttemptDirName(c.name); ok != c.ok {
			t.Errorf("parseAttemptDirName(%q) ok = %v", c.name, ok)
		}
	}
	ps, err := parseProcStat([]byte("42 (a (weird) name) S 1 40 41 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 12345 1000 77 18446744073709551615"))
	if err != nil || ps.State != 'S' || ps.Pgrp != 40 || ps.Session != 41 || ps.StartTime != 12345 || ps.RSSPages != 77 {
		t.Errorf("parseProcStat = %+v, %v", ps, err)
	}
	if _, err := parseProcStat([]byte("42 (x) S 1")); err == nil {
		t.Error("short stat line accepted")
	}
}

// A record whose supervisor is gone must not make Recover kill processes
// that merely reuse its ids: after a reboot, or after pid reuse.
func TestLostRecordNeverKillsStrangers(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	spool := filepath.Join(searchableTempDir(t, "jobexec-spool"), "spool")
	if err := os.MkdirAll(spool, 0o755); err != nil {
		t.Fatal(err)
	}
	stranger := exec.Command("sleep", "30")
	stranger.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stranger.Process.Kill(); stranger.Wait() })
	ps, err := readProcStat(stranger.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	pid := stranger.Process.Pid
	records := map[uint32]struct {
		sup    supervisorID
		launch launchInfo
	}{
		// Same ids, previous boot.
		1: {supervisorID{pid, ps.StartTime, "previous-boot"}, launchInfo{Pgid: pid, BootID: "previous-boot", LeaderStart: ps.StartTime}},
		// Same boot, but the pid now belongs to a younger process.
		2: {supervisorID{pid, ps.StartTime + 1, bootID()}, launchInfo{Pgid: pid, BootID: bootID(), LeaderStart: ps.StartTime + 1}},
	}
	for id, r := range records {
		dir := filepath.Join(spool, attemptDirName(id, 0))
		if err := os.Mkdir(dir, 0o711); err != nil {
			t.Fatal(err)
		}
		if err := writeSupervisorID(dir, r.sup); err != nil {
			t.Fatal(err)
		}
		if err := writeJSONAtomic(dir, launchFile, r.launch); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := newTestManager(t, spool)
	running, err := m.Recover()
	if err != nil || len(running) != 0 {
		t.Fatalf("Recover = %+v, %v; want nothing running", running, err)
	}
	for range records {
		if ex := awaitExit(t, m); ex.Err != lostErr {
			t.Errorf("Exit = %+v, want %q", ex, lostErr)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if processGone(pid) {
		t.Fatal("Recover killed an unrelated process")
	}
}

// flurmnd killed between starting a supervisor and recording its identity
// leaves a live supervisor without a record: the next Manager must find it
// by its command line and adopt the job, not report it lost and kill it.
func TestRecoverFindsAnUnrecordedSupervisor(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m1, spool := newTestManager(t, "")
	s := nobodySpec(t, userDir(t), "#!/bin/sh\nexec sleep 300\n")
	startOK(t, m1, s)
	m1.Close()
	if err := os.Remove(filepath.Join(spool, attemptDirName(s.JobID, s.Attempt), supervisorFile)); err != nil {
		t.Fatal(err)
	}
	m2, _ := newTestManager(t, spool)
	running, err := m2.Recover()
	if err != nil || len(running) != 1 {
		t.Fatalf("Recover = %+v, %v; want the job still running", running, err)
	}
	expectNoExit(t, m2, 200*time.Millisecond)
	if err := m2.Signal(s.JobID, s.Attempt, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if ex := awaitExit(t, m2); ex.Signal != int(syscall.SIGKILL) || ex.Err != "" {
		t.Errorf("Exit = %+v, want the job's own SIGKILL", ex)
	}
}
