package sim

import (
	"fmt"
	"time"

	"github.com/flurm/flurm/core/msg"
)

// scheduleFaults draws the safety phase's faults once a simulated second,
// each kind at its per-seed rate.
func (w *World) scheduleFaults() {
	if !w.opts.Faults {
		return
	}
	r := stream(w.opts.Seed, "faults")
	daemons := stream(w.opts.Seed, "faults/daemon")
	perSecond := func(perMinute float64) float64 { return perMinute / 60 }
	var tick func()
	tick = func() {
		if w.healed {
			return
		}
		o := w.opts
		if r.chance(perSecond(o.CtlCrashRate)) {
			p := w.ctls[r.intn(len(w.ctls))]
			switch {
			case !p.up:
			case r.chance(0.3):
				p.crashMidWrite = true // tear the next write
			default:
				p.crash()
				w.scheduleRestart(p)
			}
		}
		if r.chance(perSecond(o.NodeCrashRate)) {
			p := w.nodes[r.intn(len(w.nodes))]
			if p.booted {
				p.crash()
				w.q.after(r.between(dur(time.Second), dur(o.DownTime)*3), func() {
					if !p.booted && !w.healed {
						w.check.sometimes("fault.node_restart")
						p.start()
					}
				})
			}
		}
		w.daemonFaults(daemons)
		if len(w.net.blocked) == 0 && r.chance(perSecond(o.PartitionRate)) {
			w.partition(r)
			w.q.after(r.between(dur(time.Second), dur(40*time.Second)), w.net.heal)
		}
		if r.chance(perSecond(o.JumpRate)) {
			w.clockJump(r)
		}
		w.q.after(dur(time.Second), tick)
	}
	w.q.after(dur(time.Second), tick)
}

// partition splits controllers and nodes into two random sides. It often
// isolates one controller (a leader, when there is one) with some nodes.
func (w *World) partition(r *rng) {
	var side, rest []msg.Addr
	isolate := -1
	if r.chance(0.5) {
		isolate = r.intn(len(w.ctls))
		for i, p := range w.ctls {
			if p.up && p.c.LeaderReady() {
				isolate = i
			}
		}
	}
	for i, p := range w.ctls {
		if i == isolate || (isolate < 0 && r.chance(0.5)) {
			side = append(side, p.addr())
		} else {
			rest = append(rest, p.addr())
		}
	}
	for _, p := range w.nodes {
		if r.chance(0.3) {
			side = append(side, p.addr())
		} else {
			rest = append(rest, p.addr())
		}
	}
	if len(side) == 0 || len(rest) == 0 {
		return
	}
	w.net.partition(side, rest, !r.chance(w.opts.OneWayShare))
}

// clockJump moves one process's clock forward or back.
func (w *World) clockJump(r *rng) {
	d := r.between(-dur(w.opts.MaxJump), dur(w.opts.MaxJump))
	if k := r.intn(len(w.ctls) + len(w.nodes)); k < len(w.ctls) {
		w.ctls[k].clk.offset += d
		w.tracef("clock ctl %d jumps %v", w.ctls[k].id, time.Duration(d))
	} else {
		n := w.nodes[k-len(w.ctls)]
		n.clk.offset += d
		w.tracef("clock node %s jumps %v", n.name, time.Duration(d))
	}
	w.check.sometimes("fault.clock_jump")
}

// scheduleRestart brings a crashed controller back after a random downtime.
func (w *World) scheduleRestart(p *ctlProc) {
	r := stream(w.opts.Seed, fmt.Sprintf("restart/%d/%d", p.id, p.inc))
	w.q.after(r.between(dur(100*time.Millisecond), dur(w.opts.DownTime)), func() {
		if !p.up && !w.healed {
			w.check.sometimes("fault.ctl_restart")
			p.start()
		}
	})
}
