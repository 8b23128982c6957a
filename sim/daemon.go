package sim

import (
	"cmp"
	"slices"
	"time"

	"github.com/flurm/flurm/core/agent"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// The node daemon restart, as io/nodeagent does it in production: flurmnd
// stops (a crash, an upgrade) while batch scripts keep running under their
// own supervisors (io/jobexec), and the next flurmnd adopts them from its
// launch records. The simulated host keeps the same records:
//
//   - one per attempt it started (StartProc), written before the processes
//     start, with the exit once the processes end, as the executor keeps it
//     until told to forget;
//   - dropped once the agent no longer Tracks the attempt, checked after
//     every event as nodeagent's forgetAcknowledged does;
//   - on a daemon start, every record is Adopted before the first event,
//     scripts and allocations (nodes that do not run the batch script)
//     alike; an attempt whose processes ended, before or while the daemon
//     was down, has its exit reported again; one still running reports
//     its exit when it comes (exitAfter).
//
// A machine crash (nodeProc.crash) loses processes and records alike.

// launchRecord is the host's record of one started attempt.
type launchRecord struct {
	launch msg.Launch
	exit   *agent.ProcExit // set once the processes ended
}

// runsScript reports whether node runs l's batch script: only the first
// node of a job with a script does; the others only hold an allocation
// (io/nodeagent's rule).
func runsScript(l msg.Launch, node string) bool {
	return l.Spec.Script != "" && len(l.Nodes) > 0 && l.Nodes[0] == node
}

// startDaemon starts a new agent with a new incarnation on a booted
// machine and adopts every recorded attempt before its first event.
func (p *nodeProc) startDaemon() {
	p.inc++
	cfg := p.cfg
	cfg.Incarnation = p.r.u64()
	p.a, p.up = agent.New(cfg), true
	recs := p.sortedRecords()
	for _, j := range recs {
		l := p.records[j].launch
		p.a.Adopt(l)
		if runsScript(l, p.name) {
			p.w.check.adopted[j] = true
		}
	}
	p.w.tracef("node %s start inc=%d adopted=%d", p.name, p.inc, len(recs))
	if len(recs) > 0 {
		p.w.check.sometimes("daemon.adopted")
	}
	// As nodeagent's loop: its select takes the first timer and the exits
	// queued while the daemon was down (scripts that ended, allocations
	// that were ended) in either order. Allocations are adopted like
	// scripts: they hold resources and nothing of theirs died with the
	// daemon.
	var exits []agent.ProcExit
	for _, j := range recs {
		rec := p.records[j]
		if rec != nil && !runsScript(rec.launch, p.name) {
			p.w.check.sometimes("daemon.alloc_adopted")
		}
		if rec != nil && rec.exit != nil {
			exits = append(exits, *rec.exit)
		}
	}
	// Draw only when it matters, so a plain boot leaves the stream alone.
	exitsFirst := len(exits) > 0 && p.r.chance(0.5)
	if p.exitsOrder != "" {
		exitsFirst = p.exitsOrder == "first" // a scenario's choice
		p.exitsOrder = ""
	}
	if !exitsFirst {
		p.handle(agent.Tick{})
	}
	for _, ex := range exits {
		p.w.check.sometimes("daemon.exit_redelivered")
		p.handle(ex)
	}
	if exitsFirst {
		p.handle(agent.Tick{})
	}
}

// writtenOff checks the jobs a registration just requeued or failed for
// lost attempts. An attempt whose batch script ended and whose end the
// node still holds in its launch record was not lost: its end is known
// and waits to be reported. Writing it off (new incarnation, Running
// without it) would run a finished job again, or end it NODE_FAIL instead
// of with its own exit code. core/controller's accountedFor prevents it.
func (c *checker) writtenOff(reg state.Register, sm *state.Machine, changed []jobTransition) {
	if reg.Node < 0 || reg.Node >= len(c.w.nodes) {
		return
	}
	p := c.w.nodes[reg.Node]
	for _, t := range changed {
		if t.from != state.JobRunning || (t.to != state.JobPending && t.to != state.JobNodeFail) {
			continue
		}
		j := sm.Job(t.id)
		if j == nil {
			continue
		}
		a := state.JobAttempt{ID: t.id, Attempt: j.Attempt}
		if t.to == state.JobPending {
			a.Attempt--
		}
		if rec := p.records[a]; rec != nil && rec.exit != nil && runsScript(rec.launch, p.name) {
			c.w.fail("job %d attempt %d: the registration of node %s wrote it off (%v) although its batch script ended with exit %d:%d and the node still holds that report",
				a.ID, a.Attempt, p.name, t.to, rec.exit.ExitCode, rec.exit.Signal)
		}
	}
}

// adoptedEnded counts an adopted batch attempt whose end the committed
// state recorded with its own exit code: the survival path, start to end.
func (c *checker) adoptedEnded(pe state.ProcEnded, sm *state.Machine) {
	if !c.adopted[pe.Job] {
		return
	}
	if j := sm.Job(pe.Job.ID); j != nil && j.Attempt == pe.Job.Attempt && len(j.Nodes) > 0 && j.Nodes[0] == pe.Node &&
		(j.State == state.JobCompleted || j.State == state.JobFailed) {
		delete(c.adopted, pe.Job)
		c.sometimes("daemon.adopted_job_finished")
	}
}

type jobTransition struct {
	id       state.JobID
	from, to state.JobState
}

// stopDaemon ends the agent daemon alone: processes and records stay.
func (p *nodeProc) stopDaemon() {
	if !p.up {
		return
	}
	p.up, p.a = false, nil
	p.w.tracef("node %s daemon stop running=%d records=%d", p.name, len(p.procs), len(p.records))
	p.w.check.sometimes("fault.node_daemon_stop")
	if len(p.procs) > 0 {
		p.w.check.sometimes("daemon.stop_with_running_jobs")
	}
}

// restartDaemon starts the daemon again after stopDaemon, if the machine
// did not crash meanwhile.
func (p *nodeProc) restartDaemon() {
	if p.up || !p.booted {
		return
	}
	p.w.check.sometimes("fault.node_daemon_restart")
	p.startDaemon()
}

// forgetAcknowledged drops the records of attempts the agent no longer
// tracks: their end was acknowledged by the controller.
func (p *nodeProc) forgetAcknowledged() {
	if !p.up || p.a == nil {
		return
	}
	for j := range p.records {
		if !p.a.Tracks(j) {
			delete(p.records, j)
		}
	}
}

func (p *nodeProc) sortedRecords() []state.JobAttempt {
	out := make([]state.JobAttempt, 0, len(p.records))
	for j := range p.records {
		out = append(out, j)
	}
	slices.SortFunc(out, func(x, y state.JobAttempt) int {
		return cmp.Or(cmp.Compare(x.ID, y.ID), cmp.Compare(x.Attempt, y.Attempt))
	})
	return out
}

// daemonFaults draws one second's node daemon restarts: the daemon stops
// and comes back either at once (a supervisor restarting it) or after a
// downtime that may outlast the controller's SlurmdTimeout. Its own stream
// keeps the other faults' draws where they were.
func (w *World) daemonFaults(r *rng) {
	if !r.chance(w.opts.DaemonRestartRate / 60) {
		return
	}
	p := w.nodes[r.intn(len(w.nodes))]
	if !p.up {
		return
	}
	down := r.between(dur(10*time.Millisecond), dur(500*time.Millisecond))
	if r.chance(0.5) {
		down = r.between(dur(time.Second), 3*dur(w.opts.DownTime))
	}
	p.stopDaemon()
	boot := p.boot
	w.q.after(down, func() {
		if p.boot == boot && !w.healed {
			p.restartDaemon()
		}
	})
}
