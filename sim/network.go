package sim

import (
	"fmt"
	"time"

	"github.com/flurm/flurm/core/msg"
)

// network delivers messages with delay, loss, duplication and reordering,
// and cuts links during partitions.
type network struct {
	w       *World
	r       *rng
	blocked map[[2]msg.Addr]bool
	sent    map[[2]msg.Addr]uint64 // per-link send counter
	lastDel map[[2]msg.Addr]uint64 // per-link highest delivered send number
}

func newNetwork(w *World) *network {
	return &network{w: w, r: stream(w.opts.Seed, "network"), blocked: map[[2]msg.Addr]bool{},
		sent: map[[2]msg.Addr]uint64{}, lastDel: map[[2]msg.Addr]uint64{}}
}

// send schedules delivery of m from one process to another.
func (n *network) send(from, to msg.Addr, m msg.Message) {
	w := n.w
	dst, ok := w.procs[to]
	if !ok {
		return
	}
	link := [2]msg.Addr{from, to}
	if n.blocked[link] {
		w.check.sometimes("net.partition_drop")
		return
	}
	faulty := w.opts.Faults && !w.healed
	if faulty && n.r.chance(w.opts.DropRate) {
		w.check.sometimes("net.drop")
		return
	}
	copies := 1
	if faulty && n.r.chance(w.opts.DupRate) {
		copies = 2
		w.check.sometimes("net.duplicate")
	}
	n.sent[link]++
	num := n.sent[link]
	inc := dst.incarnation()
	for i := 0; i < copies; i++ {
		delay := n.r.between(dur(w.opts.MinDelay), dur(w.opts.MaxDelay))
		if faulty && n.r.chance(w.opts.StallRate) {
			delay += n.r.between(dur(time.Second), dur(20*time.Second))
			w.check.sometimes("net.stall")
		}
		if delay > dur(w.opts.MinDelay)*20 {
			w.check.sometimes("net.delay")
		}
		w.q.after(delay, func() {
			// A restarted process never gets messages meant for its previous
			// life: its connections broke when it crashed.
			if !dst.alive() || dst.incarnation() != inc {
				return
			}
			if num < n.lastDel[link] {
				w.check.sometimes("net.reorder")
			}
			n.lastDel[link] = max(n.lastDel[link], num)
			dst.deliver(from, m)
		})
	}
}

// partition cuts every link from side a to side b, and back if symmetric.
func (n *network) partition(a, b []msg.Addr, symmetric bool) {
	for _, x := range a {
		for _, y := range b {
			n.blocked[[2]msg.Addr{x, y}] = true
			if symmetric {
				n.blocked[[2]msg.Addr{y, x}] = true
			}
		}
	}
	n.w.tracef("partition %v | %v symmetric=%v", a, b, symmetric)
	kind := "fault.partition_oneway"
	if symmetric {
		kind = "fault.partition"
	}
	n.w.check.sometimes(kind)
}

func (n *network) heal() {
	if len(n.blocked) > 0 {
		n.w.tracef("heal")
	}
	clear(n.blocked)
}

func (n *network) String() string { return fmt.Sprintf("network{%d blocked links}", len(n.blocked)) }
