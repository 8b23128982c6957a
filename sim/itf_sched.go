package sim

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/state"
)

// bugSchedHalfCap writes every node's capacity halved into the
// SchedulerSafety trace: the placements FLURM made then overcommit the
// nodes the trace describes, and the check must reject the trace
// (TestTraces -trace-bug). Evidence that the capacity guard bites.
const bugSchedHalfCap mappingBug = "sched-half-cap"

// schedMappingBugs are the broken SchedulerSafety mappings TestTraces offers.
var schedMappingBugs = []mappingBug{bugSchedHalfCap}

// schedRecorder keeps the SchedulerSafety trace of the committed log. The
// traceRecorder (itf.go) feeds it after each command it applies to its
// replica.
type schedRecorder struct {
	nodes  []state.NodeConfig
	view   schedView
	work   map[state.JobID]schedWork
	states []schedStep
	bug    mappingBug
}

func newSchedRecorder(cl state.Cluster, bug mappingBug) *schedRecorder {
	r := &schedRecorder{nodes: cl.Nodes, view: schedView{Jobs: map[state.JobID]schedJobView{}},
		work: map[state.JobID]schedWork{}, bug: bug}
	r.states = []schedStep{{Action: "init", View: r.view.clone()}}
	return r
}

// applied records the replica's state after a command.
func (r *schedRecorder) applied(sm *state.Machine) error {
	next, err := projectSched(sm, r.view, r.work)
	if err != nil {
		return fmt.Errorf("scheduler trace: %w", err)
	}
	steps := schedSteps(r.view, next)
	if len(r.states)+len(steps) > maxTraceStates {
		return fmt.Errorf("scheduler trace: more than %d states", maxTraceStates)
	}
	r.states = append(r.states, steps...)
	r.view = next
	return nil
}

// ITF encodes the trace for tla/tracecheck.mjs, checked with
// tla/SchedulerSafetyTrace.cfg. Maps are sorted, so a seed gives the same
// bytes in every process.
func (r *schedRecorder) ITF(seed uint64, description string) []byte {
	maxAttempt := uint32(1)
	for _, s := range r.states {
		for _, j := range s.View.Jobs {
			maxAttempt = max(maxAttempt, j.Attempt)
		}
	}
	ids := sortedIDs(r.work)
	names := make([]string, len(r.nodes))
	for i, n := range r.nodes {
		names[i] = n.Name
	}
	slices.Sort(names)
	var b bytes.Buffer
	b.WriteString("{\n\"#meta\": {\"format\": \"ITF\", \"spec\": \"SchedulerSafety\", \"cfg\": \"SchedulerSafetyTrace\", \"seed\": ")
	b.WriteString(strconv.FormatUint(seed, 10))
	b.WriteString(", \"source\": \"flurm sim (sim/itf_sched.go)\", \"description\": ")
	writeJSONString(&b, description)
	b.WriteString(",\n  \"constants\": {\"Nodes\": ")
	writeStringSet(&b, names)
	fmt.Fprintf(&b, ", \"MaxAttempts\": %d, \"MaxTime\": 0,\n  \"TraceWork\": ", maxAttempt)
	writeJobMap(&b, ids, func(id state.JobID) {
		w := r.work[id]
		fmt.Fprintf(&b, "{\"prio\": 0, \"size\": %d, \"limit\": 0, \"cpus\": %d, \"mem\": %d}", w.Size, w.CPUs, w.Mem)
	})
	b.WriteString(",\n  \"TraceCap\": {\"#map\": [")
	byName := slices.Clone(r.nodes)
	slices.SortFunc(byName, func(x, y state.NodeConfig) int { return strings.Compare(x.Name, y.Name) })
	for i, n := range byName {
		if i > 0 {
			b.WriteString(", ")
		}
		cpus, mem := n.CPUs, n.MemMB
		if r.bug == bugSchedHalfCap {
			cpus, mem = cpus/2, mem/2
		}
		b.WriteString("[")
		writeJSONString(&b, n.Name)
		fmt.Fprintf(&b, ", {\"cpus\": %d, \"mem\": %d}]", cpus, mem)
	}
	b.WriteString("]}}},\n\"vars\": [\"st\", \"alloc\", \"attempt\", \"mbt::actionTaken\"],\n\"states\": [\n")
	for k, s := range r.states {
		if k > 0 {
			b.WriteString(",\n")
		}
		view := func(id state.JobID) (schedJobView, bool) { j, ok := s.View.Jobs[id]; return j, ok }
		fmt.Fprintf(&b, "{\"#meta\": {\"index\": %d}, \"st\": ", k)
		writeJobMap(&b, ids, func(id state.JobID) {
			if j, ok := view(id); ok {
				writeJSONString(&b, j.St)
			} else {
				b.WriteString(`"NEW"`)
			}
		})
		b.WriteString(", \"alloc\": ")
		writeJobMap(&b, ids, func(id state.JobID) { j, _ := view(id); writeStringSet(&b, j.Alloc) })
		b.WriteString(", \"attempt\": ")
		writeJobMap(&b, ids, func(id state.JobID) {
			j, ok := view(id)
			if !ok {
				j.Attempt = 1
			}
			fmt.Fprintf(&b, "%d", j.Attempt)
		})
		b.WriteString(", \"mbt::actionTaken\": ")
		writeJSONString(&b, s.Action)
		b.WriteString("}")
	}
	b.WriteString("\n]\n}\n")
	return b.Bytes()
}
