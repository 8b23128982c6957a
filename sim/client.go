package sim

import (
	"fmt"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// client is a Slurm user (or operator) issuing requests the way the real
// client tools do: pick a controller, wait for an answer, follow redirects
// and retry the same request after timeouts.
type client struct {
	w      *World
	id     int
	name   string
	uid    uint32
	r      *rng
	seq    uint64
	reqs   map[uint64]*request
	target int // controller index to try next
	jobs   []state.JobID

	answers map[uint64]msg.ClientReply // final answers, kept for scripts
}

type request struct {
	seq      uint64
	op       msg.Op
	attempt  int
	done     bool
	critical bool // liveness-phase requests must eventually be answered
}

const clientTimeout = 2 * time.Second

func (c *client) addr() msg.Addr      { return msg.Addr(c.name) }
func (c *client) alive() bool         { return true }
func (c *client) incarnation() uint64 { return 1 }

// issue sends a new request and returns its sequence number.
func (c *client) issue(op msg.Op, critical bool) uint64 {
	c.seq++
	r := &request{seq: c.seq, op: op, critical: critical}
	c.reqs[r.seq] = r
	c.send(r)
	return r.seq
}

func (c *client) send(r *request) {
	r.attempt++
	attempt := r.attempt
	to := msg.ControllerAddr(uint64(c.target + 1))
	c.w.net.send(c.addr(), to, msg.ClientRequest{Client: c.name, Seq: r.seq, UID: c.uid, Op: r.op})
	c.w.q.after(dur(clientTimeout), func() {
		if !r.done && r.attempt == attempt {
			c.w.check.sometimes("client.timeout")
			c.target = c.r.intn(len(c.w.ctls))
			c.send(r)
		}
	})
}

func (c *client) deliver(from msg.Addr, m msg.Message) {
	rep, ok := m.(msg.ClientReply)
	if !ok {
		return
	}
	r := c.reqs[rep.Seq]
	if r == nil || r.done {
		return
	}
	switch {
	case rep.NotLeader:
		c.target = c.r.intn(len(c.w.ctls))
		if rep.Leader != "" {
			fmt.Sscanf(string(rep.Leader), "ctl/%d", &c.target)
			c.target--
			c.w.check.sometimes("client.redirect")
		}
		attempt := r.attempt
		c.w.q.after(c.r.between(dur(50*time.Millisecond), dur(500*time.Millisecond)), func() {
			if !r.done && r.attempt == attempt {
				c.send(r)
			}
		})
	case rep.Retry:
		c.w.check.sometimes("client.retry")
		attempt := r.attempt
		c.w.q.after(c.r.between(dur(100*time.Millisecond), dur(time.Second)), func() {
			if !r.done && r.attempt == attempt {
				c.send(r)
			}
		})
	default:
		r.done = true
		delete(c.reqs, r.seq)
		if c.answers != nil {
			c.answers[r.seq] = rep
		}
		c.w.tracef("client %s seq=%d answered job=%d err=%v", c.name, r.seq, rep.Job, rep.Err)
		if _, isSubmit := r.op.(msg.OpSubmit); isSubmit {
			c.w.check.acked(c.name, r.seq, rep, r.attempt)
			if rep.Err == nil {
				c.jobs = append(c.jobs, rep.Job)
			}
		}
	}
}

// pendingCritical counts liveness-phase requests still unanswered.
func (c *client) pendingCritical() int {
	n := 0
	for _, r := range c.reqs {
		if r.critical {
			n++
		}
	}
	return n
}
