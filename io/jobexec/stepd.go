package jobexec

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// stepdMarker is argv[1] of a supervisor process; argv[2] is the attempt
// directory. Nothing else is passed: the supervisor reads its record.
const stepdMarker = "__flurm_stepd"

// Exit codes of the supervisor itself (its job's outcome is in status.json).
const (
	stepdOK          = 0
	stepdNoLog       = 2
	stepdNoStatus    = 3
	stepdBrokenCreds = 4
)

// MaybeRunStepd must be the first thing flurmnd's main (and TestMain of any
// test binary that starts jobs) does: if this process was started as a
// per-attempt supervisor it runs it and exits; otherwise it returns at once.
func MaybeRunStepd() {
	if len(os.Args) != 3 || os.Args[1] != stepdMarker {
		return
	}
	os.Exit(runStepd(os.Args[2]))
}

// runStepd supervises one attempt from launch to status file.
func runStepd(dir string) int {
	syscall.Umask(0o022)
	logFile, err := os.OpenFile(filepath.Join(dir, stepdLogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return stepdNoLog // the Manager reports "supervisor lost"
	}
	defer logFile.Close()
	log := slog.New(slog.NewTextHandler(logFile, nil)).With("pid", os.Getpid())

	// Catch rather than ignore: ignored dispositions would be inherited by
	// the script, caught ones are reset by exec. The supervisor must survive
	// a SIGTERM meant for flurmnd (e.g. sent to its whole process group).
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		for s := range sigs {
			log.Info("supervisor ignores signal", "signal", s)
		}
	}()

	var rec record
	var st status
	if err := readJSON(dir, specFile, &rec); err != nil {
		st = launchFailure("read attempt record: %v", err)
	} else {
		log = log.With("job", rec.Spec.JobID, "attempt", rec.Spec.Attempt)
		st = runAttempt(dir, &rec, log)
	}
	if err := writeJSONAtomic(dir, statusFile, st); err != nil {
		log.Error("cannot write status", "err", err)
		return stepdNoStatus
	}
	log.Info("attempt finished", "exit_code", st.ExitCode, "signal", st.Signal, "oom", st.OOM, "err", st.Err)
	return stepdOK
}

func launchFailure(format string, args ...any) status {
	return status{ExitCode: 1, Err: fmt.Sprintf(format, args...)}
}

// runAttempt sets up the cgroup and the standard files, runs the script,
// waits for it and kills whatever of the job is left.
func runAttempt(dir string, rec *record, log *slog.Logger) status {
	s := &rec.Spec
	var cg *jobCgroup
	if !rec.NoCgroup {
		var err error
		if cg, err = createCgroup(s.JobID, s.Attempt, dir, s.MemLimitBytes); err != nil {
			log.Warn("no cgroup, falling back to RSS polling", "err", err)
		}
	}
	if cg != nil {
		defer cg.destroy(log)
	}

	stdio, err := openStdio(rec)
	if err != nil {
		return launchFailure("%v", err)
	}
	defer stdio.close()
	notices := &noticer{dir: dir, log: log}
	notices.attach(stdio.stderr)
	defer notices.attach(nil) // before stdio.close
	notices.watch()
	workDir, chdirErr := checkWorkDir(rec)
	if chdirErr != nil {
		fmt.Fprintf(stdio.stderr, "flurm: job %d: could not chdir to %s: %v; running in %s\n", s.JobID, s.WorkDir, chdirErr, workDir)
	}

	script := filepath.Join(dir, scriptFile)
	env := s.Env
	if env == nil {
		env = []string{} // nil would mean "inherit the supervisor's environment"
	}
	cmd := &exec.Cmd{
		Path:   script,
		Args:   append([]string{script}, s.Argv...),
		Env:    env,
		Dir:    workDir,
		Stdin:  stdio.stdin,
		Stdout: stdio.stdout,
		Stderr: stdio.stderr,
		// Own session, hence own process group: Signal reaches the tree
		// through the group, and through the session when there is no cgroup.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if rec.Impersonate {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: s.UID, Gid: s.GID, Groups: rec.Groups}
	}
	if err := startInCgroup(cmd, cg, log); err != nil {
		if os.IsPermission(err) {
			return launchFailure("exec %s: %v (are the spool directory and its parents searchable by uid %d?)", script, err, s.UID)
		}
		return launchFailure("exec %s: %v", script, err)
	}
	pgid := cmd.Process.Pid
	info := launchInfo{Pgid: pgid, BootID: bootID()}
	if ps, err := readProcStat(pgid); err == nil {
		info.LeaderStart = ps.StartTime
	}
	if cg != nil {
		info.CgroupDir = cg.dir
	}
	if err := writeJSONAtomic(dir, launchFile, info); err != nil {
		signalTree(pgid, info.CgroupDir, syscall.SIGKILL)
		cmd.Wait()
		return launchFailure("record launch: %v", err)
	}
	log.Info("script started", "pgid", pgid, "cgroup", info.CgroupDir)

	var rssKilled atomic.Bool
	stopPoll := make(chan struct{})
	if cg == nil && s.MemLimitBytes > 0 {
		every := rec.RSSPollInterval
		if every <= 0 {
			every = time.Second
		}
		go pollRSS(pgid, s.MemLimitBytes, every, stopPoll, &rssKilled, log)
	}
	waitErr := cmd.Wait()
	close(stopPoll)

	var st status
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		if ws.Signaled() {
			st.Signal = int(ws.Signal())
		} else {
			st.ExitCode = ws.ExitStatus()
		}
	} else {
		st = launchFailure("wait: %v", waitErr)
	}
	// The batch step ends with its script: like Slurm, kill what it left
	// behind so that nothing of the job outlives its reported exit.
	signalTree(pgid, info.CgroupDir, syscall.SIGKILL)
	notices.write() // a Notify whose wake-up came too late
	if cg != nil {
		st.OOM = cg.oomKills() > 0
	}
	st.OOM = st.OOM || rssKilled.Load()
	return st
}

