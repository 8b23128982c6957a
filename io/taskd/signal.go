package taskd

import (
	"syscall"
	"time"

	"github.com/flurm/flurm/io/slurmproto"
)

// Flags of REQUEST_SIGNAL_TASKS (slurm.h KILL_*).
const (
	killJobBatch  = 0x1
	killStepsOnly = 0x4
	killFullJob   = 0x8
)

// Slurm's pseudo-signals (slurm_protocol_defs.h SIG_*).
const (
	sigTermKill  = 991 // SIGCONT + SIGTERM, SIGKILL after KillWait
	sigDebugWake = 995
	sigFirst     = 990 // SIG_UME, SIG_REQUEUED, ... SIG_FAILURE: all end the step
	sigLast      = 999
)

// SignalJob sends sig to every task of every step of jobID on this node
// (scancel --signal, the time limit's warning or SIGTERM). The batch
// script is not a step of this package and is not signalled here.
func (s *Server) SignalJob(jobID uint32, sig syscall.Signal) {
	for _, st := range s.stepsOf(jobID) {
		st.signal(sig, sig == syscall.SIGKILL)
	}
}

// EndJob is called when jobID's allocation on this node ended: its
// steps' tasks are killed and credentials created for it so far are
// refused from now on (ESLURMD_CREDENTIAL_REVOKED).
func (s *Server) EndJob(jobID uint32) {
	s.creds.revoke(jobID, time.Now())
	for _, st := range s.stepsOf(jobID) {
		st.signal(syscall.SIGKILL, true)
	}
}

func (s *Server) stepsOf(jobID uint32) []*step {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*step
	for k, st := range s.steps {
		if k.job == jobID {
			out = append(out, st)
		}
	}
	return out
}

// handleSignal serves REQUEST_SIGNAL_TASKS and REQUEST_TERMINATE_TASKS
// (slurmd's _rpc_signal_tasks / _rpc_terminate_tasks): only the job's
// owner, root or SlurmUser may; terminate is SIGKILL to the step.
func (s *Server) handleSignal(r *request, m *slurmproto.SignalTasksRequest) uint32 {
	steps := s.stepsOf(m.StepID.JobID)
	var owner uint32
	switch uid, ok := s.cfg.Host.JobOnNode(m.StepID.JobID); {
	case len(steps) > 0:
		owner = steps[0].uid
	case ok:
		owner = uid
	default:
		return slurmproto.RCInvalidJobID
	}
	if r.uid != owner && !s.superUser(r.uid) {
		s.log.Warn("taskd: signal refused", "job", m.StepID.JobID, "uid", r.uid, "owner", owner)
		return slurmproto.RCUserIDMissing
	}
	sig := int(m.Signal)
	if r.header.MsgType == slurmproto.RequestTerminateTasks {
		sig = int(syscall.SIGKILL)
	}
	whole := r.header.MsgType == slurmproto.RequestSignalTasks && m.Flags&(killJobBatch|killStepsOnly|killFullJob) != 0
	var targets []*step
	for _, st := range steps {
		if whole || (st.id.StepID == m.StepID.StepID && st.id.StepHetComp == m.StepID.StepHetComp) {
			targets = append(targets, st)
		}
	}
	if len(targets) == 0 {
		if whole {
			return slurmproto.RCSuccess // no step runs here: nothing to signal
		}
		return slurmproto.RCInvalidJobID
	}
	s.log.Info("taskd: signal", "job", m.StepID.JobID, "step", m.StepID.StepID, "signal", sig, "uid", r.uid, "steps", len(targets))
	for _, st := range targets {
		switch {
		case sig == 0:
		case sig == sigTermKill:
			st.termKill(s.cfg.KillWait)
		case sig == sigDebugWake:
			st.signal(syscall.SIGCONT, false)
		case sig >= sigFirst && sig <= sigLast:
			st.signal(syscall.SIGKILL, true)
		case sig < 1 || sig > 64:
			return slurmproto.RCEInval
		default:
			st.signal(syscall.Signal(sig), sig == int(syscall.SIGKILL))
		}
	}
	return slurmproto.RCSuccess
}

// signal sends sig to each running task's process group. byCmd marks
// the tasks as killed on request (their status does not make the step
// fail) and keeps tasks not yet started from starting.
func (st *step) signal(sig syscall.Signal, byCmd bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if byCmd {
		st.killedAll = true
	}
	if !st.started {
		return
	}
	for _, t := range st.tasks {
		if t.pid <= 0 {
			continue
		}
		select {
		case <-t.exited:
			continue
		default:
		}
		if byCmd {
			t.killed = true
		}
		if err := syscall.Kill(-t.pid, sig); err == syscall.ESRCH {
			_ = syscall.Kill(t.pid, sig)
		}
	}
}

// termKill is SIG_TERM_KILL: SIGCONT and SIGTERM now, SIGKILL after
// wait unless the step ended.
func (st *step) termKill(wait time.Duration) {
	st.signal(syscall.SIGCONT, false)
	st.signal(syscall.SIGTERM, false)
	go func() {
		select {
		case <-st.done:
		case <-time.After(wait):
			st.signal(syscall.SIGKILL, true)
		}
	}()
}
