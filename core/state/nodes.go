package state

import (
	"fmt"
	"slices"
	"strings"
)

func (m *Machine) validNode(i int) *Error {
	if i < 0 || i >= len(m.nodes) || m.nodes[i].Deleted {
		return reject(ErrInvalidNodeName, "Invalid node name specified")
	}
	return nil
}

// fits reports whether node n can take cpus and mem now.
func (n *Node) fits(cpus int, mem int64, exclusive bool) bool {
	used, usedMem := n.AllocCPUs()
	if exclusive {
		return len(n.Holds) == 0
	}
	return used+cpus <= n.CPUs && usedMem+mem <= n.MemMB
}

func (m *Machine) applyStart(c Start) Result {
	r := Result{}
	for _, a := range c.Allocs {
		j := m.jobs[a.ID]
		if j == nil || !m.canPlace(j, a.Nodes, c.Time) {
			r.Skipped++
			continue
		}
		m.transition(j, JobRunning)
		j.State, j.Reason = JobRunning, ""
		j.StartTime, j.LaunchTerm = c.Time, c.Term
		j.Nodes = slices.Clone(a.Nodes)
		att := JobAttempt{j.ID, j.Attempt}
		for _, n := range a.Nodes {
			node := &m.nodes[n]
			cpus, mem := j.HoldSize(node)
			node.addHold(Hold{JobAttempt: att, CPUs: cpus, MemMB: mem})
		}
		r.Launch = append(r.Launch, att)
	}
	return r
}

// canPlace is the plan applier's check: the placement is still valid at this
// point of the log, whatever the scheduler saw when it planned.
func (m *Machine) canPlace(j *Job, nodes []int, now int64) bool {
	if j.State != JobPending || j.Spec.Hold || j.Spec.BeginTime > now || len(nodes) != j.Spec.NumNodes {
		return false
	}
	if m.previousAttemptHeld(j) {
		return false // like Slurm's COMPLETING: a requeued job waits until its last run is gone
	}
	if ok, _ := m.DependencyState(j); !ok {
		return false
	}
	p := &m.parts[j.Partition]
	if p.State != PartitionUp && p.State != PartitionDrain {
		return false
	}
	if p.MaxTime > 0 && (j.TimeLimit == 0 || j.TimeLimit > p.MaxTime) {
		return false
	}
	for k, n := range nodes {
		if n < 0 || n >= len(m.nodes) || slices.Contains(nodes[:k], n) || !slices.Contains(p.Nodes, n) {
			return false
		}
		node := &m.nodes[n]
		if !node.Available() || !node.fits(j.CPUsPerNode, j.MemPerNode, j.Spec.Exclusive) {
			return false
		}
	}
	return honorsNodeLists(&j.Spec, nodes)
}

// honorsNodeLists: nodes include every required node and no excluded one.
func honorsNodeLists(s *JobSpec, nodes []int) bool {
	for _, n := range s.ReqNodes {
		if !slices.Contains(nodes, n) {
			return false
		}
	}
	for _, n := range nodes {
		if _, excluded := slices.BinarySearch(s.ExcNodes, n); excluded {
			return false
		}
	}
	return true
}

func (m *Machine) applyProcEnded(c ProcEnded) Result {
	if e := m.validNode(c.Node); e != nil {
		return failed(e)
	}
	node := &m.nodes[c.Node]
	if !node.hasHold(c.Job) {
		return failed(reject(ErrStale, "node %s holds nothing for %v", node.Name, c.Job))
	}
	node.removeHold(c.Job)
	m.regrowHolds(c.Node)
	r := Result{Job: c.Job.ID}
	j := m.jobs[c.Job.ID]
	if j != nil && j.Attempt == c.Job.Attempt && endedWhileRunning(j) && j.Spec.Script != "" && j.Nodes[0] == c.Node {
		// A batch script the controller ended: like slurmctld, keep how it
		// ended (0:15 for a SIGTERM, its own code if it trapped the signal).
		j.ExitCode, j.Signal = c.ExitCode, c.Signal
		return r
	}
	if j == nil || j.Attempt != c.Job.Attempt || !j.Running() || j.Nodes[0] != c.Node {
		return r // a zombie, an old attempt, or a non-batch node finishing early
	}
	j.ExitCode, j.Signal = c.ExitCode, c.Signal
	to, reason := JobCompleted, ""
	switch {
	case c.OOM:
		to, reason = JobOOM, "OutOfMemory"
	case c.ExitCode != 0 || c.Signal != 0:
		to = JobFailed
	}
	r2 := m.end(j, to, c.Time, reason)
	if len(m.HeldBy(c.Job)) == 0 {
		r2.Kill = nil
	}
	return r2
}

