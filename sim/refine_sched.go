package sim

import (
	"fmt"
	"slices"

	"github.com/flurm/flurm/core/state"
)

// The refinement mapping from the replicated cluster state to the
// variables of tla/SchedulerSafety.tla that traces observe: st, alloc and
// attempt. Traces are checked against the spec's TraceNext
// (tla/SchedulerSafetyTrace.cfg): placements must fit the free capacity,
// only pending jobs are placed, and at most once per attempt. The spec's
// clock, start times, reservation and placement count are hidden.
//
//   - st: NEW before the job is in the log; PENDING; RUNNING for RUNNING
//     and SUSPENDED (a suspended job keeps its resources); DONE for every
//     terminal state, and for a job Purge removed after it ended.
//   - alloc: the nodes of the current attempt that still hold its
//     resources, while RUNNING or SUSPENDED; empty otherwise. A job's part
//     on a node other than the batch host can end before the job does, and
//     FLURM then frees that node's share (the spec's Shrink). Holds that
//     outlive a job (Slurm's COMPLETING) and zombies of old attempts are
//     not in it: FLURM counts them as used, so the check's notion of free
//     capacity is larger than FLURM's, and a placement that overcommits
//     FLURM's own accounting still overcommits the spec's.
//   - attempt: Job.Attempt + 1 (the spec counts attempts from 1).
//   - The constants: TraceWork gives each job its node count (NumNodes)
//     and CPUs and memory per node; priorities and time limits are 0, as
//     TraceNext does not use them (tla-checker 0.9.0 still reads the
//     fields while evaluating the hidden reservation). TraceCap is the
//     cluster's configured CPUs and memory per node.
type schedJobView struct {
	St      string
	Alloc   []string // sorted node names
	Attempt uint32
}

// schedWork is what TraceWork says about one job.
type schedWork struct {
	Size, CPUs int
	Mem        int64
}

type schedView struct {
	Jobs map[state.JobID]schedJobView
}

func (v schedView) clone() schedView {
	c := schedView{Jobs: make(map[state.JobID]schedJobView, len(v.Jobs))}
	for id, j := range v.Jobs {
		j.Alloc = slices.Clone(j.Alloc)
		c.Jobs[id] = j
	}
	return c
}

func (a schedJobView) equal(b schedJobView) bool {
	return a.St == b.St && a.Attempt == b.Attempt && slices.Equal(a.Alloc, b.Alloc)
}

// schedState maps an implementation job state.
func schedState(s state.JobState) string {
	switch {
	case s == state.JobPending:
		return "PENDING"
	case s == state.JobRunning || s == state.JobSuspended:
		return "RUNNING"
	case s.Terminal():
		return "DONE"
	}
	return "UNKNOWN(" + s.String() + ")" // no spec state: the check rejects it
}

// projectSched is the refinement mapping: the spec view of sm, and the
// work of every job in it. prev's jobs that sm no longer has (purged) stay
// as they were, if they were DONE; a job that vanished otherwise is
// dropped, which the check rejects (a lost job).
func projectSched(sm *state.Machine, prev schedView, work map[state.JobID]schedWork) (schedView, error) {
	v := schedView{Jobs: make(map[state.JobID]schedJobView, len(prev.Jobs))}
	nodes := sm.Nodes()
	var err error
	sm.Jobs(func(j *state.Job) bool {
		jv := schedJobView{St: schedState(j.State), Attempt: j.Attempt + 1}
		if jv.St == "RUNNING" {
			for _, n := range j.Nodes {
				if n < 0 || n >= len(nodes) {
					err = fmt.Errorf("job %d: node index %d out of range", j.ID, n)
					return false
				}
				if holds(&nodes[n], state.JobAttempt{ID: j.ID, Attempt: j.Attempt}) {
					jv.Alloc = append(jv.Alloc, nodes[n].Name)
				}
			}
			slices.Sort(jv.Alloc)
		}
		v.Jobs[j.ID] = jv
		w := schedWork{Size: max(j.Spec.NumNodes, 1), CPUs: j.CPUsPerNode, Mem: j.MemPerNode}
		if old, ok := work[j.ID]; ok && old != w {
			err = fmt.Errorf("job %d: its resources changed from %+v to %+v", j.ID, old, w)
			return false
		}
		work[j.ID] = w
		return true
	})
	if err != nil {
		return schedView{}, err
	}
	for id, jv := range prev.Jobs {
		if _, ok := v.Jobs[id]; !ok && jv.St == "DONE" {
			v.Jobs[id] = jv
		}
	}
	return v, nil
}

// holds says whether node n holds resources for attempt a.
func holds(n *state.Node, a state.JobAttempt) bool {
	for _, h := range n.Holds {
		if h.JobAttempt == a {
			return true
		}
	}
	return false
}

// schedStep is one recorded spec state and the action that led to it.
type schedStep struct {
	Action string
	View   schedView
}

// schedSteps splits one command's change into spec steps, one per changed
// job: first the jobs that release resources or do not take any, then the
// placements, each in increasing id order (a placement must fit after the
// releases of the same command). A vanished job is one last step without
// it.
func schedSteps(prev, next schedView) []schedStep {
	var release, place []state.JobID
	for _, id := range sortedIDs(next.Jobs) {
		old, had := prev.Jobs[id]
		now := next.Jobs[id]
		if had && old.equal(now) {
			continue
		}
		if now.St == "RUNNING" && (!had || old.St != "RUNNING") {
			place = append(place, id)
		} else {
			release = append(release, id)
		}
	}
	var out []schedStep
	cur := prev.clone()
	for _, id := range append(release, place...) {
		old, had := prev.Jobs[id]
		cur.Jobs[id] = next.Jobs[id]
		out = append(out, schedStep{Action: schedLabel(id, old, had, next.Jobs[id]), View: cur.clone()})
	}
	for id := range prev.Jobs {
		if _, ok := next.Jobs[id]; !ok {
			out = append(out, schedStep{Action: "LostJobs", View: next.clone()})
			break
		}
	}
	return out
}

func sortedIDs[V any](m map[state.JobID]V) []state.JobID {
	ids := make([]state.JobID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func schedLabel(id state.JobID, old schedJobView, had bool, now schedJobView) string {
	j := jobKey(id)
	switch {
	case !had:
		return "Submit(" + j + ")"
	case now.St == "RUNNING" && old.St == "RUNNING":
		return fmt.Sprintf("Shrink(%s,%v)", j, now.Alloc)
	case now.St == "RUNNING":
		return fmt.Sprintf("PlaceAny(%s,%v)", j, now.Alloc)
	case now.St == "PENDING":
		return "Requeue(" + j + ")"
	case old.St == "PENDING":
		return "Cancel(" + j + ")"
	}
	return "Finish(" + j + ")"
}
