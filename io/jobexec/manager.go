package jobexec

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrUnknownAttempt is returned by Signal and Forget for an attempt this
// Manager neither started nor recovered (or already forgot).
var ErrUnknownAttempt = errors.New("jobexec: unknown attempt")

const (
	lockFileName      = ".lock"
	launchWaitTimeout = 30 * time.Second
	defaultPollEvery  = 250 * time.Millisecond
	supervisorArgv0   = "flurmstepd"
	// lostSignal is what an attempt whose supervisor vanished is reported
	// as: its processes are SIGKILLed when the loss is noticed.
	lostSignal = int(syscall.SIGKILL)
	lostErr    = "supervisor lost"
)

type attemptKey struct{ jobID, attempt uint32 }

// attemptState is the Manager's view of one attempt with a spool record.
type attemptState struct {
	dir      string
	launch   launchInfo
	launched bool // launch is known: the script process exists or existed
	finished bool // its Exit has been queued
	// recovered attempts are watched by polling their status file and the
	// liveness of sup; attempts started here are watched by Wait.
	recovered bool
	sup       supervisorID
}

// Manager runs batch-script attempts through per-attempt supervisors. See
// doc.go for the contract.
type Manager struct {
	spool string
	log   *slog.Logger
	root  bool
	lock  *os.File

	exits chan Exit
	kick  chan struct{} // wakes the dispatcher
	stop  chan struct{}
	wg    sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	recovered bool
	attempts  map[attemptKey]*attemptState
	pending   []Exit // queued for the dispatcher

	// Knobs for tests; zero values mean production behaviour.
	pollEvery       time.Duration
	forceNoCgroup   bool
	rssPollInterval time.Duration
}

// New opens (creating if needed) the spool directory and takes its lock: one
// Manager per spool directory at a time. A nil log discards messages.
func New(spoolDir string, log *slog.Logger) (*Manager, error) {
	return newManager(spoolDir, log, defaultPollEvery)
}