// startInCgroup starts cmd so that the script is in cg from its first
// instruction: cgroup v2 via CLONE_INTO_CGROUP, v1 by having the supervisor
// enter the cgroup for the duration of the fork.
func startInCgroup(cmd *exec.Cmd, cg *jobCgroup, log *slog.Logger) error {
	if cg == nil {
		return cmd.Start()
	}
	switch cg.version {
	case cgroupV2:
		fd, err := syscall.Open(cg.dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open cgroup %s: %w", cg.dir, err)
		}
		defer syscall.Close(fd)
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = fd
		return cmd.Start()
	default:
		back, err := cg.enterSelf()
		if err != nil {
			return err
		}
		startErr := cmd.Start()
		if err := cg.leaveSelf(back); err != nil {
			log.Warn("supervisor could not leave the job cgroup", "err", err)
		}
		return startErr
	}
}

// pollRSS is the fallback memory limit when no cgroup is usable: once per
// interval it sums the RSS of the job's session and kills the session when
// over the limit. It is coarse (a fast allocator can overshoot for up to one
// interval) and misses processes that leave the session.
func pollRSS(sid int, limit int64, every time.Duration, stop <-chan struct{}, killed *atomic.Bool, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		pids, rss := sessionMembers(sid)
		if rss <= limit {
			continue
		}
		killed.Store(true)
		log.Warn("job exceeds memory limit, killing it", "rss", rss, "limit", limit)
		syscall.Kill(-sid, syscall.SIGKILL)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// noticeSignal wakes a supervisor to write its notice (Manager.Notify).
// SIGWINCH because its default action is to be ignored: a supervisor of an
// older flurmnd that does not catch it survives it, and Go's runtime does
// not use it.
const noticeSignal = syscall.SIGWINCH

// noticer writes the Manager's notice to the job's standard error once:
// when woken by noticeSignal while the script runs, or when the script is
// done.
type noticer struct {
	dir string
	log *slog.Logger

	mu      sync.Mutex
	stderr  *os.File // set while the script runs
	written bool
}

// watch writes the notice each time the supervisor is woken.
func (n *noticer) watch() {
	wake := make(chan os.Signal, 1)
	signal.Notify(wake, noticeSignal)
	go func() {
		for range wake {
			n.write()
		}
	}()
}

// attach gives the noticer the job's stderr; nil takes it away.
func (n *noticer) attach(stderr *os.File) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stderr = stderr
}

// write appends the notice, if there is one and it was not written yet,
// and marks it written by renaming it, which Notify waits for.
func (n *noticer) write() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.written || n.stderr == nil {
		return
	}
	line, err := os.ReadFile(filepath.Join(n.dir, noticeFile))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil && len(line) > MaxNoticeBytes {
		err = fmt.Errorf("%d bytes, over the limit of %d", len(line), MaxNoticeBytes)
	}
	if err == nil {
		_, err = n.stderr.Write(line)
	}
	n.written = true // a line that cannot be written is not tried again
	if err == nil {
		err = os.Rename(filepath.Join(n.dir, noticeFile), filepath.Join(n.dir, noticeWritten))
	}
	if err != nil {
		n.log.Warn("notice not written to the job's stderr", "err", err)
	}
}
