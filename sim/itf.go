package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/flurm/flurm/core/state"
)

// maxTraceStates bounds a recorded trace; tla/tracecheck.mjs refuses more
// than 100000 states anyway, and checking that many would take too long.
const maxTraceStates = 50000

// traceRecorder writes the JobLifecycle trace of one run from the committed
// log. It keeps its own replica of the state machine and applies each
// command the first time any controller applies its index (first
// applications come in increasing index order), so the trace does not
// depend on which controller was ahead. After each command the replica's
// hash must equal the applying controller's: a command that reached a
// controller without its OnApply hook (a gap in the recorded log, say
// through a snapshot nobody applied) makes the replicas differ, and the run
// fails instead of writing a trace that skipped a step.
type traceRecorder struct {
	w       *World
	replica *state.Machine
	last    uint64 // highest log index recorded
	view    lifecycleView
	states  []lifecycleStep
	nodes   []string
	err     error
	bug     mappingBug
	also    *traceRecorder // another mapping of the same run (-trace-bug)
	raft    *raftRecorder  // the RaftLog trace (itf_raft.go); nil for a JobLifecycle -trace-bug mapping
	sched   *schedRecorder // the SchedulerSafety trace (itf_sched.go); likewise
	ctl     *ctlRecorder   // the ControllerReplication trace (itf_ctl.go); likewise
}

func newTraceRecorder(w *World, cl state.Cluster, bug mappingBug) (*traceRecorder, error) {
	sm, err := state.New(cl)
	if err != nil {
		return nil, err
	}
	r := &traceRecorder{w: w, replica: sm, view: lifecycleView{Jobs: map[state.JobID]jobView{}}, bug: bug}
	for _, n := range cl.Nodes {
		r.nodes = append(r.nodes, n.Name)
	}
	r.states = []lifecycleStep{{Action: "init", View: r.view.clone()}}
	if bug == bugNone || slices.Contains(schedMappingBugs, bug) {
		r.sched = newSchedRecorder(cl, bug)
	}
	var ids []uint64
	for _, p := range w.ctls {
		ids = append(ids, p.id)
	}
	if bug == bugNone || slices.Contains(raftMappingBugs, bug) {
		r.raft = newRaftRecorder(ids, bug)
	}
	if bug == bugNone || slices.Contains(ctlMappingBugs, bug) {
		r.ctl = newCtlRecorder(w, cl, ids, bug)
	}
	return r, nil
}

// observeController is called after controller p handled an event or
// crashed: the RaftLog trace looks at its raft state.
func (r *traceRecorder) observeController(p *ctlProc) {
	if r.also != nil {
		r.also.observeController(p)
	}
	if r.ctl != nil && r.err == nil {
		r.ctl.observeTerm()
	}
	if r.raft == nil || r.err != nil || r.w.healed {
		return // the RaftLog trace ends when the faults end (itf_raft.go)
	}
	for i, c := range r.w.ctls {
		if c == p {
			if err := r.raft.observe(i, p); err != nil {
				r.failf("%v", err)
			}
			return
		}
	}
}

// observeNodes is called after a node handled an event, crashed, or a
// job's processes ended: the ControllerReplication trace looks at the
// agents' terms and the running scripts.
func (r *traceRecorder) observeNodes() {
	if r.also != nil {
		r.also.observeNodes()
	}
	if r.ctl != nil && r.err == nil {
		r.ctl.observeNodes()
	}
}

// onApply is called by every controller after it applied index.
func (r *traceRecorder) onApply(ctl uint64, index uint64, cmd state.Command, sm *state.Machine) {
	if r.also != nil {
		r.also.onApply(ctl, index, cmd, sm)
	}
	if r.err != nil || index <= r.last {
		return
	}
	r.last = index
	r.replica.Apply(cmd)
	if r.replica.Hash() != sm.Hash() {
		r.failf("trace recorder: controller %d's state after index %d differs from the recorded log's: a command was applied without OnApply (gap in the recorded log)", ctl, index)
		return
	}
	if r.ctl != nil {
		if err := r.ctl.applied(r.replica); err != nil {
			r.failf("trace recorder at index %d: %v", index, err)
			return
		}
	}
	if r.sched != nil {
		if err := r.sched.applied(r.replica); err != nil {
			r.failf("trace recorder at index %d: %v", index, err)
			return
		}
	}
	next, err := projectLifecycle(r.replica, r.view, r.bug)
	if err != nil {
		r.failf("trace recorder at index %d: %v", index, err)
		return
	}
	if next.equal(r.view) {
		return // a stutter step: nothing the spec sees changed
	}
	steps := lifecycleSteps(r.view, next, commandNode(r.replica, cmd), r.bug)
	if len(r.states)+len(steps) > maxTraceStates {
		r.failf("trace recorder: more than %d states", maxTraceStates)
		return
	}
	r.states = append(r.states, steps...)
	r.view = next
}

