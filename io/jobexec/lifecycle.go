package jobexec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// Recover adopts the spool records left by a previous flurmnd process. It
// returns the attempts whose supervisors still run; every record (running,
// finished while flurmnd was down, or with a vanished supervisor) yields
// exactly one Exit later. Call it once, right after New.
func (m *Manager) Recover() ([]Running, error) {
	m.mu.Lock()
	switch {
	case m.closed:
		m.mu.Unlock()
		return nil, errors.New("jobexec: manager is closed")
	case m.recovered:
		m.mu.Unlock()
		return nil, errors.New("jobexec: Recover called twice")
	}
	m.recovered = true
	m.mu.Unlock()

	entries, err := os.ReadDir(m.spool)
	if err != nil {
		return nil, fmt.Errorf("jobexec: read spool directory: %w", err)
	}
	var running []Running
	var overLimit int
	for _, e := range entries {
		jobID, attempt, ok := parseAttemptDirName(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		key := attemptKey{jobID, attempt}
		st := &attemptState{dir: filepath.Join(m.spool, e.Name()), recovered: true}
		var info launchInfo
		if readJSON(st.dir, launchFile, &info) == nil {
			st.launch, st.launched = info, true
		}
		sup, supErr := readSupervisorID(st.dir)
		if supErr != nil || !supervisorAlive(sup) {
			// Perhaps never recorded: flurmnd died between starting the
			// supervisor and writing its identity.
			if found, ok := findSupervisor(st.dir); ok {
				sup, supErr = found, nil
				if err := writeSupervisorID(st.dir, sup); err != nil {
					m.log.Warn("cannot record a found supervisor", "dir", st.dir, "err", err)
				}
			}
		}
		st.sup = sup
		m.mu.Lock()
		if m.attempts[key] != nil { // started by this Manager before Recover
			m.mu.Unlock()
			continue
		}
		if len(m.attempts) >= MaxAttempts {
			m.mu.Unlock()
			overLimit++
			continue
		}
		m.attempts[key] = st
		m.mu.Unlock()

		_, finished, statusErr := readStatus(st.dir)
		if !finished && statusErr == nil && supErr == nil && supervisorAlive(sup) {
			running = append(running, Running{JobID: jobID, Attempt: attempt})
			continue
		}
		m.deliver(key, m.outcome(key, st.dir))
	}
	sort.Slice(running, func(i, j int) bool {
		a, b := running[i], running[j]
		return a.JobID < b.JobID || a.JobID == b.JobID && a.Attempt < b.Attempt
	})
	if overLimit > 0 {
		return running, fmt.Errorf("jobexec: %d spool records beyond the limit of %d were not recovered", overLimit, MaxAttempts)
	}
	return running, nil
}

// Signal sends sig to the whole process tree of the attempt: its process
// group and its cgroup (or, without a cgroup, its session). It is not an
// error if the attempt has already finished.
func (m *Manager) Signal(jobID, attempt uint32, sig syscall.Signal) error {
	key := attemptKey{jobID, attempt}
	m.mu.Lock()
	st := m.attempts[key]
	if st == nil {
		m.mu.Unlock()
		return fmt.Errorf("%w: job %d attempt %d", ErrUnknownAttempt, jobID, attempt)
	}
	finished, launched, info, dir := st.finished, st.launched, st.launch, st.dir
	m.mu.Unlock()
	if finished || fileExists(filepath.Join(dir, statusFile)) {
		return nil
	}
	if !launched {
		if err := readJSON(dir, launchFile, &info); err != nil {
			if fileExists(filepath.Join(dir, statusFile)) {
				return nil
			}
			return fmt.Errorf("jobexec: job %d attempt %d has not launched its script yet", jobID, attempt)
		}
	}
	if err := signalTree(info.Pgid, info.CgroupDir, sig); err != nil {
		return fmt.Errorf("jobexec: signal job %d attempt %d: %w", jobID, attempt, err)
	}
	return nil
}

// MaxNoticeBytes bounds a Notify line.
const MaxNoticeBytes = 1024

// noticeWait bounds how long Notify waits for the supervisor to write the
// line; a supervisor that does not answer in time writes it when the
// script is done.
const noticeWait = 500 * time.Millisecond

// Notify has the supervisor write line to the job's standard error file:
// the reason the controller gave for ending the attempt, written where
// and when slurmstepd writes it, before the signal that ends the job, so
// that it comes before whatever the script prints while it dies. Notify
// returns once the line is written, or after noticeWait (the supervisor
// then writes it when the script is done). An attempt already finished
// gets nothing, and that is not an error.
func (m *Manager) Notify(jobID, attempt uint32, line string) error {
	if len(line) > MaxNoticeBytes {
		return fmt.Errorf("jobexec: notice of %d bytes exceeds %d", len(line), MaxNoticeBytes)
	}
	key := attemptKey{jobID, attempt}
	m.mu.Lock()
	st := m.attempts[key]
	var sup supervisorID
	var dir string
	if st != nil {
		sup, dir = st.sup, st.dir
	}
	m.mu.Unlock()
	if st == nil {
		return fmt.Errorf("%w: job %d attempt %d", ErrUnknownAttempt, jobID, attempt)
	}
	if fileExists(filepath.Join(dir, statusFile)) {
		return nil
	}
	if err := writeFileAtomic(dir, noticeFile, []byte(line), 0o600); err != nil {
		return err
	}
	if !fileExists(filepath.Join(dir, launchFile)) || !supervisorAlive(sup) {
		return nil // no script yet, or no supervisor to write it now
	}
	if err := syscall.Kill(sup.Pid, noticeSignal); err != nil {
		return nil
	}
	for deadline := time.Now().Add(noticeWait); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if fileExists(filepath.Join(dir, noticeWritten)) {
			return nil
		}
	}
	m.log.Warn("jobexec: supervisor did not write the notice in time; it will when the script ends", "job", jobID, "attempt", attempt)
	return nil
}