// newManager is New with the polling period of recovered attempts (tests
// shorten it).
func newManager(spoolDir string, log *slog.Logger, pollEvery time.Duration) (*Manager, error) {
	if err := checkAbsPath("spool directory", spoolDir, false); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	spoolDir = filepath.Clean(spoolDir)
	if err := os.MkdirAll(spoolDir, 0o755); err != nil {
		return nil, fmt.Errorf("jobexec: create spool directory: %w", err)
	}
	root := os.Geteuid() == 0
	if root {
		// Job users exec their script from here, so they need search
		// permission (not read): add x for everyone, as slurmd's spool has.
		fi, err := os.Stat(spoolDir)
		if err != nil {
			return nil, fmt.Errorf("jobexec: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o111 != 0o111 {
			if err := os.Chmod(spoolDir, perm|0o111); err != nil {
				return nil, fmt.Errorf("jobexec: make spool directory searchable: %w", err)
			}
		}
	}
	if root {
		warnUnsearchableAncestors(spoolDir, log)
	}
	lock, err := os.OpenFile(filepath.Join(spoolDir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("jobexec: open spool lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("jobexec: spool directory %s is in use by another process: %w", spoolDir, err)
	}
	m := &Manager{
		spool:     spoolDir,
		log:       log,
		root:      root,
		lock:      lock,
		exits:     make(chan Exit),
		kick:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		attempts:  make(map[attemptKey]*attemptState),
		pollEvery: pollEvery,
	}
	m.wg.Add(2)
	go m.dispatch()
	go m.pollRecovered()
	return m, nil
}

// Exits delivers exactly one Exit per started or recovered attempt. It is
// closed by Close.
func (m *Manager) Exits() <-chan Exit { return m.exits }

// Start launches an attempt. It returns once the script process exists, the
// launch has failed inside the supervisor, or launchWaitTimeout passed; in
// all these cases exactly one Exit follows. If Start returns an error, no
// supervisor was started and no Exit follows.
func (m *Manager) Start(s Spec) error {
	if err := s.validate(); err != nil {
		return err
	}
	rec := record{Spec: s, Impersonate: m.root, NoCgroup: m.forceNoCgroup, RSSPollInterval: m.rssPollInterval}
	rec.Spec.Script = nil
	if m.root {
		groups, err := supplementaryGroups(s)
		if err != nil {
			return err
		}
		rec.Groups = groups
	} else if int(s.UID) != os.Geteuid() || int(s.GID) != os.Getegid() {
		return fmt.Errorf("jobexec: flurmnd is not root (uid %d gid %d) and can only run its own jobs, not uid %d gid %d",
			os.Geteuid(), os.Getegid(), s.UID, s.GID)
	}

	key := attemptKey{s.JobID, s.Attempt}
	dir := filepath.Join(m.spool, attemptDirName(s.JobID, s.Attempt))
	st := &attemptState{dir: dir}
	m.mu.Lock()
	switch {
	case m.closed:
		m.mu.Unlock()
		return errors.New("jobexec: manager is closed")
	case m.attempts[key] != nil:
		m.mu.Unlock()
		return fmt.Errorf("jobexec: job %d attempt %d already exists (Forget it after its Exit)", s.JobID, s.Attempt)
	case len(m.attempts) >= MaxAttempts:
		m.mu.Unlock()
		return fmt.Errorf("jobexec: %d attempts have spool records, limit %d (Forget finished ones)", len(m.attempts), MaxAttempts)
	}
	m.attempts[key] = st // reserved; Signal sees it as not launched yet
	m.mu.Unlock()

	sup, exited, err := m.spawn(dir, &rec, s.Script)
	if err != nil {
		os.RemoveAll(dir)
		m.mu.Lock()
		delete(m.attempts, key)
		m.mu.Unlock()
		return err
	}
	m.mu.Lock()
	st.sup = sup
	m.mu.Unlock()
	m.waitLaunch(key, st, exited)
	return nil
}

// spawn writes the attempt's record and starts its supervisor. The returned
// channel is closed once the supervisor has exited and its Exit is queued.
func (m *Manager) spawn(dir string, rec *record, script []byte) (supervisorID, <-chan struct{}, error) {
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return supervisorID{}, nil, fmt.Errorf("jobexec: spool record %s already exists (a previous run's record not yet recovered and forgotten?)", dir)
		}
		return supervisorID{}, nil, fmt.Errorf("jobexec: %w", err)
	}
	// mkdir is subject to the umask; the job user must be able to search it.
	if err := os.Chmod(dir, 0o711); err != nil {
		return supervisorID{}, nil, fmt.Errorf("jobexec: %w", err)
	}
	if err := writeScript(dir, rec, script); err != nil {
		return supervisorID{}, nil, fmt.Errorf("jobexec: write script: %w", err)
	}
	if err := writeJSONAtomic(dir, specFile, rec); err != nil {
		return supervisorID{}, nil, fmt.Errorf("jobexec: write attempt record: %w", err)
	}
	cmd := &exec.Cmd{
		Path: "/proc/self/exe",
		Args: []string{supervisorArgv0, stepdMarker, dir},
		Env:  []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Dir:  "/",
		// Own session: signals for flurmnd's process group or terminal do
		// not reach it, and it outlives flurmnd. No pipes: stdio is /dev/null.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		return supervisorID{}, nil, fmt.Errorf("jobexec: start supervisor: %w", err)
	}
	sup := supervisorID{Pid: cmd.Process.Pid, BootID: bootID()}
	if ps, err := readProcStat(sup.Pid); err == nil {
		sup.StartTime = ps.StartTime
	}
	if err := writeSupervisorID(dir, sup); err != nil {
		// Only recovery after a flurmnd restart needs it; this run does not.
		m.log.Error("cannot record supervisor pid; the attempt will be reported lost if flurmnd restarts", "dir", dir, "err", err)
	}
	exited := make(chan struct{})
	key := attemptKey{rec.Spec.JobID, rec.Spec.Attempt}
	go func() {
		// Keeps reaping even after Close; only delivery stops then.
		cmd.Wait()
		m.finish(key, dir)
		close(exited)
	}()
	return sup, exited, nil
}

// writeScript writes the batch script, owned by the job user and only
// readable by it, as Slurm's spool does.
func writeScript(dir string, rec *record, script []byte) error {
	f, err := os.OpenFile(filepath.Join(dir, scriptFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		return err
	}
	_, err = f.Write(script)
	if err == nil && rec.Impersonate {
		err = f.Chown(int(rec.Spec.UID), int(rec.Spec.GID))
	}
	if err == nil {
		err = f.Chmod(0o700) // after chown, which may clear mode bits
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// supplementaryGroups resolves the groups the job runs with: the user's
// groups from the group database (initgroups semantics) plus GID.
func supplementaryGroups(s Spec) ([]uint32, error) {
	groups := []uint32{s.GID}
	if s.User == "" {
		return groups, nil
	}
	u, err := user.Lookup(s.User)
	if err != nil {
		return nil, fmt.Errorf("jobexec: look up user %q: %w", s.User, err)
	}
	if u.Uid != strconv.FormatUint(uint64(s.UID), 10) {
		return nil, fmt.Errorf("jobexec: user %q has uid %s, not %d", s.User, u.Uid, s.UID)
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("jobexec: groups of user %q: %w", s.User, err)
	}
	seen := map[uint32]bool{s.GID: true}
	for _, id := range ids {
		g, err := strconv.ParseUint(id, 10, 32)
		if err != nil || seen[uint32(g)] {
			continue
		}
		if len(groups) >= maxGroups {
			return nil, fmt.Errorf("jobexec: user %q is in more than %d groups", s.User, maxGroups)
		}
		seen[uint32(g)] = true
		groups = append(groups, uint32(g))
	}
	return groups, nil
}

// waitLaunch blocks until the supervisor reports the script started (launch
// file) or finished (status file, e.g. launch failure), or exits.
func (m *Manager) waitLaunch(key attemptKey, st *attemptState, exited <-chan struct{}) {
	deadline := time.Now().Add(launchWaitTimeout)
	delay := time.Millisecond
	for time.Now().Before(deadline) {
		var info launchInfo
		if err := readJSON(st.dir, launchFile, &info); err == nil {
			m.mu.Lock()
			st.launch, st.launched = info, true
			m.mu.Unlock()
			return
		}
		if _, err := os.Stat(filepath.Join(st.dir, statusFile)); err == nil {
			return
		}
		select {
		case <-exited:
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
	m.log.Warn("supervisor has not launched the script yet; Start returns anyway", "job", key.jobID, "attempt", key.attempt)
}

// warnUnsearchableAncestors logs the parents of the spool directory that
// other users cannot traverse: every job of another user would then fail to
// exec its script. It is a warning, not an error, because all jobs may be
// root's.
func warnUnsearchableAncestors(spoolDir string, log *slog.Logger) {
	for dir := filepath.Dir(spoolDir); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o001 == 0 {
			log.Warn("spool directory parent is not searchable by other users; their jobs cannot exec their scripts", "dir", dir, "mode", fi.Mode().Perm())
		}
		if dir == "/" || dir == "." {
			return
		}
	}
}
