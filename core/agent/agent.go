// Package agent is the node agent's logic (flurmnd): it registers and
// heartbeats, starts and stops job processes when the leader says so, and
// reports how they ended. It is a deterministic state machine like the
// controller: the host delivers events and carries out the effects.
//
// The host must:
//  1. deliver a Tick at least every Config.HeartbeatInterval (SetTimer says when);
//  2. carry out StartProc and SignalProc, and deliver ProcExit exactly once
//     for every StartProc, when the attempt's processes are all gone;
//  3. deliver received messages as Recv; they may be stale or duplicated.
//
// Safety rests on two rules kept here. Launches are fenced by term: a launch
// older than the newest leader term this agent has seen is refused, and so
// is a kill, so a deposed leader can neither start nor stop work behind the
// new leader's back. And an attempt is started at most once per
// incarnation: once launched or killed, a later launch of it is ignored.
package agent

import (
	"cmp"
	"slices"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// Config describes the node and its controllers.
type Config struct {
	Name        string
	CPUs        int   // what the node really has
	MemMB       int64 // what the node really has
	Controllers []msg.Addr
	Incarnation uint64 // boot id: must differ on every start of the agent

	HeartbeatInterval time.Duration
	KillWait          time.Duration // SIGTERM to SIGKILL
	MaxRemembered     int           // attempts remembered for launch de-duplication
	// Dynamic, for a node not in slurm.conf, is sent with every heartbeat
	// so the leader creates the node (msg.DynamicNode).
	Dynamic *msg.DynamicNode
}

// Signals the agent sends.
const (
	SIGKILL = 9
	SIGTERM = 15
)

// Event is an input to Handle.
type Event interface{ isEvent() }

// Tick is the periodic timer.
type Tick struct{}

// Resync asks for a heartbeat now: the host (re)connected to a controller,
// which should learn at once what this node runs.
type Resync struct{}

// Recv is a message from a controller.
type Recv struct {
	From msg.Addr
	Msg  msg.Message
}

// ProcExit reports that all processes of an attempt are gone.
type ProcExit struct {
	Job      state.JobAttempt
	ExitCode int
	Signal   int
	OOM      bool // the kernel killed it for exceeding its memory limit
}

func (Tick) isEvent()     {}
func (Resync) isEvent()   {}
func (Recv) isEvent()     {}
func (ProcExit) isEvent() {}

// Effect is an output of Handle.
type Effect interface{ isEffect() }

// Send delivers a message.
type Send struct {
	To  msg.Addr
	Msg msg.Message
}

// StartProc starts an attempt's processes as described by Launch.
type StartProc struct{ Launch msg.Launch }

// SignalProc sends a signal to every process of an attempt. Ending marks
// the termination sequence (SIGTERM, then SIGKILL after KillWait) that
// ends the attempt, which must reach its job steps too; a user's signal
// (scancel --signal --batch) reaches only the batch script.
type SignalProc struct {
	Job    state.JobAttempt
	Signal int
	Ending bool
	// Notice, when not empty, is the line (EndNotice) the attempt's batch
	// script output gets because the controller ended it; it comes with
	// the first signal of the ending only.
	Notice string
}

// SetTimer asks for a Tick at or after the given time.
type SetTimer struct{ AtNanos int64 }

func (Send) isEffect()       {}
func (StartProc) isEffect()  {}
func (SignalProc) isEffect() {}
func (SetTimer) isEffect()   {}

type proc struct {
	cpus    int
	mem     int64
	killAt  time.Time // when SIGKILL follows SIGTERM; zero if not being killed
	signals int
}

// Agent is one node agent.
type Agent struct {
	cfg     Config
	now     time.Time
	maxTerm uint64
	lastHB  time.Time
	procs   map[state.JobAttempt]*proc
	ended   map[state.JobAttempt]msg.ProcReport // not yet acknowledged
	seen    map[state.JobAttempt]bool
	seenFIF []state.JobAttempt
	stats   Stats
}

// Stats counts what the agent did.
type Stats struct {
	Launched, Refused, StaleTerm, StaleIncarnation, Overcommit, Killed, Ended uint64
}

// New creates an agent that has just booted.
func New(cfg Config) *Agent {
	if cfg.MaxRemembered <= 0 {
		cfg.MaxRemembered = 4096
	}
	return &Agent{cfg: cfg, procs: map[state.JobAttempt]*proc{},
		ended: map[state.JobAttempt]msg.ProcReport{}, seen: map[state.JobAttempt]bool{}}
}

// Adopt tells a freshly booted agent about an attempt whose processes
// survived the restart of the agent's daemon (io/jobexec keeps batch
// scripts running under their own supervisor). The attempt is reported
// as running from the first heartbeat on, so the controller keeps its
// hold instead of writing the job off, and its exit is reported like any
// other. The host must call Adopt before delivering the first event, and
// must later deliver the attempt's ProcExit as for a started one.
func (a *Agent) Adopt(l msg.Launch) {
	a.remember(l.Job)
	a.procs[l.Job] = &proc{cpus: l.CPUs, mem: l.MemMB}
}

// Handle processes one event at time now.
func (a *Agent) Handle(now time.Time, ev Event) []Effect {
	if now.After(a.now) {
		a.now = now
	}
	var out []Effect
	switch ev := ev.(type) {
	case Tick:
		out = a.escalateKills(out)
		if a.lastHB.IsZero() || a.now.Sub(a.lastHB) >= a.cfg.HeartbeatInterval {
			out = a.heartbeat(out)
		}
		out = append(out, SetTimer{AtNanos: a.now.Add(a.tickEvery()).UnixNano()})
	case Resync:
		out = a.heartbeat(out)
	case Recv:
		out = a.recv(ev, out)
	case ProcExit:
		if _, ok := a.procs[ev.Job]; ok {
			delete(a.procs, ev.Job)
			a.stats.Ended++
			a.ended[ev.Job] = msg.ProcReport{Job: ev.Job, ExitCode: ev.ExitCode, Signal: ev.Signal, OOM: ev.OOM, Time: a.now.Unix()}
			out = a.heartbeat(out) // report at once, as slurmd reports a finished batch script
		}
	}
	return out
}

func (a *Agent) tickEvery() time.Duration {
	d := a.cfg.HeartbeatInterval
	if a.cfg.KillWait > 0 && a.cfg.KillWait < d {
		d = a.cfg.KillWait
	}
	return max(d, time.Millisecond)
}

func (a *Agent) recv(ev Recv, out []Effect) []Effect {
	switch m := ev.Msg.(type) {
	case msg.Launch:
		return a.launch(ev.From, m, out)
	case msg.Kill:
		return a.kill(m, out)
	case msg.HeartbeatAck:
		newLeader := m.Term > a.maxTerm
		a.maxTerm = max(a.maxTerm, m.Term)
		for _, j := range m.Acked {
			delete(a.ended, j)
		}
		if newLeader {
			// A leader of a newer term: tell it at once what runs here
			// and what ended (the previous leader may have died with
			// those reports uncommitted).
			out = a.heartbeat(out)
		}
	}
	return out
}

func (a *Agent) launch(from msg.Addr, m msg.Launch, out []Effect) []Effect {
	refuse := func() []Effect {
		a.stats.Refused++
		return append(out, Send{To: from, Msg: msg.LaunchRefused{Node: a.cfg.Name, Job: m.Job, Term: m.Term, MaxTerm: a.maxTerm}})
	}
	if m.Term < a.maxTerm {
		a.stats.StaleTerm++
		return refuse()
	}
	if !slices.Contains(m.Nodes, a.cfg.Name) || m.Incarnation != a.cfg.Incarnation {
		a.stats.StaleIncarnation += b2u(m.Incarnation != a.cfg.Incarnation)
		return refuse()
	}
	a.maxTerm = m.Term
	if a.seen[m.Job] {
		return out // a duplicate, or an attempt already killed: never start twice
	}
	cpus, mem := a.inUse()
	if cpus+m.CPUs > a.cfg.CPUs || mem+m.MemMB > a.cfg.MemMB {
		a.stats.Overcommit++ // the controller's accounting is wrong; refuse rather than oversubscribe
		return refuse()
	}
	a.remember(m.Job)
	a.procs[m.Job] = &proc{cpus: m.CPUs, mem: m.MemMB}
	a.stats.Launched++
	return append(out, StartProc{Launch: m})
}

func (a *Agent) kill(m msg.Kill, out []Effect) []Effect {
	if m.Term < a.maxTerm {
		a.stats.Refused++
		a.stats.StaleTerm++
		return out
	}
	a.maxTerm = m.Term
	p, running := a.procs[m.Job]
	if !running {
		// Not running here (never launched, or already ended): remember the
		// kill so a late launch is refused, and report the attempt ended so
		// the controller can release the node.
		a.remember(m.Job)
		if _, ok := a.ended[m.Job]; !ok {
			a.ended[m.Job] = msg.ProcReport{Job: m.Job, Signal: SIGKILL, Time: a.now.Unix()}
		}
		return out
	}
	if p.killAt.IsZero() {
		a.stats.Killed++
		sig := m.Signal
		if sig == 0 {
			sig = SIGTERM
			p.killAt = a.now.Add(a.cfg.KillWait)
		}
		var notice string
		if m.Signal == 0 {
			notice = EndNotice(m.Job.ID, a.cfg.Name, a.now, m.Why)
		}
		return append(out, SignalProc{Job: m.Job, Signal: sig, Ending: m.Signal == 0, Notice: notice})
	}
	return out
}

// escalateKills sends SIGKILL to attempts still alive KillWait after SIGTERM.
func (a *Agent) escalateKills(out []Effect) []Effect {
	for _, j := range a.sortedProcs() {
		p := a.procs[j]
		if !p.killAt.IsZero() && !a.now.Before(p.killAt) && p.signals == 0 {
			p.signals++
			out = append(out, SignalProc{Job: j, Signal: SIGKILL, Ending: true})
		}
	}
	return out
}

func (a *Agent) heartbeat(out []Effect) []Effect {
	a.lastHB = a.now
	hb := msg.Heartbeat{Node: a.cfg.Name, Incarnation: a.cfg.Incarnation, CPUs: a.cfg.CPUs,
		MemMB: a.cfg.MemMB, Running: a.sortedProcs(), MaxTerm: a.maxTerm}
	if d := a.cfg.Dynamic; d != nil {
		dc := *d // the message never aliases the configuration
		hb.Dynamic = &dc
	}
	for _, j := range sortedKeys(a.ended) {
		hb.Ended = append(hb.Ended, a.ended[j])
	}
	for _, c := range a.cfg.Controllers {
		out = append(out, Send{To: c, Msg: hb})
	}
	return out
}

func (a *Agent) inUse() (cpus int, mem int64) {
	for _, p := range a.procs {
		cpus += p.cpus
		mem += p.mem
	}
	return cpus, mem
}

// remember records an attempt as launched or killed, forgetting the oldest
// beyond MaxRemembered so memory stays bounded.
func (a *Agent) remember(j state.JobAttempt) {
	if a.seen[j] {
		return
	}
	a.seen[j] = true
	a.seenFIF = append(a.seenFIF, j)
	if len(a.seenFIF) > a.cfg.MaxRemembered {
		old := a.seenFIF[0]
		a.seenFIF = a.seenFIF[1:]
		if _, live := a.procs[old]; !live {
			delete(a.seen, old)
		}
	}
}

func (a *Agent) sortedProcs() []state.JobAttempt { return sortedKeys(a.procs) }

func sortedKeys[V any](m map[state.JobAttempt]V) []state.JobAttempt {
	out := make([]state.JobAttempt, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(x, y state.JobAttempt) int {
		return cmp.Or(cmp.Compare(x.ID, y.ID), cmp.Compare(x.Attempt, y.Attempt))
	})
	return out
}

// Name is the node's name.
func (a *Agent) Name() string { return a.cfg.Name }

// Running lists the attempts with live processes, sorted.
func (a *Agent) Running() []state.JobAttempt { return a.sortedProcs() }

// Tracks reports whether the agent still needs the attempt: its processes
// run, or their end is not yet acknowledged by the controller. A host may
// drop its own records of an attempt once this is false.
func (a *Agent) Tracks(j state.JobAttempt) bool {
	_, running := a.procs[j]
	_, unacked := a.ended[j]
	return running || unacked
}

// Stats returns counters.
func (a *Agent) Stats() Stats { return a.stats }

// MaxTerm is the newest leader term the agent has seen.
func (a *Agent) MaxTerm() uint64 { return a.maxTerm }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
