package controller

import (
	"fmt"
	"slices"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// heartbeat reconciles what a node agent reports with the replicated state.
// Only the leader acts. It proposes what must be recorded (registration,
// ended processes) and sends what the agent must do (launches it has not
// confirmed, kills for attempts it should not run). The agent's report is
// untrusted: it can be stale, duplicated or reordered, so every proposal is
// checked again by Apply.
func (c *Controller) heartbeat(from msg.Addr, hb msg.Heartbeat, out []Effect) []Effect {
	if !c.isLeader() || !c.leaderReady {
		return out
	}
	if from != msg.NodeAddr(hb.Node) || len(hb.Running) > state.MaxListLen || len(hb.Ended) > state.MaxListLen {
		return out
	}
	n, ok := c.sm.NodeIndex(hb.Node)
	if !ok || c.sm.Nodes()[n].Deleted {
		return c.dynamicJoin(from, hb, out)
	}
	c.duties.lastHeard[n] = c.now
	node := &c.sm.Nodes()[n]
	now := c.now.Unix()

	needRegister := !node.Registered || node.Incarnation != hb.Incarnation ||
		(node.Down && !node.DownByAdmin && c.sm.Options().ReturnToService > 0)
	if needRegister {
		c.proposeDuty(fmt.Sprintf("register/%d/%d", n, hb.Incarnation), state.Register{
			Node: n, Time: now, CPUs: hb.CPUs, MemMB: hb.MemMB, Incarnation: hb.Incarnation,
			Running: c.accountedFor(node, n, hb),
		})
	}

	var acked []state.JobAttempt
	for _, e := range hb.Ended {
		if node.Incarnation == hb.Incarnation && holds(node, e.Job) {
			c.proposeDuty(fmt.Sprintf("ended/%d/%d/%d", n, e.Job.ID, e.Job.Attempt), state.ProcEnded{
				Node: n, Job: e.Job, Time: now, ExitCode: e.ExitCode, Signal: e.Signal, OOM: e.OOM})
		} else if !holds(node, e.Job) {
			acked = append(acked, e.Job) // recorded, or nothing to record: the agent may forget it
		}
	}
	for _, a := range hb.Running {
		if !c.liveOn(a, n) {
			out = c.sendKill(a, []int{n}, out)
		}
	}
	if !needRegister {
		out = c.reconcileHolds(n, hb, out)
	}
	return append(out, Send{To: from, Msg: msg.HeartbeatAck{Term: c.term, Leader: msg.ControllerAddr(c.cfg.ID), Acked: acked}})
}

// accountedFor lists the attempts a registering agent still accounts for:
// those it runs, and those whose batch script it reports ended in the same
// heartbeat. A restarted flurmnd adopts a script that ended while it was
// down and reports the end under its new incarnation; that end is known
// and is recorded by ProcEnded once the registration is applied, so the
// registration must not write the attempt off as lost, which would run a
// finished job again or end it NODE_FAIL instead of with its exit code.
// An allocation on another node of the job is still written off: its
// steps did not survive.
func (c *Controller) accountedFor(node *state.Node, n int, hb msg.Heartbeat) []state.JobAttempt {
	out := slices.Clone(hb.Running)
	for _, e := range hb.Ended {
		j := c.sm.Job(e.Job.ID)
		if len(out) >= state.MaxListLen || j == nil || j.Attempt != e.Job.Attempt || !j.Running() ||
			len(j.Nodes) == 0 || j.Nodes[0] != n || !holds(node, e.Job) || slices.Contains(out, e.Job) {
			continue
		}
		out = append(out, e.Job)
	}
	return out
}

// reconcileHolds handles holds the agent does not report at all: the current
// attempt gets its launch again (it was lost or refused); anything else gets
// a kill, which the agent answers with an ended report that releases it.
func (c *Controller) reconcileHolds(n int, hb msg.Heartbeat, out []Effect) []Effect {
	node := &c.sm.Nodes()[n]
	for _, h := range node.Holds {
		if slices.Contains(hb.Running, h.JobAttempt) || reported(hb.Ended, h.JobAttempt) {
			continue
		}
		key := launchKey{h.JobAttempt, n}
		if last, ok := c.duties.launchSent[key]; ok && c.now.Sub(last) < c.cfg.LaunchRetry {
			continue // a launch or kill is probably still in flight
		}
		c.duties.launchSent[key] = c.now
		if c.liveOn(h.JobAttempt, n) {
			j := c.sm.Job(h.ID)
			names := make([]string, len(j.Nodes))
			for k, x := range j.Nodes {
				names[k] = c.sm.Nodes()[x].Name
			}
			out = c.sendLaunchTo(j, names, n, out)
		} else {
			out = c.sendKill(h.JobAttempt, []int{n}, out)
		}
	}
	return out
}

// liveOn reports whether attempt a is the current attempt of a running job
// allocated on node n.
func (c *Controller) liveOn(a state.JobAttempt, n int) bool {
	j := c.sm.Job(a.ID)
	return j != nil && j.Attempt == a.Attempt && j.Running() && slices.Contains(j.Nodes, n)
}

func holds(n *state.Node, a state.JobAttempt) bool {
	for _, h := range n.Holds {
		if h.JobAttempt == a {
			return true
		}
	}
	return false
}

func reported(ended []msg.ProcReport, a state.JobAttempt) bool {
	for _, e := range ended {
		if e.Job == a {
			return true
		}
	}
	return false
}
