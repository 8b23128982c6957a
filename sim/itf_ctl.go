package sim

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/flurm/flurm/core/state"
)

// ctlTraceLimit caps a ControllerReplication trace: the trace is the
// prefix of the run up to that many states (a prefix of a behaviour is a
// behaviour), which keeps checking 100 seeds within CI's budget.
var ctlTraceLimit = 150

// bugCtlTermPlusOne writes every agent term one higher than it is: a run
// the agent started then looks launched in a term no leader had, or with
// no launch of that term, and the check must reject the trace (TestTraces
// -trace-bug). Evidence that the fencing and term guards bite.
const bugCtlTermPlusOne mappingBug = "ctl-term-plus-one"

// bugCtlWhereLastNode records a multi-node job's last node as where, not
// its batch host: the batch script then starts on a node the table did
// not record for that attempt, and the check must reject the trace.
// Evidence that a run starts only from a launch of the table's run.
const bugCtlWhereLastNode mappingBug = "ctl-where-last-node"

// ctlMappingBugs are the broken ControllerReplication mappings TestTraces
// offers.
var ctlMappingBugs = []mappingBug{bugCtlTermPlusOne, bugCtlWhereLastNode}

// ctlRecorder keeps the ControllerReplication trace. The traceRecorder
// (itf.go) feeds it each command it applies to its replica (the committed
// table), after every controller event (the newest elected term) and
// after every node event (agent terms and running scripts).
type ctlRecorder struct {
	w       *World
	servers []string
	nodes   []string
	view    ctlView
	states  []ctlStep
	bug     mappingBug
	full    bool // ctlTraceLimit reached: the trace is a prefix
}

func newCtlRecorder(w *World, cl state.Cluster, servers []uint64, bug mappingBug) *ctlRecorder {
	r := &ctlRecorder{w: w, bug: bug, view: ctlView{Jobs: map[state.JobID]ctlJob{}, AgentTerm: map[string]uint64{}}}
	for _, id := range servers {
		r.servers = append(r.servers, "s"+strconv.FormatUint(id, 10))
	}
	for _, n := range cl.Nodes {
		r.nodes = append(r.nodes, n.Name)
		r.view.AgentTerm[n.Name] = 0
	}
	slices.Sort(r.servers)
	slices.Sort(r.nodes)
	r.states = []ctlStep{{Action: "init", View: r.view.clone()}}
	return r
}

func (r *ctlRecorder) record(steps []ctlStep) {
	for _, s := range steps {
		if r.full {
			return
		}
		if len(r.states) >= min(ctlTraceLimit, maxTraceStates) {
			r.full = true
			return
		}
		r.states = append(r.states, s)
		r.view = s.View.clone()
	}
}

// observeTerm records an election in a newer term.
func (r *ctlRecorder) observeTerm() {
	var term uint64
	for t := range r.w.check.leaders {
		term = max(term, t)
	}
	if term > r.view.Term && !r.full {
		next := r.view.clone()
		next.Term = term
		r.record([]ctlStep{{Action: fmt.Sprintf("TElect(%d)", term), View: next}})
	}
}

// applied records the committed table after a command.
func (r *ctlRecorder) applied(sm *state.Machine) error {
	if r.full {
		return nil
	}
	r.observeTerm()
	table, err := projectCtlTable(sm, r.view.Jobs, r.bug)
	if err != nil {
		return fmt.Errorf("controller trace: %w", err)
	}
	r.record(ctlTableSteps(r.view, table))
	return nil
}

// observeNodes records the agents' terms and the running scripts.
func (r *ctlRecorder) observeNodes() {
	if r.full {
		return
	}
	r.observeTerm()
	terms, running := projectCtlNodes(r.w.nodes)
	r.record(ctlNodeSteps(r.view, terms, running))
}

// projectCtlNodes maps the nodes: each agent's newest term (0 while its
// daemon is down) and the batch scripts running on booted machines.
func projectCtlNodes(nodes []*nodeProc) (map[string]uint64, []ctlRun) {
	terms := make(map[string]uint64, len(nodes))
	var running []ctlRun
	for _, p := range nodes {
		terms[p.name] = 0
		if p.up && p.a != nil {
			terms[p.name] = p.a.MaxTerm()
		}
		if !p.booted {
			continue
		}
		for j := range p.procs {
			if rec := p.records[j]; rec != nil && runsScript(rec.launch, p.name) {
				running = append(running, ctlRun{Job: j.ID, Node: p.name, Attempt: j.Attempt + 1})
			}
		}
	}
	slices.SortFunc(running, compareRuns)
	return terms, running
}