// endedWhileRunning reports whether the controller ended j's running
// attempt (scancel, time limit) rather than its script ending it.
func endedWhileRunning(j *Job) bool {
	return (j.State == JobCancelled || j.State == JobTimeout) && len(j.Nodes) > 0
}

// nodeLost handles the loss of node n for every job attempt it held: the
// current attempt of a running job is requeued or fails with NODE_FAIL.
// The node's holds are dropped: a down node takes no new work, and what it
// still runs comes back as holds when it registers again.
func (m *Machine) nodeLost(n int, now int64) Result {
	r := Result{}
	node := &m.nodes[n]
	holds := node.Holds
	node.Holds = nil
	for _, h := range holds {
		j := m.jobs[h.ID]
		if j == nil || j.Attempt != h.Attempt || !j.Running() {
			continue
		}
		var jr Result
		if j.Spec.Requeue {
			jr = m.requeue(j, now, "NodeFail")
		} else {
			jr = m.end(j, JobNodeFail, now, "NodeFail")
		}
		r.Kill = append(r.Kill, jr.Kill...)
	}
	return r
}

func (m *Machine) applyNodeDown(c NodeDown) Result {
	if e := m.validNode(c.Node); e != nil {
		return failed(e)
	}
	node := &m.nodes[c.Node]
	if node.Down {
		return failed(reject(ErrTransitionNoUpdate, "node %s is already down", node.Name))
	}
	node.Down, node.DownByAdmin = true, false
	node.Reason, node.ReasonTime = c.Reason, c.Time
	return m.nodeLost(c.Node, c.Time)
}

func (m *Machine) applyNodeAdmin(c NodeAdmin) Result {
	if e := m.validNode(c.Node); e != nil {
		return failed(e)
	}
	if !m.isOperator(c.UID) {
		return failed(reject(ErrAccessDenied, "Access/permission denied"))
	}
	node := &m.nodes[c.Node]
	switch c.Op {
	case NodeDrain:
		if c.Reason == "" {
			return failed(reject(ErrGeneric, "You must specify a reason when DOWNING or DRAINING a node"))
		}
		node.Drain, node.Reason, node.ReasonTime = true, c.Reason, c.Time
		return Result{}
	case NodeResume:
		if !node.Drain && !node.Down {
			return failed(reject(ErrTransitionNoUpdate, "node %s is not drained or down", node.Name))
		}
		if node.Down {
			// What a down node still runs is unknown (its holds were dropped):
			// it takes no work until it registers again and says.
			node.Registered = false
		}
		node.Drain, node.Down, node.DownByAdmin, node.Reason, node.ReasonTime = false, false, false, "", 0
		return Result{}
	case NodeSetDown:
		if c.Reason == "" {
			return failed(reject(ErrGeneric, "You must specify a reason when DOWNING or DRAINING a node"))
		}
		node.Down, node.DownByAdmin, node.Reason, node.ReasonTime = true, true, c.Reason, c.Time
		return m.nodeLost(c.Node, c.Time)
	case NodeDelete:
		return m.deleteNode(c.Node)
	}
	return failed(reject(ErrGeneric, "unknown node operation %d", c.Op))
}

