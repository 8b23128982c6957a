package sim

import (
	"strings"
	"testing"

	"github.com/flurm/flurm/core/controller"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func entries(first uint64, terms ...uint64) []*pb.Entry {
	var out []*pb.Entry
	for i, t := range terms {
		out = append(out, &pb.Entry{Index: proto.Uint64(first + uint64(i)), Term: proto.Uint64(t)})
	}
	return out
}

func hardState(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: proto.Uint64(term), Vote: proto.Uint64(vote), Commit: proto.Uint64(commit)}
}

func TestRefineRaftProjection(t *testing.T) {
	snap := func(index, term uint64) *pb.Snapshot {
		return &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: proto.Uint64(index), Term: proto.Uint64(term)}}
	}
	for _, tc := range []struct {
		name      string
		disk      controller.Persisted
		committed []uint64
		want      raftServerView
		err       string
	}{
		{name: "fresh disk is the spec's initial state", want: raftServerView{Vote: "none", Role: "Follower"}},
		{
			name: "bootstrap entry dropped, indices and commit shifted by one",
			disk: controller.Persisted{HardState: hardState(3, 2, 3), Entries: entries(2, 2, 3, 3)},
			want: raftServerView{Term: 3, Vote: "s2", Role: "Follower", Log: []uint64{2, 3, 3}, Commit: 2},
		},
		{
			name:      "snapshot prefix from the committed terms",
			disk:      controller.Persisted{HardState: hardState(4, 0, 4), Snapshot: snap(4, 3), Entries: entries(3, 9, 9, 4)},
			committed: []uint64{2, 3, 3},
			want:      raftServerView{Term: 4, Vote: "none", Role: "Follower", Log: []uint64{2, 3, 3, 4}, Commit: 3},
		},
		{
			name:      "snapshot beyond the known committed terms",
			disk:      controller.Persisted{Snapshot: snap(5, 3)},
			committed: []uint64{2},
			err:       "no replica showed committed",
		},
		{
			name: "gap after the snapshot",
			disk: controller.Persisted{Entries: entries(3, 1)},
			err:  "raft index 3 where 2 was expected",
		},
		{
			name: "commit beyond the log",
			disk: controller.Persisted{HardState: hardState(1, 0, 3), Entries: entries(2, 1)},
			err:  "beyond the durable log",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := projectRaft(tc.disk, "Follower", tc.committed)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("projection (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefineRaftRole(t *testing.T) {
	for _, tc := range []struct {
		st           raft.StateType
		mem, durable uint64
		want         string
	}{
		{raft.StateLeader, 3, 3, "Leader"},
		{raft.StateLeader, 4, 3, "Follower"}, // memory moved on; the disk has not
		{raft.StateCandidate, 4, 4, "Candidate"},
		{raft.StateCandidate, 4, 3, "Follower"}, // campaign not durable yet
		{raft.StatePreCandidate, 3, 3, "Follower"},
		{raft.StateFollower, 3, 3, "Follower"},
	} {
		if got := raftRole(tc.st, tc.mem, tc.durable); got != tc.want {
			t.Errorf("raftRole(%v, mem %d, disk %d) = %s, want %s", tc.st, tc.mem, tc.durable, got, tc.want)
		}
	}
}

// view is a compact raftServerView for the step tests.
func view(term uint64, vote, role string, commit int, log ...uint64) raftServerView {
	return raftServerView{Term: term, Vote: vote, Role: role, Log: log, Commit: commit}
}

func TestRefineRaftSteps(t *testing.T) {
	type step struct {
		Action string
		View   raftServerView
	}
	for _, tc := range []struct {
		name   string
		o, n   raftServerView
		ledOld bool
		want   []step
	}{
		{
			name: "campaign over two terms in one write",
			o:    view(1, "none", "Follower", 0),
			n:    view(3, "s1", "Candidate", 0),
			want: []step{
				{"Timeout(s1)", view(2, "s1", "Candidate", 0)},
				{"Timeout(s1)", view(3, "s1", "Candidate", 0)},
			},
		},
		{
			name: "vote in a newer term is a term update, then the vote",
			o:    view(1, "s1", "Follower", 0),
			n:    view(2, "s2", "Follower", 0),
			want: []step{
				{"UpdateTerm(s1,2)", view(2, "none", "Follower", 0)},
				{"GrantVote(s1,s2)", view(2, "s2", "Follower", 0)},
			},
		},
		{
			name: "becoming leader, then the empty entry",
			o:    view(2, "s1", "Candidate", 0, 1),
			n:    view(2, "s1", "Leader", 0, 1, 2),
			want: []step{
				{"BecomeLeader(s1)", view(2, "s1", "Leader", 0, 1)},
				{"ClientRequest(s1,1)", view(2, "s1", "Leader", 0, 1, 2)},
			},
		},
		{
			name: "a leader's batch of entries is one step, its commit another",
			o:    view(2, "s1", "Leader", 1, 1, 2),
			n:    view(2, "s1", "Leader", 2, 1, 2, 2, 2),
			want: []step{
				{"ClientRequest(s1,2)", view(2, "s1", "Leader", 1, 1, 2, 2, 2)},
				{"AdvanceCommit(s1)", view(2, "s1", "Leader", 2, 1, 2, 2, 2)},
			},
		},
		{
			name:   "a leader's commit made while leading comes before its step down",
			o:      view(2, "s1", "Leader", 1, 1, 2),
			n:      view(3, "none", "Follower", 2, 1, 2),
			ledOld: true,
			want: []step{
				{"AdvanceCommit(s1)", view(2, "s1", "Leader", 2, 1, 2)},
				{"UpdateTerm(s1,3)", view(3, "none", "Follower", 2, 1, 2)},
			},
		},
		{
			name: "a follower's append carries its commit; a conflict truncates",
			o:    view(3, "none", "Follower", 1, 1, 2, 2),
			n:    view(3, "none", "Follower", 2, 1, 3),
			want: []step{
				{"AcceptEntries(s1)", view(3, "none", "Follower", 2, 1, 3)},
			},
		},
		{
			name:   "entries a leader appended, durable after it stepped down in memory",
			o:      view(2, "s1", "Follower", 1, 1, 2),
			n:      view(2, "s1", "Follower", 1, 1, 2, 2),
			ledOld: true,
			want: []step{
				{"ClientRequest(s1,1)", view(2, "s1", "Follower", 1, 1, 2, 2)},
			},
		},
		{
			name: "a crashed leader steps down",
			o:    view(2, "s1", "Leader", 1, 2),
			n:    view(2, "s1", "Follower", 1, 2),
			want: []step{{"StepDown(s1)", view(2, "s1", "Follower", 1, 2)}},
		},
		{
			name: "a follower learns a commit",
			o:    view(2, "s2", "Follower", 0, 2),
			n:    view(2, "s2", "Follower", 1, 2),
			want: []step{{"LearnCommit(s1)", view(2, "s2", "Follower", 1, 2)}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []step
			for _, s := range raftSteps("s1", tc.o, tc.n, tc.ledOld) {
				got = append(got, step(s))
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if last := got[len(got)-1].View; !last.equal(tc.n) {
				t.Errorf("the last step %+v is not the new view %+v", last, tc.n)
			}
		})
	}
}

// TestRefineRaftITF pins the bytes of a short recorded trace.
func TestRefineRaftITF(t *testing.T) {
	r := newRaftRecorder([]uint64{2, 1}, bugNone)
	r.cur[1] = view(1, "s1", "Candidate", 0)
	r.states = append(r.states, raftRecordedState{Action: "Timeout(s1)", Servers: r.snapshot()})
	got := string(r.ITF(7, "test"))
	want := `{
"#meta": {"format": "ITF", "spec": "RaftLog", "seed": 7, "source": "flurm sim (sim/itf_raft.go)", "description": "test",
  "constants": {"Servers": {"#set": ["s1", "s2"]}, "MaxTerm": 1, "MaxLogLen": 1}},
"vars": ["currentTerm", "role", "votedFor", "log", "commitIndex", "mbt::actionTaken"],
"states": [
{"#meta": {"index": 0}, "currentTerm": {"#map": [["s1", 0], ["s2", 0]]}, "role": {"#map": [["s1", "Follower"], ["s2", "Follower"]]}, "votedFor": {"#map": [["s1", "none"], ["s2", "none"]]}, "log": {"#map": [["s1", []], ["s2", []]]}, "commitIndex": {"#map": [["s1", 0], ["s2", 0]]}, "mbt::actionTaken": "init"},
{"#meta": {"index": 1}, "currentTerm": {"#map": [["s1", 1], ["s2", 0]]}, "role": {"#map": [["s1", "Candidate"], ["s2", "Follower"]]}, "votedFor": {"#map": [["s1", "s1"], ["s2", "none"]]}, "log": {"#map": [["s1", []], ["s2", []]]}, "commitIndex": {"#map": [["s1", 0], ["s2", 0]]}, "mbt::actionTaken": "Timeout(s1)"}
]
}
`
	if got != want {
		t.Errorf("ITF:\n%s\nwant:\n%s", got, want)
	}
}
