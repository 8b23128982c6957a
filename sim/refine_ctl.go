package sim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/flurm/flurm/core/state"
)

// The refinement mapping from the simulated cluster to the variables of
// tla/ControllerReplication.tla that traces observe, checked against the
// spec's TraceNext (tla/ControllerReplicationTrace.cfg):
//
//   - curTerm: the newest Raft term in which some controller was leader
//     (the checker's record of leaders). Terms nobody won do not count.
//   - jobs, where, attempt: the committed job table, from the trace
//     recorder's replica of the log. jobs is "none" before the job is in
//     the log, "pending", "running" (RUNNING and SUSPENDED) or "done"
//     (every terminal state, and a job Purge removed after it ended).
//     where is the batch host (the job's first node) while running, "none"
//     otherwise. attempt is FLURM's Job.Attempt + 1, 0 before submission.
//   - agentTerm: each node agent's MaxTerm; 0 while the daemon is down,
//     because the next daemon starts from 0.
//   - running: the batch scripts executing on booted machines, whether the
//     daemon that started them still runs or not (adoption), as
//     [job, node, attempt]. Nodes that only hold an allocation of a
//     multi-node job run no script and are not in it.
//
// Hidden: leaderTerm, proposed, acked, msgs, and sent (the launches some
// leader may have sent).
type ctlJob struct {
	St      string // none, pending, running, done
	Where   string // batch host or "none"
	Attempt uint32 // Job.Attempt + 1; 0 for none
}

// ctlRun is one batch script executing on a node.
type ctlRun struct {
	Job     state.JobID
	Node    string
	Attempt uint32 // JobAttempt.Attempt + 1
}

type ctlView struct {
	Term      uint64
	Jobs      map[state.JobID]ctlJob
	AgentTerm map[string]uint64 // every node
	Running   []ctlRun          // sorted by job, node, attempt
}

func (v ctlView) clone() ctlView {
	return ctlView{Term: v.Term, Jobs: maps.Clone(v.Jobs), AgentTerm: maps.Clone(v.AgentTerm), Running: slices.Clone(v.Running)}
}

func (v ctlView) equal(o ctlView) bool {
	return v.Term == o.Term && maps.Equal(v.Jobs, o.Jobs) && maps.Equal(v.AgentTerm, o.AgentTerm) && slices.Equal(v.Running, o.Running)
}

func compareRuns(a, b ctlRun) int {
	return cmp.Or(cmp.Compare(a.Job, b.Job), cmp.Compare(a.Node, b.Node), cmp.Compare(a.Attempt, b.Attempt))
}

// ctlStatus maps an implementation job state to the spec's status.
func ctlStatus(s state.JobState) string {
	switch {
	case s == state.JobPending:
		return "pending"
	case s == state.JobRunning || s == state.JobSuspended:
		return "running"
	case s.Terminal():
		return "done"
	}
	return "UNKNOWN(" + s.String() + ")" // no spec status: the check rejects it
}

// projectCtlTable maps the committed table. prev's jobs that sm no longer
// has stay as they were if they were done (Purge); a job that vanished
// otherwise is dropped, which the check rejects (a lost job).
func projectCtlTable(sm *state.Machine, prev map[state.JobID]ctlJob, bug mappingBug) (map[state.JobID]ctlJob, error) {
	out := make(map[state.JobID]ctlJob, len(prev))
	nodes := sm.Nodes()
	var err error
	sm.Jobs(func(j *state.Job) bool {
		cj := ctlJob{St: ctlStatus(j.State), Where: ctlNone, Attempt: j.Attempt + 1}
		if cj.St == "running" {
			if len(j.Nodes) == 0 || j.Nodes[0] < 0 || j.Nodes[0] >= len(nodes) {
				err = fmt.Errorf("job %d runs without a valid batch host: %v", j.ID, j.Nodes)
				return false
			}
			cj.Where = nodes[j.Nodes[0]].Name
			if last := j.Nodes[len(j.Nodes)-1]; bug == bugCtlWhereLastNode && last >= 0 && last < len(nodes) {
				cj.Where = nodes[last].Name
			}
		}
		out[j.ID] = cj
		return true
	})
	if err != nil {
		return nil, err
	}
	for id, cj := range prev {
		if _, ok := out[id]; !ok && cj.St == "done" {
			out[id] = cj
		}
	}
	return out, nil
}

// ctlNone is the spec's "none".
const ctlNone = "none"

// ctlStep is one recorded spec state and the action that led to it.
type ctlStep struct {
	Action string
	View   ctlView
}

// ctlTableSteps splits one command's change of the table into one step per
// changed job, in id order. A vanished job is one last step without it.
func ctlTableSteps(prev ctlView, next map[state.JobID]ctlJob) []ctlStep {
	var out []ctlStep
	cur := prev.clone()
	for _, id := range sortedIDs(next) {
		old, had := prev.Jobs[id]
		now := next[id]
		if had && old == now {
			continue
		}
		cur.Jobs[id] = now
		out = append(out, ctlStep{Action: ctlTableLabel(id, old, now), View: cur.clone()})
	}
	for id := range prev.Jobs {
		if _, ok := next[id]; !ok {
			cur.Jobs = maps.Clone(next)
			out = append(out, ctlStep{Action: "LostJobs", View: cur.clone()})
			break
		}
	}
	return out
}

func ctlTableLabel(id state.JobID, old, now ctlJob) string {
	j := jobKey(id)
	switch {
	case old.St == "" && now.St == "pending":
		return "TSubmit(" + j + ")"
	case now.St == "running":
		return "TStart(" + j + "," + now.Where + ")"
	case now.St == "pending":
		return "TRequeue(" + j + ")"
	case now.St == "done":
		return "TEnd(" + j + ")"
	}
	return fmt.Sprintf("TCommit(%s,%s)", j, now.St)
}

// ctlNodeSteps splits a change of the agents' terms and of the running
// scripts, node by node in name order: first the runs that ended (TExit),
// then a daemon restart (TAgentReset: the term went down), then the runs
// that started (TDeliverLaunch, whose term is the agent's new term), then
// a newer term learnt without a launch (TLearnTerm).
func ctlNodeSteps(prev ctlView, agentTerm map[string]uint64, running []ctlRun) []ctlStep {
	var out []ctlStep
	cur := prev.clone()
	emit := func(action string) { out = append(out, ctlStep{Action: action, View: cur.clone()}) }
	names := slices.Sorted(maps.Keys(agentTerm))
	for _, n := range names {
		for _, r := range prev.Running {
			if r.Node == n && !slices.Contains(running, r) {
				cur.Running = slices.DeleteFunc(cur.Running, func(x ctlRun) bool { return x == r })
				emit(fmt.Sprintf("TExit(%d,%s,%d)", r.Job, r.Node, r.Attempt))
			}
		}
		was, now := prev.AgentTerm[n], agentTerm[n]
		if now < was {
			cur.AgentTerm[n] = 0
			emit("TAgentReset(" + n + ")")
		}
		for _, r := range running {
			if r.Node == n && !slices.Contains(prev.Running, r) {
				cur.AgentTerm[n] = now
				cur.Running = append(cur.Running, r)
				slices.SortFunc(cur.Running, compareRuns)
				emit(fmt.Sprintf("TDeliverLaunch(%d,%s,%d,%d)", r.Job, r.Node, r.Attempt, now))
			}
		}
		if cur.AgentTerm[n] != now {
			cur.AgentTerm[n] = now
			emit(fmt.Sprintf("TLearnTerm(%s,%d)", n, now))
		}
	}
	return out
}
