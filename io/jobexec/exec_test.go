package jobexec

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEnvWorkDirArgvAndIdentityReachScript(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	dir := userDir(t)
	s := nobodySpec(t, dir, `#!/bin/sh
echo "FOO=$FOO"
echo "HOME=${HOME:-unset}"
echo "pwd=$(pwd)"
echo "uid=$(id -u) gid=$(id -g)"
echo "groups=$(id -G)"
echo "args=$*"
echo "umask=$(umask)"
`)
	s.Env = append(s.Env, "FOO=bar baz")
	s.Argv = []string{"one", "two words"}
	startOK(t, m, s)
	ex := awaitExit(t, m)
	if ex != (Exit{JobID: s.JobID, Attempt: s.Attempt}) {
		t.Fatalf("Exit = %+v, want clean exit 0", ex)
	}
	out := readFile(t, s.Stdout)
	for _, want := range []string{
		"FOO=bar baz\n",
		"HOME=unset\n", // nothing of flurmnd's environment leaks in
		"pwd=" + dir + "\n",
		"uid=65534 gid=65534\n",
		"args=one two words\n",
		"umask=0022\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	wantGroups := nobodyGroups(t)
	for _, line := range strings.Split(out, "\n") {
		if g, ok := strings.CutPrefix(line, "groups="); ok {
			got := strings.Fields(g)
			slices.Sort(got)
			slices.Sort(wantGroups)
			if !slices.Equal(got, wantGroups) {
				t.Errorf("groups = %v, want %v", got, wantGroups)
			}
		}
	}
	fi, err := os.Stat(s.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != nobodyUID || st.Gid != nobodyGID || fi.Mode().Perm() != 0o644 {
		t.Errorf("output owned by %d:%d mode %v, want 65534:65534 -rw-r--r--", st.Uid, st.Gid, fi.Mode().Perm())
	}
	if err := m.Forget(s.JobID, s.Attempt); err != nil {
		t.Fatal(err)
	}
}

func TestStderrSeparateMergedAndAppend(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	dir := userDir(t)
	const script = "#!/bin/sh\necho to-out\necho to-err >&2\n"

	separate := nobodySpec(t, dir, script)
	separate.Stderr = filepath.Join(dir, "err")
	startOK(t, m, separate)
	if ex := awaitExit(t, m); ex.ExitCode != 0 || ex.Err != "" {
		t.Fatalf("Exit = %+v", ex)
	}
	if got := readFile(t, separate.Stdout); got != "to-out\n" {
		t.Errorf("stdout = %q", got)
	}
	if got := readFile(t, separate.Stderr); got != "to-err\n" {
		t.Errorf("stderr = %q", got)
	}

	merged := nobodySpec(t, dir, script)
	merged.Stdout = filepath.Join(dir, "merged")
	startOK(t, m, merged)
	awaitExit(t, m)
	if got := readFile(t, merged.Stdout); got != "to-out\nto-err\n" {
		t.Errorf("merged output = %q", got)
	}

	// Append keeps the previous content; the default truncates.
	merged.JobID, merged.Append = newJobID(), true
	startOK(t, m, merged)
	awaitExit(t, m)
	if got := readFile(t, merged.Stdout); got != "to-out\nto-err\nto-out\nto-err\n" {
		t.Errorf("appended output = %q", got)
	}
	merged.JobID, merged.Append = newJobID(), false
	startOK(t, m, merged)
	awaitExit(t, m)
	if got := readFile(t, merged.Stdout); got != "to-out\nto-err\n" {
		t.Errorf("truncated output = %q", got)
	}
}

func TestExitCodeAndTerminatingSignal(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	dir := userDir(t)

	code := nobodySpec(t, dir, "#!/bin/sh\nexit 3\n")
	code.Attempt = 2
	startOK(t, m, code)
	if ex := awaitExit(t, m); ex != (Exit{JobID: code.JobID, Attempt: 2, ExitCode: 3}) {
		t.Errorf("Exit = %+v, want exit code 3", ex)
	}

	signaled := nobodySpec(t, dir, "#!/bin/sh\nkill -USR1 $$\nsleep 5\n")
	startOK(t, m, signaled)
	if ex := awaitExit(t, m); ex.Signal != int(syscall.SIGUSR1) || ex.ExitCode != 0 || ex.Err != "" {
		t.Errorf("Exit = %+v, want signal %d", ex, syscall.SIGUSR1)
	}
}

// The script traps SIGTERM and then blocks until the test releases it, so a
// grandchild that dies meanwhile proves that Signal itself reached it, not
// the supervisor's cleanup after the script.
const trapScript = `#!/bin/sh
trap 'echo trapped; while [ ! -e %[3]s ]; do sleep 0.02; done; exit 5' TERM
%[1]s sleep 300 &
echo $! > %[2]s.tmp && mv %[2]s.tmp %[2]s
wait
`

func TestSignalReachesWholeProcessTree(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	cases := []struct {
		name, prefix string
		needCgroup   bool
	}{
		{"process group", "", false},
		// setsid leaves the process group and session: only the cgroup finds it.
		{"escaped via setsid", "setsid", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if ok, why := cgroupUsable(); c.needCgroup && !ok {
				t.Skip("no usable memory cgroup:", why)
			}
			t.Parallel()
			m, _ := newTestManager(t, "")
			dir := userDir(t)
			pidFile, release := filepath.Join(dir, "pid"), filepath.Join(dir, "release")
			s := nobodySpec(t, dir, sprintf(trapScript, c.prefix, pidFile, release))
			startOK(t, m, s)
			grandchild := readPidFile(t, pidFile)
			if processGone(grandchild) {
				t.Fatal("grandchild not running")
			}
			if err := m.Signal(s.JobID, s.Attempt, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "grandchild to die while the script still runs", func() bool { return processGone(grandchild) })
			select {
			case ex := <-m.Exits():
				t.Fatalf("script ended before release: %+v", ex)
			default:
			}
			if err := os.WriteFile(release, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			ex := awaitExit(t, m)
			if ex.ExitCode != 5 || ex.Signal != 0 {
				t.Errorf("Exit = %+v, want the trap's exit 5", ex)
			}
			if out := readFile(t, s.Stdout); !strings.Contains(out, "trapped") {
				t.Errorf("output %q lacks trap message", out)
			}
			// Signalling a finished attempt is not an error.
			if err := m.Signal(s.JobID, s.Attempt, syscall.SIGKILL); err != nil {
				t.Errorf("Signal after exit: %v", err)
			}
		})
	}
}

func TestSupervisorKillsLeftoversWhenScriptEnds(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	dir := userDir(t)
	pidFile := filepath.Join(dir, "pid")
	s := nobodySpec(t, dir, sprintf("#!/bin/sh\nsleep 300 >/dev/null 2>&1 &\necho $! > %s\n", pidFile))
	startOK(t, m, s)
	if ex := awaitExit(t, m); ex.ExitCode != 0 {
		t.Fatalf("Exit = %+v", ex)
	}
	pid := readPidFile(t, pidFile)
	waitFor(t, "background process to be killed", func() bool { return processGone(pid) })
}

func TestMemoryLimitCgroup(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	if ok, why := cgroupUsable(); !ok {
		t.Skip("no usable memory cgroup (v2 with memory controller, or v1 memory):", why)
	}
	m, _ := newTestManager(t, "")
	dir := userDir(t)
	s := nobodySpec(t, dir, "#!/bin/sh\nhead -c 300m /dev/zero | tail\n")
	s.MemLimitBytes = 50 << 20
	startOK(t, m, s)
	ex := awaitExit(t, m)
	if !ex.OOM {
		t.Errorf("Exit = %+v, want OOM", ex)
	}
	var info launchInfo
	if err := readJSON(filepath.Join(m.spool, attemptDirName(s.JobID, 0)), launchFile, &info); err != nil || info.CgroupDir == "" {
		t.Fatalf("launch info %+v, %v: want a cgroup", info, err)
	}
	if fileExists(info.CgroupDir) {
		t.Errorf("cgroup %s not removed", info.CgroupDir)
	}

	// Within the limit: no OOM.
	small := nobodySpec(t, dir, "#!/bin/sh\nhead -c 10m /dev/zero | tail | wc -c\n")
	small.MemLimitBytes = 50 << 20
	startOK(t, m, small)
	if ex := awaitExit(t, m); ex.OOM || ex.ExitCode != 0 {
		t.Errorf("Exit = %+v, want clean exit", ex)
	}
}

func TestMemoryLimitRSSPollingFallback(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	m.forceNoCgroup = true
	m.rssPollInterval = 50 * time.Millisecond
	dir := userDir(t)
	s := nobodySpec(t, dir, "#!/bin/sh\nhead -c 300m /dev/zero | tail\n")
	s.MemLimitBytes = 50 << 20
	startOK(t, m, s)
	ex := awaitExit(t, m)
	if !ex.OOM || ex.Signal != int(syscall.SIGKILL) {
		t.Errorf("Exit = %+v, want OOM and SIGKILL", ex)
	}
}

func TestLaunchFailures(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	rootOnly := searchableTempDir(t, "jobexec-rootonly") // 0755 root: nobody cannot create files
	s := nobodySpec(t, rootOnly, "#!/bin/sh\necho never\n")
	startOK(t, m, s)
	ex := awaitExit(t, m)
	if ex.ExitCode != 1 || !strings.Contains(ex.Err, "open stdout") || !strings.Contains(ex.Err, "permission denied") {
		t.Errorf("Exit = %+v, want permission denied on stdout", ex)
	}
	if fileExists(s.Stdout) {
		t.Error("output file created despite the failure")
	}

	dir := userDir(t)
	missing := nobodySpec(t, dir, "#!/nonexistent/interpreter\n")
	startOK(t, m, missing)
	if ex := awaitExit(t, m); ex.ExitCode != 1 || !strings.Contains(ex.Err, "exec") {
		t.Errorf("Exit = %+v, want exec failure", ex)
	}
}

func TestWorkDirFallsBackToTmp(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, _ := newTestManager(t, "")
	dir := userDir(t)
	s := nobodySpec(t, dir, "#!/bin/sh\npwd\n")
	s.WorkDir = filepath.Join(dir, "does-not-exist")
	startOK(t, m, s)
	if ex := awaitExit(t, m); ex.ExitCode != 0 {
		t.Fatalf("Exit = %+v", ex)
	}
	out := readFile(t, s.Stdout)
	if !strings.Contains(out, "could not chdir to "+s.WorkDir) || !strings.HasSuffix(out, "\n/tmp\n") {
		t.Errorf("output = %q, want chdir note and /tmp", out)
	}
}

// Notify's line reaches the job's stderr before the script, signalled
// next, prints anything while dying; stdout does not get it.
func TestNoticeBeforeTheEnd(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	m, spool := newTestManager(t, "")
	dir := userDir(t)
	s := nobodySpec(t, dir, "#!/bin/sh\ntrap 'echo got TERM >&2; exit 3' TERM\necho started\nsleep 300 &\nwait\n")
	s.Stderr = filepath.Join(dir, "err")
	startOK(t, m, s)
	waitFor(t, "the script to start", func() bool {
		b, _ := os.ReadFile(s.Stdout)
		return string(b) == "started\n" && fileExists(filepath.Join(spool, attemptDirName(s.JobID, s.Attempt), launchFile))
	})
	const line = "slurmstepd: error: *** JOB 1 ON n1 CANCELLED AT 2026-01-02T03:04:05 ***\n"
	if err := m.Notify(s.JobID, s.Attempt, strings.Repeat("x", MaxNoticeBytes+1)); err == nil {
		t.Fatal("an over-long notice was taken")
	}
	if err := m.Notify(s.JobID, s.Attempt, line); err != nil {
		t.Fatal(err)
	}
	if err := m.Signal(s.JobID, s.Attempt, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if ex := awaitExit(t, m); ex.ExitCode != 3 {
		t.Fatalf("Exit = %+v", ex)
	}
	if got := readFile(t, s.Stderr); got != line+"got TERM\n" {
		t.Errorf("stderr = %q", got)
	}
	if got := readFile(t, s.Stdout); got != "started\n" {
		t.Errorf("stdout = %q", got)
	}
	if err := m.Notify(s.JobID, s.Attempt, line); err != nil {
		t.Errorf("Notify after the end: %v", err)
	}
	if err := m.Notify(newJobID(), 0, line); !errors.Is(err, ErrUnknownAttempt) {
		t.Errorf("Notify of an unknown attempt: %v", err)
	}

	// A notice whose wake-up never came is written when the script is done.
	late := nobodySpec(t, dir, "#!/bin/sh\necho started\nsleep 300\n")
	late.Stdout = filepath.Join(dir, "late")
	startOK(t, m, late)
	lateDir := filepath.Join(spool, attemptDirName(late.JobID, late.Attempt))
	waitFor(t, "the script to start", func() bool {
		b, _ := os.ReadFile(late.Stdout)
		return string(b) == "started\n" && fileExists(filepath.Join(lateDir, launchFile))
	})
	if err := writeFileAtomic(lateDir, noticeFile, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.Signal(late.JobID, late.Attempt, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	awaitExit(t, m)
	if got := readFile(t, late.Stdout); got != "started\n"+line {
		t.Errorf("output with a late notice = %q", got)
	}
}
