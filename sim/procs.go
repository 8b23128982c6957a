package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/agent"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// epoch is the Unix time (ns) at the start of every run's global clock.
const epoch = int64(1_767_225_600) * 1e9

// clock is a process's view of time: global time plus its own offset,
// which skew sets and jumps move.
type clock struct{ offset int64 }

func (c clock) local(global int64) time.Time  { return time.Unix(0, epoch+global+c.offset) }
func (c clock) global(localNanos int64) int64 { return localNanos - epoch - c.offset }

// ctlProc hosts one controller on a simulated machine with a disk.
type ctlProc struct {
	w      *World
	id     uint64
	cfg    controller.Config
	c      *controller.Controller
	up     bool
	inc    uint64
	disk   disk
	clk    clock
	r      *rng
	synced int64 // time the last queued write completes

	crashMidWrite bool // crash while the next write is in flight
}

func (p *ctlProc) addr() msg.Addr      { return msg.ControllerAddr(p.id) }
func (p *ctlProc) alive() bool         { return p.up }
func (p *ctlProc) incarnation() uint64 { return p.inc }
func (p *ctlProc) deliver(from msg.Addr, m msg.Message) {
	p.handle(controller.Recv{From: from, Msg: m})
}

func (p *ctlProc) start() {
	c, err := controller.New(p.cfg, p.disk.recovered())
	if err != nil {
		p.w.fail("controller %d cannot start from its disk: %v", p.id, err)
		return
	}
	p.c, p.up = c, true
	p.inc++
	p.w.tracef("ctl %d start inc=%d applied=%d", p.id, p.inc, c.AppliedIndex())
	p.handle(controller.Tick{})
}

func (p *ctlProc) crash() {
	if !p.up {
		return
	}
	p.w.check.controllerDone(p)
	p.up, p.c, p.crashMidWrite = false, nil, false
	lost := p.disk.crash(p.r)
	if p.w.rec != nil {
		p.w.rec.observeController(p) // read-only: the RaftLog trace (itf_raft.go)
	}
	p.w.tracef("ctl %d crash lost_writes=%d", p.id, lost)
	p.w.check.sometimes("fault.ctl_crash")
	if lost > 0 {
		p.w.check.sometimes("fault.lost_unsynced_writes")
	}
}

func (p *ctlProc) handle(ev controller.Event) {
	if !p.up || p.w.failure != nil {
		return
	}
	p.w.events++
	effs := p.c.Handle(p.clk.local(p.w.now()), ev)
	inc := p.inc
	for _, e := range effs {
		switch e := e.(type) {
		case controller.Send:
			p.w.net.send(p.addr(), e.To, e.Msg)
		case controller.Persist:
			p.disk.write(e)
			if p.crashMidWrite {
				p.crashMidWrite = false
				p.w.q.after(p.r.between(0, dur(p.w.opts.DiskLatency)/4), func() {
					if p.inc == inc && !p.w.healed {
						p.crash()
						p.w.scheduleRestart(p)
					}
				})
			}
			p.synced = max(p.synced, p.w.now()) + p.r.between(dur(p.w.opts.DiskLatency)/4, dur(p.w.opts.DiskLatency))
			p.w.q.at(p.synced, func() {
				if p.inc != inc || !p.up {
					return
				}
				done := p.disk.syncOne()
				if done.Token != 0 {
					p.handle(controller.DiskDone{Token: done.Token})
				}
			})
		case controller.SetTimer:
			p.w.q.at(p.clk.global(e.AtNanos), func() {
				if p.inc == inc {
					p.handle(controller.Tick{})
				}
			})
		}
	}
	p.w.check.afterController(p)
	if p.w.rec != nil {
		p.w.rec.observeController(p) // read-only: the RaftLog trace (itf_raft.go)
	}
}

// nodeProc hosts one node: the machine (booted, boot), its job processes
// and launch records, which outlive the agent daemon, and the daemon
// itself (up, inc, a), which can restart alone (daemon.go).
type nodeProc struct {
	w       *World
	idx     int
	name    string
	cfg     agent.Config
	a       *agent.Agent
	up      bool   // the agent daemon runs
	inc     uint64 // daemon starts: fences the agent's timers and messages
	booted  bool   // the machine runs (processes can)
	boot    uint64 // machine boots: fences the processes' timers
	clk     clock
	r       *rng
	procs   map[state.JobAttempt]*simProc
	records map[state.JobAttempt]*launchRecord // the host's launch records (daemon.go)
	// exitsOrder pins, for the next daemon start only, whether exits of
	// scripts that ended come before the first tick ("first") or after
	// ("last"); "" draws it (scenarios pin it).
	exitsOrder string

	staleSeen    uint64 // agent's stale-term refusals already counted
	staleIncSeen uint64 // and stale-incarnation ones
}

// simProc is one job attempt's processes on a node.
type simProc struct {
	cpus  int
	mem   int64
	gen   uint64
	dying bool
}

func (p *nodeProc) addr() msg.Addr      { return msg.NodeAddr(p.name) }
func (p *nodeProc) alive() bool         { return p.up }
func (p *nodeProc) incarnation() uint64 { return p.inc }
func (p *nodeProc) deliver(from msg.Addr, m msg.Message) {
	p.handle(agent.Recv{From: from, Msg: m})
}

