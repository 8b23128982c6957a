package jobexec

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Limits on what one attempt may carry. They keep a malformed or hostile
// request from exhausting the node daemon or the kernel's argument space
// (execve fails beyond ~2 MiB of argv+env and 128 KiB per string anyway).
const (
	MaxScriptBytes = 4 << 20 // Slurm's default max_script_size
	MaxArgs        = 1024
	MaxEnvVars     = 4096
	MaxStringBytes = 128 << 10 // MAX_ARG_STRLEN of Linux
	MaxArgEnvBytes = 1 << 20   // argv + env together
	MaxPathBytes   = 4095
	MaxAttempts    = 1024 // attempts with a spool record (running or not yet forgotten)
	maxGroups      = 65536
)

// Spec describes one batch-script attempt. All fields are computed by the
// caller; jobexec only validates and executes them.
type Spec struct {
	JobID, Attempt uint32
	UID, GID       uint32
	User           string   // user name, for supplementary groups (initgroups semantics via os/user LookupGroupIds); empty: only GID
	WorkDir        string   // chdir here (as the user); if it fails, fall back to /tmp as Slurm does and note it on stderr of the job
	Script         []byte   // batch script; must start with "#!"
	Argv           []string // extra script arguments (argv[1:])
	Env            []string // complete environment, already computed by the caller
	Stdout, Stderr string   // absolute paths, patterns already expanded; Stderr "" = same file as Stdout
	Stdin          string   // "" = /dev/null
	Append         bool     // open output with O_APPEND instead of O_TRUNC
	MemLimitBytes  int64    // 0 = no limit
}

// Exit is the outcome of one attempt. Exactly one is delivered per started or
// recovered attempt.
type Exit struct {
	JobID, Attempt uint32
	ExitCode       int    // 0-255 when exited
	Signal         int    // terminating signal, 0 if exited normally
	OOM            bool   // killed for exceeding MemLimitBytes
	Err            string // launch failure (could not open output, chdir, exec...); then ExitCode is 1 as Slurm reports
}

// Running names an attempt found alive by Recover.
type Running struct{ JobID, Attempt uint32 }

// validate checks everything that can be checked without touching the
// system, so that bad input is refused by Start with a clear error.
func (s *Spec) validate() error {
	if s.JobID == 0 {
		return errors.New("jobexec: JobID 0 is invalid")
	}
	if len(s.Script) == 0 {
		return errors.New("jobexec: empty script")
	}
	if len(s.Script) > MaxScriptBytes {
		return fmt.Errorf("jobexec: script is %d bytes, limit %d", len(s.Script), MaxScriptBytes)
	}
	if !bytes.HasPrefix(s.Script, []byte("#!")) {
		return errors.New(`jobexec: script does not start with "#!" (an interpreter line is required)`)
	}
	if len(s.User) > 256 || strings.ContainsAny(s.User, "\x00/:\n") {
		return fmt.Errorf("jobexec: invalid user name %q", s.User)
	}
	if err := checkAbsPath("WorkDir", s.WorkDir, false); err != nil {
		return err
	}
	if err := checkAbsPath("Stdout", s.Stdout, false); err != nil {
		return err
	}
	if err := checkAbsPath("Stderr", s.Stderr, true); err != nil {
		return err
	}
	if err := checkAbsPath("Stdin", s.Stdin, true); err != nil {
		return err
	}
	if s.MemLimitBytes < 0 {
		return fmt.Errorf("jobexec: negative MemLimitBytes %d", s.MemLimitBytes)
	}
	if len(s.Argv) > MaxArgs {
		return fmt.Errorf("jobexec: %d arguments, limit %d", len(s.Argv), MaxArgs)
	}
	if len(s.Env) > MaxEnvVars {
		return fmt.Errorf("jobexec: %d environment variables, limit %d", len(s.Env), MaxEnvVars)
	}
	total := 0
	for i, a := range s.Argv {
		if err := checkExecString(fmt.Sprintf("Argv[%d]", i), a); err != nil {
			return err
		}
		total += len(a) + 1
	}
	for i, e := range s.Env {
		if err := checkExecString(fmt.Sprintf("Env[%d]", i), e); err != nil {
			return err
		}
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return fmt.Errorf("jobexec: Env[%d] %.40q is not NAME=value", i, e)
		}
		total += len(e) + 1
	}
	if total > MaxArgEnvBytes {
		return fmt.Errorf("jobexec: arguments and environment total %d bytes, limit %d", total, MaxArgEnvBytes)
	}
	return nil
}

func checkAbsPath(field, p string, emptyOK bool) error {
	if p == "" {
		if emptyOK {
			return nil
		}
		return fmt.Errorf("jobexec: %s is empty", field)
	}
	if len(p) > MaxPathBytes {
		return fmt.Errorf("jobexec: %s is %d bytes long, limit %d", field, len(p), MaxPathBytes)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("jobexec: %s contains a NUL byte", field)
	}
	if !filepath.IsAbs(p) {
		return fmt.Errorf("jobexec: %s %q is not an absolute path", field, p)
	}
	return nil
}

func checkExecString(field, v string) error {
	if len(v) > MaxStringBytes {
		return fmt.Errorf("jobexec: %s is %d bytes, limit %d", field, len(v), MaxStringBytes)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("jobexec: %s contains a NUL byte", field)
	}
	return nil
}
