package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxPidFile bounds what is read from a pid file.
const maxPidFile = 64

// daemonProc names a daemon by its pid file and executable name; a pid is
// taken as that daemon only while /proc says it runs that executable, so a
// stale pid file can never get an unrelated process signalled.
type daemonProc struct {
	name    string // executable base name, as in /proc/PID/cmdline
	pidFile string
	stopMax time.Duration // SIGTERM grace before SIGKILL
}

// readPid returns the recorded pid, 0 when there is no pid file.
func (d daemonProc) readPid() (int, error) {
	f, err := os.Open(d.pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, maxPidFile)
	n, _ := f.Read(buf)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("%s: not a pid: %q", d.pidFile, buf[:n])
	}
	return pid, nil
}

// running returns the recorded pid if that process is alive and is this
// daemon, else 0.
func (d daemonProc) running() int {
	pid, err := d.readPid()
	if err != nil || pid == 0 || !isProcess(pid, d.name) {
		return 0
	}
	return pid
}

// isProcess reports whether pid is alive (not a zombie) and runs an
// executable whose base name is name.
func isProcess(pid int, name string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(cmdline) == 0 {
		return false
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	if filepath.Base(string(argv0)) != name {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	return true
}

// stop sends SIGTERM to the recorded process, waits up to stopMax for it
// to exit, then sends SIGKILL if the same process is still there. It
// reports whether there was a process to stop.
func (d daemonProc) stop() (bool, error) {
	pid := d.running()
	if pid == 0 {
		os.Remove(d.pidFile) // stale or absent
		return false, nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return true, fmt.Errorf("%s (pid %d): %w", d.name, pid, err)
	}
	if !waitGone(pid, d.name, d.stopMax) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return true, fmt.Errorf("%s (pid %d): %w", d.name, pid, err)
		}
		if !waitGone(pid, d.name, 5*time.Second) {
			return true, fmt.Errorf("%s (pid %d) survived SIGKILL", d.name, pid)
		}
	}
	os.Remove(d.pidFile)
	return true, nil
}

func waitGone(pid int, name string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for isProcess(pid, name) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func writePid(path string, pid int) error {
	return writeFileAtomic(path, []byte(strconv.Itoa(pid)+"\n"), 0o644)
}

// tailFile returns the last n bytes of a log, for error messages.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		f.Seek(st.Size()-n, 0)
	}
	buf := make([]byte, n)
	k, _ := f.Read(buf)
	return string(bytes.TrimSpace(buf[:k]))
}
