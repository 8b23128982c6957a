package jobexec

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// fallbackWorkDir is where a job runs when it cannot enter its WorkDir.
const fallbackWorkDir = "/tmp"

// stdioFiles are the script's standard files, opened by the supervisor.
type stdioFiles struct {
	stdin, stdout, stderr *os.File
}

func (f *stdioFiles) close() {
	for _, file := range []*os.File{f.stdin, f.stdout, f.stderr} {
		if file != nil {
			file.Close() // stderr may equal stdout: the second Close just fails
		}
	}
}

// openStdio opens the job's files with the job user's identity, so that
// permissions are checked for the user and created files belong to it.
func openStdio(rec *record) (*stdioFiles, error) {
	s := &rec.Spec
	files := &stdioFiles{}
	err := asUser(rec, func() error {
		inPath := s.Stdin
		if inPath == "" {
			inPath = os.DevNull
		}
		var err error
		if files.stdin, err = os.Open(inPath); err != nil {
			return fmt.Errorf("open stdin: %w", err)
		}
		flags := os.O_WRONLY | os.O_CREATE
		if s.Append {
			flags |= os.O_APPEND
		} else {
			flags |= os.O_TRUNC
		}
		if files.stdout, err = os.OpenFile(s.Stdout, flags, 0o644); err != nil {
			return fmt.Errorf("open stdout: %w", err)
		}
		if s.Stderr == "" || s.Stderr == s.Stdout {
			files.stderr = files.stdout
			return nil
		}
		if files.stderr, err = os.OpenFile(s.Stderr, flags, 0o644); err != nil {
			return fmt.Errorf("open stderr: %w", err)
		}
		return nil
	})
	if err != nil {
		files.close()
		return nil, err
	}
	return files, nil
}

// checkWorkDir tries to enter WorkDir as the user. On failure the job runs
// in /tmp, as Slurm does, and the error is returned for the job's stderr.
func checkWorkDir(rec *record) (string, error) {
	err := asUser(rec, func() error { return syscall.Chdir(rec.Spec.WorkDir) })
	syscall.Chdir("/") // the supervisor itself never depends on its cwd
	if err != nil {
		return fallbackWorkDir, err
	}
	return rec.Spec.WorkDir, nil
}

// asUser runs fn with the effective uid, gid and groups of the job user.
// Go applies setgroups/setegid/seteuid to every thread of the process, so
// the switch is process-wide; the supervisor does nothing else meanwhile.
// Failing to switch back is fatal: the supervisor could not write its
// status, and the Manager will report the attempt as lost.
func asUser(rec *record, fn func() error) error {
	if !rec.Impersonate {
		return fn()
	}
	savedGroups, err := syscall.Getgroups()
	if err != nil {
		return fmt.Errorf("getgroups: %w", err)
	}
	groups := make([]int, len(rec.Groups))
	for i, g := range rec.Groups {
		groups[i] = int(g)
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	restore := func() error {
		return errors.Join(syscall.Seteuid(0), syscall.Setegid(0), syscall.Setgroups(savedGroups))
	}
	defer func() {
		if err := restore(); err != nil {
			fmt.Fprintf(os.Stderr, "jobexec: cannot restore root credentials: %v\n", err)
			os.Exit(stepdBrokenCreds)
		}
	}()
	if err := syscall.Setegid(int(rec.Spec.GID)); err != nil {
		return fmt.Errorf("setegid %d: %w", rec.Spec.GID, err)
	}
	if err := syscall.Seteuid(int(rec.Spec.UID)); err != nil {
		return fmt.Errorf("seteuid %d: %w", rec.Spec.UID, err)
	}
	return fn()
}
