package sim

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// raftTraceLimit caps a RaftLog trace. The trace is a prefix of the run,
// and a prefix of a behaviour is a behaviour, so the cap only makes the
// check shorter: tla-checker parses the spec again for every state, at a
// few milliseconds each, and a whole run has 500 to 800 states. TestTraces
// sets it from -raft-trace-states.
var raftTraceLimit = 200

// raftRecorder writes the RaftLog trace of one run (tla/RaftLog.tla). It
// looks at a controller after every event the controller handles and
// after a crash (procs.go calls observeController), projects its durable
// raft state and role (refine_raft.go), and records one spec state per
// step raftSteps splits the change into. Only one server changes between
// two observations, so every recorded state differs from the previous one
// in one server.
type raftRecorder struct {
	names     []string // spec server names, by controller index
	cur       []raftServerView
	led       []uint64 // the term each server was last shown leading in (0: none)
	committed []uint64 // terms of committed spec indices seen on any replica
	states    []raftRecordedState
	full      bool // raftTraceLimit reached: the trace is a prefix
	bug       mappingBug
	err       error
}

// raftRecordedState is one recorded state of all servers.
type raftRecordedState struct {
	Action  string
	Servers []raftServerView
}

func newRaftRecorder(ctlIDs []uint64, bug mappingBug) *raftRecorder {
	r := &raftRecorder{led: make([]uint64, len(ctlIDs)), bug: bug}
	for _, id := range ctlIDs {
		r.names = append(r.names, raftServerName(id))
		r.cur = append(r.cur, raftServerView{Vote: "none", Role: "Follower"})
	}
	r.states = []raftRecordedState{{Action: "init", Servers: r.snapshot()}}
	return r
}

func (r *raftRecorder) snapshot() []raftServerView {
	out := make([]raftServerView, len(r.cur))
	for i, v := range r.cur {
		out[i] = v.clone()
	}
	return out
}

// observe records controller i's new state: its durable raft state, and
// its role if it is running.
func (r *raftRecorder) observe(i int, p *ctlProc) error {
	if r.err != nil || r.full {
		return r.err
	}
	role := "Follower"
	durable := p.disk.synced
	if p.up && p.c != nil {
		st := p.c.Status()
		role = raftRole(st.RaftState, st.HardState.GetTerm(), durable.HardState.GetTerm())
	}
	next, err := projectRaft(durable, role, r.committed)
	if err != nil {
		r.err = fmt.Errorf("raft trace, controller %d: %w", p.id, err)
		return r.err
	}
	// Record the terms of newly committed indices; the first replica to
	// show an index committed fixes its term (a disagreement later is a
	// state-machine-safety violation the trace check reports).
	for len(r.committed) < next.Commit {
		r.committed = append(r.committed, next.Log[len(r.committed)])
	}
	old := r.cur[i]
	if next.equal(old) {
		return nil
	}
	steps := raftSteps(r.names[i], old, next, r.led[i] == old.Term && old.Term > 0)
	if r.bug == bugRaftUnsplit {
		steps = []raftStep{{Action: "Unsplit(" + r.names[i] + ")", View: next.clone()}}
	}
	for _, s := range steps {
		if len(r.states) >= min(raftTraceLimit, maxTraceStates) {
			r.full = true
			return nil
		}
		r.cur[i] = s.View
		if s.View.Role == "Leader" {
			r.led[i] = s.View.Term
		}
		r.states = append(r.states, raftRecordedState{Action: s.Action, Servers: r.snapshot()})
	}
	r.cur[i] = next
	return nil
}

// ITF encodes the trace for tla/tracecheck.mjs. Sets and maps are sorted
// by server name, so a seed gives the same bytes in every process.
func (r *raftRecorder) ITF(seed uint64, description string) []byte {
	order := make([]int, len(r.names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(r.names[a], r.names[b]) })
	maxTerm, maxLen := uint64(1), 1
	for _, s := range r.states {
		for _, v := range s.Servers {
			maxTerm = max(maxTerm, v.Term)
			maxLen = max(maxLen, len(v.Log))
		}
	}
	sorted := slices.Clone(r.names)
	slices.Sort(sorted)
	var b bytes.Buffer
	b.WriteString("{\n\"#meta\": {\"format\": \"ITF\", \"spec\": \"RaftLog\", \"seed\": ")
	b.WriteString(strconv.FormatUint(seed, 10))
	b.WriteString(", \"source\": \"flurm sim (sim/itf_raft.go)\", \"description\": ")
	if r.full {
		description += fmt.Sprintf("; the first %d states of the run (-raft-trace-states)", len(r.states))
	}
	writeJSONString(&b, description)
	b.WriteString(",\n  \"constants\": {\"Servers\": ")
	writeStringSet(&b, sorted)
	fmt.Fprintf(&b, ", \"MaxTerm\": %d, \"MaxLogLen\": %d}},\n", maxTerm, maxLen)
	b.WriteString("\"vars\": [\"currentTerm\", \"role\", \"votedFor\", \"log\", \"commitIndex\", \"mbt::actionTaken\"],\n\"states\": [\n")
	for k, s := range r.states {
		if k > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "{\"#meta\": {\"index\": %d}", k)
		field := func(name string, value func(v raftServerView)) {
			b.WriteString(", \"" + name + "\": {\"#map\": [")
			for j, i := range order {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("[")
				writeJSONString(&b, r.names[i])
				b.WriteString(", ")
				value(s.Servers[i])
				b.WriteString("]")
			}
			b.WriteString("]}")
		}
		field("currentTerm", func(v raftServerView) { b.WriteString(strconv.FormatUint(v.Term, 10)) })
		field("role", func(v raftServerView) { writeJSONString(&b, v.Role) })
		field("votedFor", func(v raftServerView) { writeJSONString(&b, v.Vote) })
		field("log", func(v raftServerView) {
			b.WriteString("[")
			for j, t := range v.Log {
				if j > 0 {
					b.WriteString(",")
				}
				b.WriteString(strconv.FormatUint(t, 10))
			}
			b.WriteString("]")
		})
		field("commitIndex", func(v raftServerView) { b.WriteString(strconv.Itoa(v.Commit)) })
		b.WriteString(", \"mbt::actionTaken\": ")
		writeJSONString(&b, s.Action)
		b.WriteString("}")
	}
	b.WriteString("\n]\n}\n")
	return b.Bytes()
}
