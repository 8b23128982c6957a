package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/state"
)

// The refinement mapping from the replicated cluster state (state.Machine)
// to the variables of tla/JobLifecycle.tla: jobState, alloc, restarts and
// down. The recorder (itf.go) applies it after every command of the
// committed log and splits each command's effect into spec steps with
// lifecycleSteps, because the trace checker accepts at most one spec step
// per recorded state.
//
// Where the implementation and the spec differ, the mapping says so here:
//
//   - Jobs are keyed by their decimal id. A job Purge removed stays in the
//     trace with its last (terminal) values: the spec's job table only grows.
//     A job that vanishes while not terminal is dropped from the projection,
//     so the trace checker rejects the trace: a lost job is a bug to report,
//     not to hide.
//   - alloc is the nodes of the current attempt's node list (Job.Nodes)
//     that still hold its resources, while the job is RUNNING or
//     SUSPENDED, and empty otherwise. The job's part on a node other than
//     the batch host can end first; FLURM then frees that node, and a
//     later failure of it does not touch the job (the spec's Release). Holds that outlive a job
//     (Slurm's COMPLETING, or an old attempt's zombie) are not allocations
//     of the job in the spec's sense, so they are not in alloc.
//   - restarts is Job.Attempt, Slurm's restart_cnt.
//   - down is the set of nodes with Node.Down. Drain and "not registered
//     yet" are invisible to the spec.
//   - OUT_OF_MEMORY maps to FAILED. PREEMPTED, BOOT_FAIL and DEADLINE are
//     not modelled; FLURM never produces them, and the projection fails if
//     it ever does.

// mappingBug deliberately breaks the mapping, to produce traces the
// trace checker must reject (TestTraces -trace-bug): evidence that the
// check would notice a wrong mapping, or an implementation behaving like
// one.
type mappingBug string

const (
	bugNone mappingBug = ""
	// bugMergeStart records a Start that places several jobs as one state.
	bugMergeStart mappingBug = "merge-start"
	// bugCompletingAlloc counts the holds of finished jobs (Slurm's
	// COMPLETING) as their allocation.
	bugCompletingAlloc mappingBug = "completing-alloc"
	// bugRebootAsNodeFail maps a reboot noticed at registration to
	// NodeFail then NodeReturn, which kills every job of the node in the
	// spec, also the ones the new incarnation runs. Its traces are wrong
	// only when the new incarnation kept a job, so TestTraces does not
	// offer it; it is the mapping seed 97 rejected (see tla/README.md).
	bugRebootAsNodeFail mappingBug = "reboot-as-nodefail"
)

// mappingBugs are the bugs whose every differing trace is wrong.
var mappingBugs = []mappingBug{bugMergeStart, bugCompletingAlloc}

// jobView is one job's spec variables.
type jobView struct {
	State    string
	Alloc    []string // node names, sorted
	Restarts uint32
}

func (v jobView) equal(o jobView) bool {
	return v.State == o.State && v.Restarts == o.Restarts && slices.Equal(v.Alloc, o.Alloc)
}

// lifecycleView is one JobLifecycle state.
type lifecycleView struct {
	Jobs map[state.JobID]jobView
	Down []string // node names, sorted
}

func (v lifecycleView) clone() lifecycleView {
	c := lifecycleView{Jobs: make(map[state.JobID]jobView, len(v.Jobs)), Down: slices.Clone(v.Down)}
	for id, j := range v.Jobs {
		c.Jobs[id] = j
	}
	return c
}

func (v lifecycleView) equal(o lifecycleView) bool {
	if len(v.Jobs) != len(o.Jobs) || !slices.Equal(v.Down, o.Down) {
		return false
	}
	for id, j := range v.Jobs {
		if oj, ok := o.Jobs[id]; !ok || !j.equal(oj) {
			return false
		}
	}
	return true
}

