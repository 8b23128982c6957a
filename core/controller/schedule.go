package controller

import (
	"github.com/flurm/flurm/core/sched"
	"github.com/flurm/flurm/core/state"
)

// killGrace is how long the scheduler assumes a hold outside a live
// allocation (a job being killed, a zombie) takes to be released.
const killGrace = 60

// snapshotForScheduler converts the replicated state into the scheduler's
// input: the seam between state and scheduling (Nomad's "state in, plan out").
func snapshotForScheduler(sm *state.Machine, now int64) sched.Snapshot {
	nodes := sm.Nodes()
	s := sched.Snapshot{Now: now, Nodes: make([]sched.Node, len(nodes))}
	for i := range nodes {
		n := &nodes[i]
		s.Nodes[i] = sched.Node{Name: n.Name, CPUs: n.CPUs, MemMB: n.MemMB, Weight: n.Weight, Available: n.Available()}
		for _, h := range n.Holds {
			end := int64(now + killGrace)
			if j := sm.Job(h.ID); j != nil && j.Attempt == h.Attempt && j.Running() {
				end = 0
				if j.TimeLimit > 0 {
					end = j.StartTime + j.TimeLimit
				}
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
		if ok, _ := sm.DependencyState(j); !ok {
			return true // not eligible: dependencyVerdicts gives its reason
		}
		if sm.Startable(j) {
			s.Pending = append(s.Pending, sched.PendingJob{
				ID: uint32(j.ID), Priority: j.Priority, SubmitTime: j.SubmitTime, Partition: j.Partition,
				NumNodes: j.Spec.NumNodes, CPUsPerNode: j.CPUsPerNode, MemPerNodeMB: j.MemPerNode,
				TimeLimit: j.TimeLimit, Exclusive: j.Spec.Exclusive, Held: j.Spec.Hold, UserHold: j.Spec.Hold,
				EligibleTime: j.Spec.BeginTime,
			})
		}
		return true
	})
	return s
}

// schedule runs one scheduling pass and proposes its starts. Apply checks
// each placement again, so a plan made on a state that moved on is safe.
func (c *Controller) schedule() {
	if _, inFlight := c.duties.proposed["sched"]; inFlight {
		return
	}
	now := c.now.Unix()
	plan := sched.Schedule(snapshotForScheduler(c.sm, now), c.cfg.Sched)
	c.stats.SchedCycles++
	c.duties.plan = dependencyVerdicts(c.sm, c.duties.plan[:0])
	for _, v := range plan.Pending {
		c.duties.plan = append(c.duties.plan, pendingVerdict{Job: state.JobID(v.JobID), Reason: string(v.Reason), Start: v.ExpectedStart})
	}
	if len(plan.Starts) == 0 {
		return
	}
	start := state.Start{Time: now, Term: c.term}
	for _, st := range plan.Starts {
		start.Allocs = append(start.Allocs, state.Alloc{ID: state.JobID(st.JobID), Nodes: st.Nodes})
	}
	c.stats.SchedStarts += uint64(len(start.Allocs))
	c.proposeDuty("sched", start)
}

// Slurm's pending reasons for a job waiting on other jobs.
const (
	ReasonDependency      = "Dependency"
	ReasonDependencyNever = "DependencyNeverSatisfied"
)

// dependencyVerdicts gives every pending job whose dependencies do not hold
// its reason. The scheduler never sees these jobs: like slurmctld, FLURM
// does not consider a job before its dependencies are satisfied, so it
// reserves nothing for it. A dependency that can never be satisfied leaves
// the job pending (slurmctld's default without kill_invalid_depend).
func dependencyVerdicts(sm *state.Machine, out []pendingVerdict) []pendingVerdict {
	sm.Jobs(func(j *state.Job) bool {
		if j.State != state.JobPending {
			return true
		}
		if ok, never := sm.DependencyState(j); !ok {
			reason := ReasonDependency
			if never {
				reason = ReasonDependencyNever
			}
			out = append(out, pendingVerdict{Job: j.ID, Reason: reason})
		}
		return true
	})
	return out
}
