package raftstore

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/flurm/flurm/core/controller"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"pgregory.net/rapid"
)

// modelApply is the pure model of controller.Persist's rules, the one the
// simulator's disk uses: the store must agree with it write for write.
func modelApply(s controller.Persisted, p controller.Persist) controller.Persisted {
	return controller.ApplyPersist(s, p)
}

// summarize is the model's logState, for the generator.
func summarize(m controller.Persisted) logState {
	st := logState{hard: m.HardState}
	if m.Snapshot != nil {
		st.snapIndex, st.snapTerm = m.Snapshot.GetMetadata().GetIndex(), m.Snapshot.GetMetadata().GetTerm()
	}
	if n := len(m.Entries); n > 0 {
		st.firstIndex = m.Entries[0].GetIndex()
		st.lastIndex, st.lastTerm = m.Entries[n-1].GetIndex(), m.Entries[n-1].GetTerm()
	}
	return st
}

// modelTermAt is the term at index if the model knows it, else 0.
func modelTermAt(m controller.Persisted, index uint64) uint64 {
	for _, e := range m.Entries {
		if e.GetIndex() == index {
			return e.GetTerm()
		}
	}
	if index != 0 && index == m.Snapshot.GetMetadata().GetIndex() {
		return m.Snapshot.GetMetadata().GetTerm()
	}
	return 0
}

// genWrite draws a write Raft could produce on top of m: snapshots at or
// after the log's start (sometimes stale, which the rules ignore), appends
// that neither leave gaps nor rewrite committed entries, terms that never
// go back, and the hard state whenever the write would otherwise break the
// store's invariants.
func genWrite(t *rapid.T, m controller.Persisted) controller.Persist {
	var w controller.Persist
	st := summarize(m)
	if rapid.IntRange(0, 4).Draw(t, "snapshot?") == 0 {
		lo := uint64(1)
		if st.hasEntries() && st.firstIndex > 1 {
			lo = st.firstIndex - 1
		}
		if !st.hasEntries() {
			lo = max(lo, st.hard.GetCommit()) // a snapshot must cover what is committed
		}
		idx := rapid.Uint64Range(lo, max(st.lastKnownIndex(), 1)+4).Draw(t, "snapIndex")
		term := max(modelTermAt(m, idx), st.lastTerm, st.hard.GetTerm(), 1)
		term += rapid.Uint64Range(0, 1).Draw(t, "snapTermBump")
		w.Snapshot = &pb.Snapshot{
			Data: rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "snapData"),
			Metadata: &pb.SnapshotMetadata{
				Index: proto.Uint64(idx), Term: proto.Uint64(term),
				ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}},
			},
		}
		// Raft restores a leader's snapshot only beyond its commit index.
		w.Restore = idx >= st.hard.GetCommit() && rapid.Bool().Draw(t, "restore")
	}
	mid := modelApply(m, controller.Persist{Snapshot: w.Snapshot, Restore: w.Restore})
	mst := summarize(mid)
	if n := rapid.IntRange(0, 6).Draw(t, "entries"); n > 0 {
		var lo, hi uint64
		if last := mst.lastKnownIndex(); last == 0 {
			lo = mst.hard.GetCommit() + 1
			hi = lo + 3
		} else {
			lo, hi = max(mst.snapIndex+1, mst.firstIndex, 1), last+1
			if mst.hard != nil {
				lo = max(lo, mst.hard.GetCommit()+1) // committed entries are never rewritten
			}
		}
		if lo <= hi {
			first := rapid.Uint64Range(lo, hi).Draw(t, "first")
			term := max(modelTermAt(mid, first-1), 1)
			for i := range n {
				term += rapid.Uint64Range(0, 1).Draw(t, "termBump")
				w.Entries = append(w.Entries, &pb.Entry{
					Index: proto.Uint64(first + uint64(i)), Term: proto.Uint64(term),
					Type: pb.EntryType(rapid.IntRange(0, 2).Draw(t, "type")).Enum(),
					Data: rapid.SliceOfN(rapid.Byte(), 0, 32).Draw(t, "data"),
				})
			}
		}
	}
	after := summarize(modelApply(mid, controller.Persist{Entries: w.Entries}))
	if after.check() != nil || rapid.Bool().Draw(t, "hardState?") {
		w.HardState = genHardState(t, m.HardState, after)
	}
	return w
}

// genHardState draws a hard state that may follow old in state after.
func genHardState(t *rapid.T, old *pb.HardState, after logState) *pb.HardState {
	minTerm := max(old.GetTerm(), after.lastTerm, after.snapTerm)
	term := minTerm + rapid.Uint64Range(0, 1).Draw(t, "hsTermBump")
	vote := rapid.Uint64Range(0, 3).Draw(t, "vote")
	if old != nil && term == old.GetTerm() && old.GetVote() != 0 {
		vote = old.GetVote()
	}
	lo := max(old.GetCommit(), after.snapIndex)
	hi := after.lastKnownIndex()
	if hi == 0 {
		hi = lo + 2
	}
	commit := rapid.Uint64Range(lo, max(lo, hi)).Draw(t, "commit")
	return &pb.HardState{Term: proto.Uint64(term), Vote: proto.Uint64(vote), Commit: proto.Uint64(commit)}
}

// persistedDiff compares stored states, treating nil and empty entry lists
// alike (a store cannot tell them apart) but not a nil and an empty hard
// state or snapshot.
func persistedDiff(want, got controller.Persisted) string {
	if persistedEqual(want, got) {
		return "" // cmp with protocmp is slow on long logs; it only explains
	}
	return cmp.Diff(want, got, protocmp.Transform(), cmpopts.EquateEmpty())
}

func persistedEqual(a, b controller.Persisted) bool {
	if !proto.Equal(a.HardState, b.HardState) || !proto.Equal(a.Snapshot, b.Snapshot) || len(a.Entries) != len(b.Entries) {
		return false
	}
	for i := range a.Entries {
		if !proto.Equal(a.Entries[i], b.Entries[i]) {
			return false
		}
	}
	return true
}

var testIdentity = Options{Cluster: "test", NodeID: 1}

// tb is what the helpers need from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

func openTest(t tb, fs vfs.FS) *Store {
	t.Helper()
	opts := testIdentity
	opts.FS = fs
	opts.Logf = t.Logf
	s, err := Open("data", opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustLoad(t tb, s *Store) controller.Persisted {
	t.Helper()
	p, err := s.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

// TestMatchesModel applies random valid writes, with reopens in between,
// and checks after every step that Load returns what the model holds.
func TestMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fs := vfs.NewMem()
		s := openTest(t, fs)
		defer func() { _ = s.Close() }()
		var m controller.Persisted
		for step := range rapid.IntRange(1, 40).Draw(t, "steps") {
			if rapid.IntRange(0, 9).Draw(t, "reopen?") == 0 {
				if err := s.Close(); err != nil {
					t.Fatalf("step %d: Close: %v", step, err)
				}
				s = openTest(t, fs)
			} else {
				w := genWrite(t, m)
				if err := s.Apply(w); err != nil {
					t.Fatalf("step %d: Apply(%v): %v", step, w, err)
				}
				m = modelApply(m, w)
			}
			if d := persistedDiff(m, mustLoad(t, s)); d != "" {
				t.Fatalf("step %d: store differs from model (-model +store):\n%s", step, d)
			}
		}
	})
}