// ITF encodes the trace for tla/tracecheck.mjs, checked with
// tla/ControllerReplicationTrace.cfg. Sets and maps are sorted, so a seed
// gives the same bytes in every process.
func (r *ctlRecorder) ITF(seed uint64, description string) []byte {
	jobs := map[state.JobID]bool{}
	maxTerm, maxAttempt := uint64(1), uint32(1)
	for _, s := range r.states {
		for id, j := range s.View.Jobs {
			jobs[id] = true
			maxAttempt = max(maxAttempt, j.Attempt)
		}
		maxTerm = max(maxTerm, s.View.Term)
		for _, t := range s.View.AgentTerm {
			maxTerm = max(maxTerm, r.agentTerm(t))
		}
	}
	ids := slices.Sorted(maps.Keys(jobs))
	var b bytes.Buffer
	b.WriteString("{\n\"#meta\": {\"format\": \"ITF\", \"spec\": \"ControllerReplication\", \"cfg\": \"ControllerReplicationTrace\", \"seed\": ")
	b.WriteString(strconv.FormatUint(seed, 10))
	b.WriteString(", \"source\": \"flurm sim (sim/itf_ctl.go)\", \"description\": ")
	desc := description
	if r.full {
		desc += fmt.Sprintf("; prefix of %d states", len(r.states))
	}
	writeJSONString(&b, desc)
	b.WriteString(",\n  \"constants\": {\"Servers\": ")
	writeStringSet(&b, r.servers)
	b.WriteString(", \"Jobs\": {\"#set\": [")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(&b, jobKey(id))
	}
	b.WriteString("]}, \"Nodes\": ")
	writeStringSet(&b, r.nodes)
	fmt.Fprintf(&b, ", \"MaxTerm\": %d, \"MaxAttempts\": %d}},\n", maxTerm, maxAttempt)
	b.WriteString("\"vars\": [\"curTerm\", \"jobs\", \"where\", \"attempt\", \"agentTerm\", \"running\", \"mbt::actionTaken\"],\n\"states\": [\n")
	for k, s := range r.states {
		if k > 0 {
			b.WriteString(",\n")
		}
		r.writeState(&b, k, ids, s)
	}
	b.WriteString("\n]\n}\n")
	return b.Bytes()
}

func (r *ctlRecorder) agentTerm(t uint64) uint64 {
	if r.bug == bugCtlTermPlusOne && t > 0 {
		return t + 1
	}
	return t
}

func (r *ctlRecorder) writeState(b *bytes.Buffer, index int, ids []state.JobID, s ctlStep) {
	job := func(id state.JobID) ctlJob {
		if j, ok := s.View.Jobs[id]; ok {
			return j
		}
		return ctlJob{St: ctlNone, Where: ctlNone}
	}
	fmt.Fprintf(b, "{\"#meta\": {\"index\": %d}, \"curTerm\": %d, \"jobs\": ", index, s.View.Term)
	writeJobMap(b, ids, func(id state.JobID) { writeJSONString(b, job(id).St) })
	b.WriteString(", \"where\": ")
	writeJobMap(b, ids, func(id state.JobID) { writeJSONString(b, job(id).Where) })
	b.WriteString(", \"attempt\": ")
	writeJobMap(b, ids, func(id state.JobID) { fmt.Fprintf(b, "%d", job(id).Attempt) })
	b.WriteString(", \"agentTerm\": {\"#map\": [")
	for i, n := range r.nodes {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("[")
		writeJSONString(b, n)
		fmt.Fprintf(b, ", %d]", r.agentTerm(s.View.AgentTerm[n]))
	}
	b.WriteString("]}, \"running\": {\"#set\": [")
	for i, run := range s.View.Running {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{\"job\": ")
		writeJSONString(b, jobKey(run.Job))
		b.WriteString(", \"node\": ")
		writeJSONString(b, run.Node)
		fmt.Fprintf(b, ", \"attempt\": %d}", run.Attempt)
	}
	b.WriteString("]}, \"mbt::actionTaken\": ")
	writeJSONString(b, s.Action)
	b.WriteString("}")
}
