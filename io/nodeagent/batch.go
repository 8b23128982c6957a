package nodeagent

import (
	"log/slog"
	"os"
	"os/user"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/flurm/flurm/core/agent"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/jobexec"
)

// BatchExecutor runs batch scripts with io/jobexec: the environment and
// output file names come from core/agent (BatchEnv, OutputPath), so what
// a script sees is decided by tested pure code.
type BatchExecutor struct {
	Node     string
	Jobs     *jobexec.Manager
	ExtraEnv []string // overlaid last, e.g. SLURM_CONF
	Log      *slog.Logger

	exits chan agent.ProcExit
}

// NewBatchExecutor wraps m; it owns m's Exits from now on.
func NewBatchExecutor(node string, m *jobexec.Manager, extraEnv []string, log *slog.Logger) *BatchExecutor {
	e := &BatchExecutor{Node: node, Jobs: m, ExtraEnv: extraEnv, Log: log, exits: make(chan agent.ProcExit, 64)}
	go e.forward()
	return e
}

func (e *BatchExecutor) forward() {
	for ex := range e.Jobs.Exits() {
		pe := agent.ProcExit{Job: state.JobAttempt{ID: state.JobID(ex.JobID), Attempt: ex.Attempt},
			ExitCode: ex.ExitCode, Signal: ex.Signal, OOM: ex.OOM}
		switch {
		case ex.OOM:
			e.Log.Warn("job exceeded its memory limit and was killed", "job", ex.JobID)
			if pe.Signal == 0 {
				pe.Signal = int(syscall.SIGKILL)
			}
		case ex.Err != "":
			e.Log.Warn("batch job could not run", "job", ex.JobID, "err", ex.Err)
		}
		e.exits <- pe
	}
	close(e.exits)
}

// Spec turns a launch into what jobexec runs.
func (e *BatchExecutor) Spec(l msg.Launch) jobexec.Spec {
	if wantsUserEnv(l.Spec.Env) {
		// The job's own variables win over the login defaults.
		l.Spec.Env = append(loginEnv(l.Spec.UID), l.Spec.Env...)
	}
	s := jobexec.Spec{
		JobID: uint32(l.Job.ID), Attempt: l.Job.Attempt, UID: l.Spec.UID, GID: l.Spec.GID, User: l.Spec.User,
		WorkDir: l.Spec.WorkDir, Script: []byte(l.Spec.Script), Env: agent.BatchEnv(l, e.Node, e.ExtraEnv...),
		Stdout: agent.OutputPath(l.Spec.StdOut, l, e.Node), Append: l.Spec.OpenAppend,
	}
	if s.WorkDir == "" {
		s.WorkDir = "/tmp"
	}
	if len(l.Spec.Argv) > 1 {
		s.Argv = l.Spec.Argv[1:] // argv[0] is the script's name
	}
	if l.Spec.StdErr != "" {
		s.Stderr = agent.OutputPath(l.Spec.StdErr, l, e.Node)
	}
	if in := l.Spec.StdIn; in != "" {
		if !path.IsAbs(in) {
			in = path.Join(s.WorkDir, in)
		}
		s.Stdin = in
	}
	if l.Spec.MemPerNode > 0 || l.Spec.MemPerCPU > 0 {
		s.MemLimitBytes = l.MemMB << 20
	}
	return s
}

// Start implements Executor.
func (e *BatchExecutor) Start(l msg.Launch) error { return e.Jobs.Start(e.Spec(l)) }

// Signal implements Executor.
func (e *BatchExecutor) Signal(j state.JobAttempt, sig syscall.Signal) error {
	return e.Jobs.Signal(uint32(j.ID), j.Attempt, sig)
}

// Notify implements Executor.
func (e *BatchExecutor) Notify(j state.JobAttempt, line string) error {
	return e.Jobs.Notify(uint32(j.ID), j.Attempt, line)
}

// Recover implements Executor.
func (e *BatchExecutor) Recover() ([]state.JobAttempt, error) {
	rs, err := e.Jobs.Recover()
	out := make([]state.JobAttempt, len(rs))
	for i, r := range rs {
		out[i] = state.JobAttempt{ID: state.JobID(r.JobID), Attempt: r.Attempt}
	}
	return out, err
}

// Exits implements Executor.
func (e *BatchExecutor) Exits() <-chan agent.ProcExit { return e.exits }

// Forget implements Executor.
func (e *BatchExecutor) Forget(j state.JobAttempt) error {
	return e.Jobs.Forget(uint32(j.ID), j.Attempt)
}

// loginEnv is the environment a login of user would start with, for jobs
// submitted with --export=NONE (sbatch then sends SLURM_GET_USER_ENV=1 and
// only SLURM_* variables). Slurm runs `su - user` and captures what the
// user's profile sets; FLURM builds the variables login(1) itself sets
// from the password database, which works for users whose shell is
// nologin too, and does not run the user's profile (DIFFERENCES.md).
func loginEnv(uid uint32) []string {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return nil
	}
	shell := "/bin/sh"
	if s := passwdShell(u.Username); s != "" {
		shell = s
	}
	return []string{"HOME=" + u.HomeDir, "USER=" + u.Username, "LOGNAME=" + u.Username, "SHELL=" + shell,
		"PATH=/usr/local/bin:/usr/bin:/bin"}
}

// passwdShell reads user's login shell from /etc/passwd ("" if absent).
func passwdShell(name string) string {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil || len(b) > 16<<20 {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) == 7 && f[0] == name {
			return f[6]
		}
	}
	return ""
}

// wantsUserEnv reports whether sbatch asked for the user's login
// environment (--export=NONE or --get-user-env).
func wantsUserEnv(env []string) bool { return slices.Contains(env, "SLURM_GET_USER_ENV=1") }