// start boots the machine if it is down and starts the agent daemon, which
// adopts whatever the launch records say survived (startDaemon).
func (p *nodeProc) start() {
	if p.up {
		return
	}
	if !p.booted {
		p.booted, p.boot = true, p.boot+1
		p.procs = map[state.JobAttempt]*simProc{}
		p.records = map[state.JobAttempt]*launchRecord{}
	}
	p.startDaemon()
}

// crash kills the machine: the agent and every job process on it. The
// launch records go too: a reboot is modelled as losing the executor's
// state, so nothing is adopted after it.
func (p *nodeProc) crash() {
	if !p.booted {
		return
	}
	for j := range p.procs {
		p.w.check.procGone(p, j)
	}
	p.up, p.a, p.procs, p.records, p.booted = false, nil, nil, nil, false
	p.w.tracef("node %s crash", p.name)
	if p.w.rec != nil {
		p.w.rec.observeNodes() // read-only: the ControllerReplication trace (itf_ctl.go)
	}
	p.w.check.sometimes("fault.node_crash")
}

func (p *nodeProc) handle(ev agent.Event) {
	if !p.up || p.w.failure != nil {
		return
	}
	p.w.events++
	effs := p.a.Handle(p.clk.local(p.w.now()), ev)
	inc := p.inc
	for _, e := range effs {
		switch e := e.(type) {
		case agent.Send:
			p.w.net.send(p.addr(), e.To, e.Msg)
		case agent.StartProc:
			p.startProc(e.Launch)
		case agent.SignalProc:
			p.signal(e.Job, e.Signal)
		case agent.SetTimer:
			p.w.q.at(p.clk.global(e.AtNanos), func() {
				if p.inc == inc {
					p.handle(agent.Tick{})
				}
			})
		}
	}
	p.w.check.afterAgent(p)
	p.forgetAcknowledged()
	if p.w.rec != nil {
		p.w.rec.observeNodes() // read-only: the ControllerReplication trace (itf_ctl.go)
	}
}

// jobBehaviour reads what a simulated job does from its script:
// "#!sim run=SECONDS exit=CODE".
func jobBehaviour(script string) (run time.Duration, exit int) {
	run, exit = time.Minute, 0
	for _, f := range strings.Fields(script) {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		switch k {
		case "run":
			run = time.Duration(n) * time.Second
		case "exit":
			exit = n
		}
	}
	return run, exit
}

func (p *nodeProc) startProc(l msg.Launch) {
	p.w.check.procStart(p, l)
	p.records[l.Job] = &launchRecord{launch: l}
	sp := &simProc{cpus: l.CPUs, mem: l.MemMB, gen: p.r.u64()}
	p.procs[l.Job] = sp
	run, exit := jobBehaviour(l.Spec.Script)
	if l.Nodes[0] != p.name {
		exit = 0 // only the batch host's exit status decides the job's
	}
	p.w.tracef("proc start %s job=%d.%d run=%v", p.name, l.Job.ID, l.Job.Attempt, run)
	p.exitAfter(l.Job, sp, int64(run), exit, 0)
}

// exitAfter ends an attempt's processes after d, unless they were killed
// or the machine rebooted meanwhile. They do not depend on the daemon: an
// exit while it is down is kept in the launch record and reported by the
// next daemon (startDaemon).
func (p *nodeProc) exitAfter(j state.JobAttempt, sp *simProc, d int64, code, sig int) {
	gen, boot := sp.gen, p.boot
	p.w.q.after(d, func() {
		if p.boot != boot || !p.booted || p.procs[j] != sp || sp.gen != gen {
			return
		}
		p.w.check.procGone(p, j)
		delete(p.procs, j)
		ex := agent.ProcExit{Job: j, ExitCode: code, Signal: sig}
		if rec := p.records[j]; rec != nil {
			rec.exit = &ex
		}
		p.w.tracef("proc exit %s job=%d.%d code=%d sig=%d daemon_up=%v", p.name, j.ID, j.Attempt, code, sig, p.up)
		if p.w.rec != nil && !p.up {
			p.w.rec.observeNodes() // read-only: the ControllerReplication trace (itf_ctl.go)
		}
		if !p.up {
			p.w.check.sometimes("daemon.exit_while_down")
			return
		}
		p.handle(ex)
	})
}

// signal delivers SIGTERM (which most jobs obey within a second and some
// ignore) or SIGKILL (which always works).
func (p *nodeProc) signal(j state.JobAttempt, sig int) {
	sp := p.procs[j]
	if sp == nil {
		return
	}
	switch {
	case sig == agent.SIGKILL:
		sp.gen = p.r.u64()
		p.exitAfter(j, sp, p.r.between(0, dur(100*time.Millisecond)), 0, sig)
	case p.r.chance(0.8):
		sp.gen = p.r.u64()
		p.exitAfter(j, sp, p.r.between(0, dur(time.Second)), 0, sig)
	default:
		p.w.check.sometimes("job.ignores_sigterm")
	}
}

func (p *nodeProc) String() string { return fmt.Sprintf("node %s", p.name) }