func (r *traceRecorder) failf(format string, args ...any) {
	r.err = fmt.Errorf(format, args...)
	r.w.fail("%v", r.err)
}

// ITF encodes the trace as an ITF JSON document for tla/tracecheck.mjs
// (README "Trace format contract"). The output depends only on the
// recorded states: sets and maps are sorted, so one seed gives the same
// bytes in every process.
func (r *traceRecorder) ITF(seed uint64, description string) []byte {
	return lifecycleITF(seed, description, r.nodes, r.states)
}

func lifecycleITF(seed uint64, description string, nodes []string, steps []lifecycleStep) []byte {
	jobs := map[state.JobID]bool{}
	maxRestarts := uint32(1)
	for _, s := range steps {
		for id, j := range s.View.Jobs {
			jobs[id] = true
			maxRestarts = max(maxRestarts, j.Restarts)
		}
	}
	var ids []state.JobID
	for id := range jobs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b bytes.Buffer
	b.WriteString("{\n\"#meta\": {\"format\": \"ITF\", \"spec\": \"JobLifecycle\", \"seed\": ")
	b.WriteString(strconv.FormatUint(seed, 10))
	b.WriteString(", \"source\": \"flurm sim (sim/itf.go)\", \"description\": ")
	writeJSONString(&b, description)
	b.WriteString(",\n  \"constants\": {\"Jobs\": {\"#set\": [")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(&b, jobKey(id))
	}
	b.WriteString("]}, \"Nodes\": ")
	sortedNodes := slices.Clone(nodes)
	slices.Sort(sortedNodes)
	writeStringSet(&b, sortedNodes)
	fmt.Fprintf(&b, ", \"MaxRestarts\": %d}},\n", maxRestarts)
	b.WriteString("\"vars\": [\"jobState\", \"alloc\", \"restarts\", \"down\", \"mbt::actionTaken\"],\n\"states\": [\n")
	for i, s := range steps {
		if i > 0 {
			b.WriteString(",\n")
		}
		writeLifecycleState(&b, i, s)
	}
	b.WriteString("\n]\n}\n")
	return b.Bytes()
}

func jobKey(id state.JobID) string { return strconv.FormatUint(uint64(id), 10) }

func writeLifecycleState(b *bytes.Buffer, index int, s lifecycleStep) {
	ids := s.View.jobIDs()
	jobs := s.View.Jobs
	fmt.Fprintf(b, "{\"#meta\": {\"index\": %d}, \"jobState\": ", index)
	writeJobMap(b, ids, func(id state.JobID) { writeJSONString(b, jobs[id].State) })
	b.WriteString(", \"alloc\": ")
	writeJobMap(b, ids, func(id state.JobID) { writeStringSet(b, jobs[id].Alloc) })
	b.WriteString(", \"restarts\": ")
	writeJobMap(b, ids, func(id state.JobID) { fmt.Fprintf(b, "%d", jobs[id].Restarts) })
	b.WriteString(", \"down\": ")
	writeStringSet(b, s.View.Down)
	b.WriteString(", \"mbt::actionTaken\": ")
	writeJSONString(b, s.Action)
	b.WriteString("}")
}

// writeJobMap writes an ITF map keyed by job id (as a string), in the
// given order, with value writing each job's value.
func writeJobMap(b *bytes.Buffer, ids []state.JobID, value func(state.JobID)) {
	b.WriteString("{\"#map\": [")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("[")
		writeJSONString(b, jobKey(id))
		b.WriteString(", ")
		value(id)
		b.WriteString("]")
	}
	b.WriteString("]}")
}

// writeStringSet writes an ITF set of strings; s must be sorted.
func writeStringSet(b *bytes.Buffer, s []string) {
	b.WriteString("{\"#set\": [")
	for i, x := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(b, x)
	}
	b.WriteString("]}")
}

// writeJSONString writes s as a JSON string, leaving <, > and & as they
// are (encoding/json's default escapes them for HTML).
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes; Encode adds a newline
	b.Truncate(b.Len() - 1)
}