// applyRegister records a node agent joining or rejoining. After a reboot
// (new incarnation) the node's current attempts it no longer runs are lost.
// Attempts it runs that are not live here are zombies: they keep a hold until
// killed, so nothing is placed on resources still in use.
func (m *Machine) applyRegister(c Register) Result {
	if e := m.validNode(c.Node); e != nil {
		return failed(e)
	}
	if c.CPUs < 0 || c.MemMB < 0 || len(c.Running) > MaxListLen {
		return failed(reject(ErrGeneric, "invalid registration"))
	}
	node := &m.nodes[c.Node]
	r := Result{}
	rebooted := node.Registered && node.Incarnation != c.Incarnation
	if rebooted {
		for _, h := range slices.Clone(node.Holds) {
			if slices.Contains(c.Running, h.JobAttempt) {
				continue
			}
			node.removeHold(h.JobAttempt)
			if j := m.jobs[h.ID]; j != nil && j.Attempt == h.Attempt && j.Running() {
				var jr Result
				if j.Spec.Requeue {
					jr = m.requeue(j, c.Time, "NodeFail")
				} else {
					jr = m.end(j, JobNodeFail, c.Time, "NodeFail")
				}
				r.Kill = append(r.Kill, jr.Kill...)
			}
		}
		m.regrowHolds(c.Node)
	}
	// A node that stays down (set down by an administrator, or
	// ReturnToService=0) holds nothing: it gets no work, and its processes
	// are only killed. It registers again when it is resumed.
	staysDown := node.Down && (node.DownByAdmin || m.opts.ReturnToService == 0)
	for _, a := range c.Running {
		if node.hasHold(a) {
			continue
		}
		j := m.jobs[a.ID]
		live := j != nil && a.Attempt == j.Attempt && j.Running() && slices.Contains(j.Nodes, c.Node)
		neverLaunched := j == nil && a.ID >= m.nextID
		if neverLaunched || j != nil && !live && (a.Attempt > j.Attempt || (a.Attempt == j.Attempt && !j.State.Terminal())) {
			continue // an attempt that was never launched here: a confused agent, not a process
		}
		if staysDown {
			r.Kill = append(r.Kill, a)
			continue
		}
		used, usedMem := node.AllocCPUs()
		cpus, mem := max(node.CPUs-used, 0), max(node.MemMB-usedMem, 0)
		if j != nil {
			jc, jm := j.HoldSize(node)
			cpus, mem = min(cpus, jc), min(mem, jm)
		}
		node.addHold(Hold{JobAttempt: a, CPUs: cpus, MemMB: mem})
		if !live {
			r.Kill = append(r.Kill, a)
		}
	}
	node.Registered, node.Incarnation = true, c.Incarnation
	if node.Down && !node.DownByAdmin && m.opts.ReturnToService > 0 {
		node.Down, node.Reason, node.ReasonTime = false, "", 0
	}
	if reason := lowResources(c, node); reason != "" {
		node.Drain, node.Reason, node.ReasonTime = true, reason, c.Time
	}
	return r
}

// lowResources is slurmctld's drain reason for a node that registers with
// less than slurm.conf declares (node_mgr.c validate_node_specs), or "".
// FLURM's agents report CPUs, not the socket/core/thread layout, so a low
// CPU count gives both of Slurm's CPU reasons.
func lowResources(c Register, node *Node) string {
	var reasons []string
	if c.CPUs < node.CPUs {
		reasons = append(reasons, "Low socket*core*thread count", "Low CPUs")
	}
	if c.MemMB < node.MemMB {
		reasons = append(reasons, fmt.Sprintf("Low RealMemory (reported:%d < 100.00%% of configured:%d)", c.MemMB, node.MemMB))
	}
	return strings.Join(reasons, ", ")
}

// previousAttemptHeld reports whether an earlier attempt of j still holds
// resources somewhere, that is, may still have processes running.
func (m *Machine) previousAttemptHeld(j *Job) bool {
	for i := range m.nodes {
		for _, h := range m.nodes[i].Holds {
			if h.ID == j.ID && h.Attempt < j.Attempt {
				return true
			}
		}
	}
	return false
}

// HoldSize is what one node of the job's allocation holds: the request, or
// the whole node for an exclusive job.
func (j *Job) HoldSize(n *Node) (cpus int, mem int64) {
	if j.Spec.Exclusive {
		return n.CPUs, n.MemMB
	}
	return j.CPUsPerNode, j.MemPerNode
}