// Forget removes the spool record of an attempt whose Exit has been
// delivered. Until then the record survives flurmnd restarts.
func (m *Manager) Forget(jobID, attempt uint32) error {
	key := attemptKey{jobID, attempt}
	m.mu.Lock()
	st := m.attempts[key]
	if st == nil {
		m.mu.Unlock()
		return fmt.Errorf("%w: job %d attempt %d", ErrUnknownAttempt, jobID, attempt)
	}
	if !st.finished {
		m.mu.Unlock()
		return fmt.Errorf("jobexec: job %d attempt %d is still running; Forget it after its Exit", jobID, attempt)
	}
	delete(m.attempts, key)
	m.mu.Unlock()
	if err := os.RemoveAll(st.dir); err != nil {
		return fmt.Errorf("jobexec: remove spool record: %w", err)
	}
	return nil
}

// Close stops delivering Exits and closes the Exits channel. It does not
// touch running jobs or their supervisors: a later Manager on the same spool
// directory recovers them, and re-delivers every Exit not yet Forgotten.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	close(m.stop)
	m.mu.Unlock()
	m.wg.Wait()
	close(m.exits)
	m.lock.Close() // releases the flock
}

// finish is called when a supervisor started by this Manager has exited.
func (m *Manager) finish(key attemptKey, dir string) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return // the next Manager reads the status file
	}
	m.deliver(key, m.outcome(key, dir))
}

// outcome turns the status file into an Exit. It is only called once the
// supervisor is known to be gone, so a missing status file means the
// supervisor died without writing it: its orphaned job is killed.
func (m *Manager) outcome(key attemptKey, dir string) Exit {
	ex := Exit{JobID: key.jobID, Attempt: key.attempt}
	st, ok, err := readStatus(dir)
	switch {
	case err != nil:
		ex.ExitCode, ex.Err = 1, fmt.Sprintf("unreadable status: %v", err)
	case ok:
		ex.ExitCode, ex.Signal, ex.OOM, ex.Err = st.ExitCode, st.Signal, st.OOM, st.Err
	default:
		ex.Signal, ex.Err = lostSignal, lostErr
		var info launchInfo
		if readJSON(dir, launchFile, &info) == nil && processGroupStillOurs(info) {
			signalTree(info.Pgid, info.CgroupDir, syscall.SIGKILL)
			if info.CgroupDir != "" {
				time.Sleep(50 * time.Millisecond) // let the killed processes leave the cgroup
				os.Remove(info.CgroupDir)
			}
		}
		m.log.Warn("supervisor vanished without a status; job killed", "job", key.jobID, "attempt", key.attempt)
	}
	return ex
}

// deliver queues the attempt's Exit unless one was queued already.
func (m *Manager) deliver(key attemptKey, ex Exit) {
	m.mu.Lock()
	st := m.attempts[key]
	if m.closed || st == nil || st.finished {
		m.mu.Unlock()
		return
	}
	st.finished = true
	m.pending = append(m.pending, ex)
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// dispatch moves queued Exits to the Exits channel, so that delivering never
// blocks the goroutines that detect exits.
func (m *Manager) dispatch() {
	defer m.wg.Done()
	for {
		m.mu.Lock()
		var next Exit
		have := len(m.pending) > 0
		if have {
			next = m.pending[0]
		}
		m.mu.Unlock()
		if !have {
			select {
			case <-m.kick:
				continue
			case <-m.stop:
				return
			}
		}
		select {
		case m.exits <- next:
			m.mu.Lock()
			m.pending = m.pending[1:]
			m.mu.Unlock()
		case <-m.stop:
			return
		}
	}
}

// pollRecovered watches recovered attempts, whose supervisors are not our
// children: an attempt is over when its status file appears or its
// supervisor is gone.
func (m *Manager) pollRecovered() {
	defer m.wg.Done()
	t := time.NewTicker(m.pollEvery)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		type watched struct {
			key attemptKey
			st  *attemptState
			sup supervisorID
		}
		var list []watched
		m.mu.Lock()
		for key, st := range m.attempts {
			if st.recovered && !st.finished {
				list = append(list, watched{key, st, st.sup})
			}
		}
		m.mu.Unlock()
		for _, w := range list {
			_, done, err := readStatus(w.st.dir)
			if done || err != nil || !supervisorAlive(w.sup) {
				m.deliver(w.key, m.outcome(w.key, w.st.dir))
			}
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
