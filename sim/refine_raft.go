package sim

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/flurm/flurm/core/controller"
	"go.etcd.io/raft/v3"
)

// The refinement mapping from each simulated controller's etcd raft state
// to the variables of tla/RaftLog.tla: currentTerm, role, votedFor, log and
// commitIndex. The spec's votes and its ghosts (elected, campaigns,
// termLog, clog) are hidden.
//
// What is observed, and why:
//
//   - Term, vote, log and commit are the controller's durable state (the
//     simulated disk's synced Persisted), not its memory. The controller
//     sends a Ready's messages only after the Ready is durable (etcd raft's
//     persist-then-send order), so nothing another server can see is
//     missing from the durable state, and the durable state is what a
//     restart comes back with: it never goes back, where memory does.
//   - role comes from memory (Status), because it is never persisted: a
//     leader or candidate is shown as such only while its memory term is
//     its durable term; otherwise, and while crashed, it is a follower. A
//     pre-candidate is a follower (pre-vote persists nothing).
//   - Log indices are shifted by one: every replica starts from the
//     bootstrap snapshot at raft index 1 (term 1), which is the spec's
//     empty log. Spec index i is raft index i+1, and commitIndex is the
//     raft commit minus one.
//   - Entries a snapshot replaced (compaction, or a snapshot a follower
//     installed) are committed, so their terms are taken from the
//     committed terms the recorder has seen on any replica.
//   - Each server's change between two observations is split into spec
//     steps by raftSteps, one per recorded state.
type raftServerView struct {
	Term   uint64
	Vote   string // "none" or a server name
	Role   string // "Follower", "Candidate" or "Leader"
	Log    []uint64
	Commit int
}

func (v raftServerView) equal(o raftServerView) bool {
	return v.Term == o.Term && v.Vote == o.Vote && v.Role == o.Role && v.Commit == o.Commit && slices.Equal(v.Log, o.Log)
}

func (v raftServerView) clone() raftServerView {
	v.Log = slices.Clone(v.Log)
	return v
}

// bugRaftUnsplit records each observed change of a server as one state,
// without splitting it into spec steps: the term update and the vote of
// one write, for one, are two steps of the spec (TestTraces -trace-bug).
const bugRaftUnsplit mappingBug = "raft-unsplit"

// raftMappingBugs are the broken RaftLog mappings TestTraces offers.
var raftMappingBugs = []mappingBug{bugRaftUnsplit}

// raftServerName is the spec's name of controller id.
func raftServerName(id uint64) string { return "s" + strconv.FormatUint(id, 10) }

// raftRole maps an in-memory raft role. memTerm is the term in memory,
// durableTerm the persisted one.
func raftRole(st raft.StateType, memTerm, durableTerm uint64) string {
	if memTerm != durableTerm {
		return "Follower"
	}
	switch st {
	case raft.StateLeader:
		return "Leader"
	case raft.StateCandidate:
		return "Candidate"
	}
	return "Follower"
}

// projectRaft maps one controller's durable state and in-memory role to its
// spec variables. committed holds the term of every committed spec index
// seen so far (committed[i] is spec index i+1); it supplies the terms of
// entries a snapshot replaced.
func projectRaft(d controller.Persisted, role string, committed []uint64) (raftServerView, error) {
	v := raftServerView{Vote: "none", Role: role}
	if hs := d.HardState; hs != nil {
		v.Term = hs.GetTerm()
		if hs.GetVote() != 0 {
			v.Vote = raftServerName(hs.GetVote())
		}
		if c := hs.GetCommit(); c > 1 {
			v.Commit = int(c - 1)
		}
	}
	snapIndex := uint64(1) // the bootstrap snapshot
	if !raft.IsEmptySnap(d.Snapshot) {
		snapIndex = d.Snapshot.GetMetadata().GetIndex()
	}
	if snapIndex < 1 {
		return raftServerView{}, fmt.Errorf("snapshot at raft index %d, below the bootstrap snapshot", snapIndex)
	}
	prefix := int(snapIndex - 1)
	if prefix > len(committed) {
		return raftServerView{}, fmt.Errorf("snapshot at raft index %d covers entries whose terms no replica showed committed (%d known)", snapIndex, len(committed))
	}
	v.Log = append(make([]uint64, 0, prefix+len(d.Entries)), committed[:prefix]...)
	next := snapIndex + 1
	for _, e := range d.Entries {
		if e.GetIndex() <= snapIndex {
			continue
		}
		if e.GetIndex() != next {
			return raftServerView{}, fmt.Errorf("durable log has raft index %d where %d was expected", e.GetIndex(), next)
		}
		v.Log = append(v.Log, e.GetTerm())
		next++
	}
	if v.Commit > len(v.Log) {
		return raftServerView{}, fmt.Errorf("durable commit %d is beyond the durable log (%d entries)", v.Commit+1, len(v.Log)+1)
	}
	return v, nil
}