// jobIDs returns the view's job ids in increasing order.
func (v lifecycleView) jobIDs() []state.JobID {
	ids := make([]state.JobID, 0, len(v.Jobs))
	for id := range v.Jobs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// specJobState maps an implementation job state to the spec's.
func specJobState(s state.JobState) (string, error) {
	switch s {
	case state.JobPending, state.JobRunning, state.JobSuspended, state.JobCompleted,
		state.JobCancelled, state.JobFailed, state.JobTimeout, state.JobNodeFail:
		return s.String(), nil
	case state.JobOOM:
		return "FAILED", nil
	}
	return "", fmt.Errorf("job state %v is not modelled by JobLifecycle", s)
}

func specTerminal(s string) bool {
	switch s {
	case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL":
		return true
	}
	return false
}

// projectLifecycle is the refinement mapping: the spec state of sm. prev
// is the previous projection, whose purged (terminal) jobs are kept.
func projectLifecycle(sm *state.Machine, prev lifecycleView, bug mappingBug) (lifecycleView, error) {
	v := lifecycleView{Jobs: make(map[state.JobID]jobView, sm.NumJobs())}
	nodes := sm.Nodes()
	var err error
	sm.Jobs(func(j *state.Job) bool {
		st, e := specJobState(j.State)
		if e != nil {
			err = fmt.Errorf("job %d: %w", j.ID, e)
			return false
		}
		jv := jobView{State: st, Restarts: j.Attempt}
		if j.Running() {
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
			jv.Alloc = slices.Compact(jv.Alloc)
		}
		if bug == bugCompletingAlloc && j.State.Terminal() {
			for _, n := range sm.HeldBy(state.JobAttempt{ID: j.ID, Attempt: j.Attempt}) {
				jv.Alloc = append(jv.Alloc, nodes[n].Name)
			}
			slices.Sort(jv.Alloc)
		}
		v.Jobs[j.ID] = jv
		return true
	})
	if err != nil {
		return lifecycleView{}, err
	}
	for id, jv := range prev.Jobs {
		if _, ok := v.Jobs[id]; !ok && specTerminal(jv.State) {
			v.Jobs[id] = jv // purged: terminal forever in the spec
		}
	}
	for _, n := range nodes {
		if n.Down {
			v.Down = append(v.Down, n.Name)
		}
	}
	slices.Sort(v.Down)
	return v, nil
}

// lifecycleStep is one recorded spec state and the action that led to it.
type lifecycleStep struct {
	Action string
	View   lifecycleView
}

// nodeEvent says which node a node command is about, and whether it is a
// registration (the only way the implementation notices a reboot).
type nodeEvent struct {
	Node     string // "" for commands that are not about one node
	Register bool
}

// lifecycleSteps splits the change from prev to next, made by one
// command, into spec steps.
//
//   - NodeDown or NodeAdmin SetDown of a node that is up, with job changes:
//     one NodeFail step puts the node DOWN together with every job change
//     (the spec's NodeFail moves all jobs of the node at once).
//   - A registration that changes jobs: the agent rebooted and lost them,
//     without the node having been DOWN. One NodeReboot step makes every
//     job change; the jobs the new incarnation reports keep running.
//   - Any other command makes one step per changed job, in increasing id
//     order (one Start places several jobs), then one per node that went
//     down or came back.
//
// The labels are for the reader of a failure report; the trace checker
// judges only the states.
func lifecycleSteps(prev, next lifecycleView, ev nodeEvent, bug mappingBug) []lifecycleStep {
	var changed []state.JobID
	for _, id := range next.jobIDs() {
		if old, ok := prev.Jobs[id]; !ok || !old.equal(next.Jobs[id]) {
			changed = append(changed, id)
		}
	}
	// Jobs missing from next (lost) are a change too: copying next's job
	// table below drops them, and the trace checker rejects that state.
	lost := false
	for id := range prev.Jobs {
		if _, ok := next.Jobs[id]; !ok {
			lost = true
		}
	}
	var out []lifecycleStep
	cur := prev.clone()
	if bug == bugRebootAsNodeFail {
		ev.Register = false // NodeFail now, NodeReturn below
	}
	switch {
	case bug == bugMergeStart && len(changed) > 1 && ev.Node == "":
		cur.Jobs = next.clone().Jobs
		out = append(out, lifecycleStep{Action: "Merged" + jobChanges(prev, changed, next), View: cur.clone()})
		changed = nil
	case ev.Node != "" && (len(changed) > 0 || lost) && !slices.Contains(prev.Down, ev.Node):
		cur.Jobs = next.clone().Jobs
		label := "NodeFail(" + ev.Node + ")"
		if ev.Register {
			label = "NodeReboot(" + ev.Node + ")"
		} else {
			cur.Down = insertSorted(cur.Down, ev.Node)
		}
		out = append(out, lifecycleStep{Action: label + jobChanges(prev, changed, next), View: cur.clone()})
		changed = nil
	case lost:
		cur.Jobs = next.clone().Jobs
		out = append(out, lifecycleStep{Action: "LostJobs" + jobChanges(prev, changed, next), View: cur.clone()})
		changed = nil
	}
	for _, id := range changed {
		old, had := prev.Jobs[id]
		cur.Jobs[id] = next.Jobs[id]
		out = append(out, lifecycleStep{Action: jobLabel(id, old, had, next.Jobs[id]), View: cur.clone()})
	}
	for _, n := range next.Down {
		if !slices.Contains(cur.Down, n) {
			cur.Down = insertSorted(cur.Down, n)
			out = append(out, lifecycleStep{Action: "NodeFail(" + n + ")", View: cur.clone()})
		}
	}
	for _, n := range slices.Clone(cur.Down) {
		if !slices.Contains(next.Down, n) {
			cur.Down = slices.DeleteFunc(cur.Down, func(x string) bool { return x == n })
			out = append(out, lifecycleStep{Action: "NodeReturn(" + n + ")", View: cur.clone()})
		}
	}
	return out
}

func insertSorted(s []string, x string) []string {
	i, found := slices.BinarySearch(s, x)
	if found {
		return s
	}
	return slices.Insert(slices.Clone(s), i, x)
}

func jobLabel(id state.JobID, old jobView, had bool, now jobView) string {
	j := strconv.FormatUint(uint64(id), 10)
	if !had {
		return "Submit(" + j + ")"
	}
	switch {
	case old.State == "PENDING" && now.State == "RUNNING":
		return "Start(" + j + ",{" + strings.Join(now.Alloc, ",") + "})"
	case old.State == "RUNNING" && now.State == "SUSPENDED":
		return "Suspend(" + j + ")"
	case old.State == "SUSPENDED" && now.State == "RUNNING":
		return "Resume(" + j + ")"
	case old.State == now.State && len(now.Alloc) < len(old.Alloc):
		return "Release(" + j + ",{" + strings.Join(now.Alloc, ",") + "})"
	case now.State == "COMPLETED":
		return "Complete(" + j + ")"
	case now.State == "FAILED":
		return "Fail(" + j + ")"
	case now.State == "TIMEOUT":
		return "Timeout(" + j + ")"
	case now.State == "CANCELLED":
		return "Cancel(" + j + ")"
	case now.State == "PENDING":
		return "Requeue(" + j + ")"
	}
	return fmt.Sprintf("Change(%s,%s->%s)", j, old.State, now.State)
}

// jobChanges lists job state changes for a label: " 5:RUNNING->PENDING".
func jobChanges(prev lifecycleView, changed []state.JobID, next lifecycleView) string {
	var b strings.Builder
	for _, id := range changed {
		fmt.Fprintf(&b, " %d:%s->%s", id, prev.Jobs[id].State, next.Jobs[id].State)
	}
	return b.String()
}

// commandNode says which node a node command is about.
func commandNode(sm *state.Machine, cmd state.Command) nodeEvent {
	var n int
	ev := nodeEvent{}
	switch c := cmd.(type) {
	case state.NodeDown:
		n = c.Node
	case state.NodeAdmin:
		n = c.Node
	case state.Register:
		n, ev.Register = c.Node, true
	default:
		return ev
	}
	if nodes := sm.Nodes(); n >= 0 && n < len(nodes) {
		ev.Node = nodes[n].Name
	}
	return ev
}
