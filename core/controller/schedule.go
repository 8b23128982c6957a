package controller

import (
	"slices"

	"github.com/flurm/flurm/core/sched"
	"github.com/flurm/flurm/core/state"
)

// killGrace is how long the scheduler assumes a hold outside a live
// allocation (a job being killed, a zombie) takes to be released.
const killGrace = 60

// snapshotForScheduler converts the replicated state into the scheduler's
// input: the seam between state and scheduling (Nomad's "state in, plan out").
// Pending jobs that may not be considered yet are left out: those waiting
// on dependencies (their reasons are returned as waiting) and requeued jobs
// whose previous attempt still holds a node (Slurm's COMPLETING). One pass
// over the holds finds the latter for every job at once.
func snapshotForScheduler(sm *state.Machine, now int64, waiting []pendingVerdict) (sched.Snapshot, []pendingVerdict) {
	nodes := sm.Nodes()
	s := sched.Snapshot{Now: now, Nodes: make([]sched.Node, len(nodes))}
	previousHeld := make(map[state.JobID]bool)
	for i := range nodes {
		n := &nodes[i]
		s.Nodes[i] = sched.Node{Name: n.Name, CPUs: n.CPUs, MemMB: n.MemMB, Weight: n.Weight, Available: n.Available()}
		for _, h := range n.Holds {
			end := int64(now + killGrace)
			j := sm.Job(h.ID)
			if j != nil && j.Attempt == h.Attempt && j.Running() {
				end = 0
				if j.TimeLimit > 0 {
					end = j.StartTime + j.TimeLimit
				}
			}
			if j != nil && h.Attempt < j.Attempt {
				previousHeld[j.ID] = true
			}
			// One entry per hold: holds of one job may differ per node.
			s.Running = append(s.Running, sched.RunningJob{
				ID: uint32(h.ID), Nodes: []int{i}, CPUsPerNode: h.CPUs, MemPerNodeMB: h.MemMB, ExpectedEnd: end,
			})
		}
	}
	for _, p := range sm.Partitions() {
		s.Partitions = append(s.Partitions, sched.Partition{
			Name: p.Name, Nodes: p.Nodes, Up: p.State == state.PartitionUp || p.State == state.PartitionDrain,
			MaxTime: p.MaxTime, MaxNodes: p.MaxNodes, PriorityTier: p.PriorityTier,
		})
	}
	sm.Jobs(func(j *state.Job) bool {
		if j.State != state.JobPending {
			return true
		}
		if ok, never := sm.DependencyState(j); !ok {
			reason := ReasonDependency
			if never {
				reason = ReasonDependencyNever
			}
			waiting = append(waiting, pendingVerdict{Job: j.ID, Reason: reason})
			return true
		}
		if !previousHeld[j.ID] {
			s.Pending = append(s.Pending, sched.PendingJob{
				ID: uint32(j.ID), Priority: j.Priority, SubmitTime: j.SubmitTime, Partition: j.Partition,
				NumNodes: j.Spec.NumNodes, CPUsPerNode: j.CPUsPerNode, MemPerNodeMB: j.MemPerNode,
				TimeLimit: j.TimeLimit, Exclusive: j.Spec.Exclusive, Held: j.Spec.Hold, UserHold: j.Spec.Hold,
				EligibleTime: j.Spec.BeginTime, ReqNodes: j.Spec.ReqNodes, ExcNodes: j.Spec.ExcNodes,
			})
		}
		return true
	})
	return s, waiting
}

// schedule runs one scheduling pass and proposes its starts. Apply checks
// each placement again, so a plan made on a state that moved on is safe.
func (c *Controller) schedule() {
	if _, inFlight := c.duties.proposed["sched"]; inFlight {
		return
	}
	now := c.now.Unix()
	snap, waiting := snapshotForScheduler(c.sm, now, c.duties.plan[:0])
	plan := sched.Schedule(snap, c.cfg.Sched)
	c.stats.SchedCycles++
	c.duties.plan = waiting
	for _, v := range plan.Pending {
		c.duties.plan = append(c.duties.plan, pendingVerdict{Job: state.JobID(v.JobID), Reason: string(v.Reason), Start: v.ExpectedStart})
	}
	if len(plan.Starts) == 0 {
		return
	}
	start := state.Start{Time: now, Term: c.term}
	for _, st := range plan.Starts {
		// The scheduler lists nodes by preference; slurmctld's node list
		// is in node order and its batch host the first node of it
		// (pick_batch_host), which Alloc's first node is.
		nodes := slices.Clone(st.Nodes)
		slices.Sort(nodes)
		start.Allocs = append(start.Allocs, state.Alloc{ID: state.JobID(st.JobID), Nodes: nodes})
	}
	c.stats.SchedStarts += uint64(len(start.Allocs))
	c.proposeDuty("sched", start)
}

// Slurm's pending reasons for a job waiting on other jobs.
const (
	ReasonDependency      = "Dependency"
	ReasonDependencyNever = "DependencyNeverSatisfied"
)
