package nodeagent

import (
	"log/slog"
	"path"
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
			ExitCode: ex.ExitCode, Signal: ex.Signal}
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