// raftStep is one spec step of one server: the action's name (for failure
// reports; the checker judges only states) and the server's new view.
type raftStep struct {
	Action string
	View   raftServerView
}

// raftSteps splits one server's change from o to n into spec steps.
// ledOld says the server was shown as leader in o's term.
//
// The order: a commit recorded by a server that led its old term but left
// it in the same write comes first (the commit was made while leading);
// then the term and vote (Timeout for a campaign, one per term; otherwise
// UpdateTerm then GrantVote); then a demotion to follower; then becoming
// leader; then the log (one ClientRequest for the entries a leader
// appended, otherwise one AcceptEntries, which also moves the commit);
// then the commit.
func raftSteps(name string, o, n raftServerView, ledOld bool) []raftStep {
	var out []raftStep
	cur := o.clone()
	emit := func(action string) { out = append(out, raftStep{Action: action, View: cur.clone()}) }
	if ledOld && n.Term > o.Term && n.Commit > o.Commit && n.Commit <= len(o.Log) &&
		slices.Equal(o.Log[:n.Commit], n.Log[:min(n.Commit, len(n.Log))]) {
		cur.Commit = n.Commit
		emit("AdvanceCommit(" + name + ")")
	}
	if n.Term > cur.Term {
		if n.Vote == name {
			if cur.Role == "Leader" {
				cur.Role = "Follower"
				emit("StepDown(" + name + ")")
			}
			for cur.Term < n.Term {
				cur.Term, cur.Vote, cur.Role = cur.Term+1, name, "Candidate"
				emit("Timeout(" + name + ")")
			}
		} else {
			cur.Term, cur.Vote, cur.Role = n.Term, "none", "Follower"
			emit("UpdateTerm(" + name + "," + strconv.FormatUint(n.Term, 10) + ")")
		}
	}
	if n.Vote != cur.Vote {
		cur.Vote = n.Vote
		emit("GrantVote(" + name + "," + n.Vote + ")")
	}
	if n.Role == "Follower" && cur.Role != "Follower" {
		cur.Role = "Follower"
		emit("StepDown(" + name + ")")
	}
	if n.Role == "Leader" && cur.Role != "Leader" {
		cur.Role = "Leader"
		emit("BecomeLeader(" + name + ")")
	}
	if !slices.Equal(cur.Log, n.Log) {
		appended := len(n.Log) > len(cur.Log) && slices.Equal(cur.Log, n.Log[:len(cur.Log)])
		for i := len(cur.Log); appended && i < len(n.Log); i++ {
			appended = n.Log[i] == cur.Term
		}
		// A leader's own entries may become durable after it stepped down
		// in memory: they are still its appends.
		leads := cur.Role == "Leader" || (ledOld && cur.Term == o.Term)
		if leads && appended {
			k := len(n.Log) - len(cur.Log)
			cur.Log = slices.Clone(n.Log)
			emit("ClientRequest(" + name + "," + strconv.Itoa(k) + ")")
		} else {
			// One append, with the commit it carried if the commit moved.
			cur.Log = slices.Clone(n.Log)
			cur.Role = n.Role
			cur.Commit = n.Commit
			emit("AcceptEntries(" + name + ")")
		}
	}
	if n.Role != cur.Role {
		cur.Role = n.Role
		emit("Role(" + name + "," + n.Role + ")") // no spec action: the check rejects it
	}
	if n.Commit != cur.Commit {
		cur.Commit = n.Commit
		if cur.Role == "Leader" {
			emit("AdvanceCommit(" + name + ")")
		} else {
			emit("LearnCommit(" + name + ")")
		}
	}
	return out
}
