package controller

import (
	"fmt"
	"slices"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// dutyState is the leader's volatile bookkeeping. None of it is replicated:
// a new leader starts it afresh, giving every node a full NodeTimeout of
// grace before declaring it down.
type dutyState struct {
	lastHeard  map[int]time.Time
	proposed   map[string]time.Time // duty proposal key -> when it may be proposed again
	launchSent map[launchKey]time.Time
	lastSched  time.Time
	schedSoon  bool // something changed that may let a job start
	lastPurge  time.Time
	plan       []pendingVerdict
}

type launchKey struct {
	job  state.JobAttempt
	node int
}

type pendingVerdict struct {
	Job    state.JobID
	Reason string
	Start  int64
}

func (d *dutyState) init() {
	d.lastHeard = make(map[int]time.Time)
	d.proposed = make(map[string]time.Time)
	d.launchSent = make(map[launchKey]time.Time)
}

func (d *dutyState) becameLeader(now time.Time, sm *state.Machine) {
	d.init()
	for i := range sm.Nodes() {
		d.lastHeard[i] = now
	}
	d.lastSched, d.lastPurge = time.Time{}, now
}

// applied clears the in-flight mark of the duty a command fulfils, so the
// next duty of that kind need not wait for the proposal timeout.
func (d *dutyState) applied(cmd state.Command) {
	switch c := cmd.(type) {
	case state.Start:
		delete(d.proposed, "sched")
		return
	case state.Update:
		d.forgetVerdict(c.ID)
	}
	// A submit, an ended job, a released hold, a node that came back:
	// run the scheduler soon rather than at the next SchedInterval, as
	// slurmctld schedules on job submission and completion.
	d.schedSoon = true
}

// forgetVerdict drops the last pass's verdict on a job that changed since
// (released, resized, moved): a stale JobHeldUser after scontrol release
// would be wrong, where no reason until the next pass is what slurmctld
// shows too (release sets WAIT_NO_REASON).
func (d *dutyState) forgetVerdict(id state.JobID) {
	d.plan = slices.DeleteFunc(d.plan, func(v pendingVerdict) bool { return v.Job == id })
}

// proposeDuty proposes a leader-originated command unless the same duty is
// already in flight.
func (c *Controller) proposeDuty(key string, cmd state.Command) {
	if until, ok := c.duties.proposed[key]; ok && c.now.Before(until) {
		return
	}
	c.stats.Proposals++
	if c.rn.Propose(encodeEnvelope("", 0, cmd)) == nil {
		c.duties.proposed[key] = c.now.Add(c.cfg.ProposalTimeout)
	}
}

// announceLeader tells every node agent that this controller now leads, as
// soon as it can act. An agent that learns of a newer term heartbeats at
// once, so the new leader hears at the start of its term which attempts
// run and which ended while there was no leader (the old leader may have
// taken those reports with it), instead of a heartbeat interval later.
func (c *Controller) announceLeader(out []Effect) []Effect {
	ack := msg.HeartbeatAck{Term: c.term, Leader: msg.ControllerAddr(c.cfg.ID)}
	for _, n := range c.sm.Nodes() {
		out = append(out, Send{To: msg.NodeAddr(n.Name), Msg: ack})
	}
	return out
}

// leaderTick runs the periodic duties.
func (c *Controller) leaderTick(out []Effect) []Effect {
	out = c.expireRequests(out)
	if !c.isLeader() || !c.leaderReady {
		return out
	}
	for k, until := range c.duties.proposed {
		if !c.now.Before(until) {
			delete(c.duties.proposed, k)
		}
	}
	now := c.now.Unix()
	nodes := c.sm.Nodes()
	for i := range nodes {
		n := &nodes[i]
		if n.Registered && !n.Down && c.now.Sub(c.duties.lastHeard[i]) > c.cfg.NodeTimeout {
			c.proposeDuty(fmt.Sprintf("down/%d", i), state.NodeDown{Node: i, Time: now, Reason: "Not responding"})
		}
	}
	c.sm.Jobs(func(j *state.Job) bool {
		if j.Running() && j.TimeLimit > 0 && now >= j.StartTime+j.TimeLimit {
			c.proposeDuty(fmt.Sprintf("timeout/%d/%d", j.ID, j.Attempt),
				state.Timeout{Job: state.JobAttempt{ID: j.ID, Attempt: j.Attempt}, Time: now})
		}
		return true
	})
	sinceSched := c.now.Sub(c.duties.lastSched)
	if sinceSched >= c.cfg.SchedInterval || (c.duties.schedSoon && sinceSched >= c.cfg.SchedMinInterval) {
		c.duties.lastSched, c.duties.schedSoon = c.now, false
		c.schedule()
	}
	if c.now.Sub(c.duties.lastPurge) >= c.cfg.PurgeInterval {
		c.duties.lastPurge = c.now
		if c.purgeDue(now) {
			c.proposeDuty("purge", state.Purge{Time: now})
		}
	}
	return out
}

func (c *Controller) purgeDue(now int64) bool {
	due := false
	age := c.sm.Options().MinJobAge
	c.sm.Jobs(func(j *state.Job) bool {
		due = j.State.Terminal() && j.EndTime+age <= now
		return !due
	})
	return due
}

// sendLaunch sends a job attempt's launch to every node that holds it.
func (c *Controller) sendLaunch(a state.JobAttempt, out []Effect) []Effect {
	j := c.sm.Job(a.ID)
	if j == nil || j.Attempt != a.Attempt || !j.Running() {
		return out
	}
	names := make([]string, len(j.Nodes))
	nodes := c.sm.Nodes()
	for k, n := range j.Nodes {
		names[k] = nodes[n].Name
	}
	for _, n := range c.sm.HeldBy(a) {
		out = c.sendLaunchTo(j, names, n, out)
	}
	return out
}

func (c *Controller) sendLaunchTo(j *state.Job, names []string, n int, out []Effect) []Effect {
	a := state.JobAttempt{ID: j.ID, Attempt: j.Attempt}
	c.duties.launchSent[launchKey{a, n}] = c.now
	c.stats.LaunchesSent++
	nodes := c.sm.Nodes()
	node := &nodes[n]
	cpus, mem := j.HoldSize(node)
	nodeCPUs := make([]int, len(j.Nodes))
	for k, x := range j.Nodes {
		nodeCPUs[k], _ = j.HoldSize(&nodes[x])
	}
	return append(out, Send{To: msg.NodeAddr(node.Name), Msg: msg.Launch{
		Term: c.term, Incarnation: node.Incarnation, Job: a, Nodes: names, NodeCPUs: nodeCPUs,
		CPUs: cpus, MemMB: mem, Limit: j.TimeLimit, Spec: j.Spec, Start: j.StartTime,
		Cluster: c.cfg.ClusterName, Partition: c.sm.Partitions()[j.Partition].Name, Array: c.arrayInfo(j),
	}})
}

// arrayInfo describes j's array from the task records still in the state;
// tasks already purged are not counted (Slurm keeps the array's bitmap).
func (c *Controller) arrayInfo(j *state.Job) msg.ArrayInfo {
	if j.ArrayJobID == 0 {
		return msg.ArrayInfo{}
	}
	ai := msg.ArrayInfo{JobID: j.ArrayJobID, TaskID: j.ArrayTaskID, Min: j.ArrayTaskID, Max: j.ArrayTaskID}
	for _, t := range c.sm.ArrayTasks(j.ArrayJobID) {
		ai.Count++
		ai.Min, ai.Max = min(ai.Min, t.ArrayTaskID), max(ai.Max, t.ArrayTaskID)
	}
	ai.Count = max(ai.Count, 1) // the array's first record was purged: only this task is known
	return ai
}

func (c *Controller) sendKill(a state.JobAttempt, nodes []int, out []Effect) []Effect {
	all := c.sm.Nodes()
	why := c.endReason(a)
	for _, n := range nodes {
		c.stats.KillsSent++
		out = append(out, Send{To: msg.NodeAddr(all[n].Name), Msg: msg.Kill{Term: c.term, Job: a, Why: why}})
	}
	return out
}

// endReason says why attempt a is being killed, from its job's state: the
// job moved on to a later attempt (requeued), or it ended cancelled, at its
// time limit or with a failed node. Anything else (a zombie of a job that
// is gone or ended otherwise) is reaped without telling the user.
func (c *Controller) endReason(a state.JobAttempt) msg.EndReason {
	j := c.sm.Job(a.ID)
	switch {
	case j == nil || j.Attempt < a.Attempt:
		return msg.EndUntold
	case j.Attempt > a.Attempt:
		return msg.EndRequeued
	case j.State == state.JobCancelled:
		return msg.EndCancelled
	case j.State == state.JobTimeout:
		return msg.EndTimeLimit
	case j.State == state.JobNodeFail:
		return msg.EndNodeFail
	}
	return msg.EndUntold
}
