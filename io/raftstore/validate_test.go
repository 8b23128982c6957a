package raftstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/flurm/flurm/core/controller"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func ent(index, term uint64) *pb.Entry {
	return &pb.Entry{Index: proto.Uint64(index), Term: proto.Uint64(term), Data: []byte{byte(index)}}
}

func hard(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: proto.Uint64(term), Vote: proto.Uint64(vote), Commit: proto.Uint64(commit)}
}

func snap(index, term uint64) *pb.Snapshot {
	return &pb.Snapshot{Data: []byte("state"), Metadata: &pb.SnapshotMetadata{
		Index: proto.Uint64(index), Term: proto.Uint64(term),
		ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}},
	}}
}

// baseWrite leaves a snapshot at 10 (term 2), entries 11..15 (terms
// 2 2 3 3 3) and hard state term 3, vote 1, commit 12.
var baseWrite = controller.Persist{
	Snapshot:  snap(10, 2),
	Entries:   []*pb.Entry{ent(11, 2), ent(12, 2), ent(13, 3), ent(14, 3), ent(15, 3)},
	HardState: hard(3, 1, 12),
}

// TestRefusesInvalidWrites checks each write Raft cannot produce is refused
// with ErrInvalidWrite, leaves the store unchanged and usable.
func TestRefusesInvalidWrites(t *testing.T) {
	cases := []struct {
		name string
		w    controller.Persist
		want string
	}{
		{"gap after log", controller.Persist{Entries: []*pb.Entry{ent(17, 3)}}, "leaves a gap"},
		{"rewrites under snapshot", controller.Persist{Entries: []*pb.Entry{ent(10, 3)}}, "covered by the snapshot"},
		{"non-contiguous write", controller.Persist{Entries: []*pb.Entry{ent(16, 3), ent(18, 3)}}, "must be contiguous"},
		{"term goes back within write", controller.Persist{Entries: []*pb.Entry{ent(16, 4), ent(17, 3)}}, "below the previous entry's term"},
		{"term below stored predecessor", controller.Persist{Entries: []*pb.Entry{ent(14, 2)}}, "below the preceding entry's term 3"},
		{"term below last entry", controller.Persist{Entries: []*pb.Entry{ent(16, 2)}}, "below the preceding entry's term 3"},
		{"entry term 0", controller.Persist{Entries: []*pb.Entry{ent(16, 0)}}, "term 0"},
		{"entry index 0", controller.Persist{Entries: []*pb.Entry{{Term: proto.Uint64(3)}}}, "index 0"},
		{"hard state term back", controller.Persist{HardState: hard(2, 1, 12)}, "term goes back"},
		{"hard state commit back", controller.Persist{HardState: hard(3, 1, 11)}, "commit goes back"},
		{"second vote in a term", controller.Persist{HardState: hard(3, 2, 12)}, "vote changes"},
		{"commit beyond log", controller.Persist{HardState: hard(3, 1, 16)}, "beyond the last log index 15"},
		{"hard state term below entries", controller.Persist{Entries: []*pb.Entry{ent(16, 5)}}, "below the last entry's term"},
		{"snapshot term 0", controller.Persist{Snapshot: snap(20, 0), HardState: hard(3, 1, 20)}, "term 0"},
		{"snapshot beyond commit", controller.Persist{Snapshot: snap(14, 3)}, "below the snapshot index 14"},
		{"rewrites committed entry", controller.Persist{Entries: []*pb.Entry{ent(12, 3)}}, "rewrites committed entries"},
		{"commit beyond truncated log", controller.Persist{Entries: []*pb.Entry{ent(13, 3)}, HardState: hard(3, 1, 14)}, "beyond the last log index 13"},
		{"too large", controller.Persist{Entries: []*pb.Entry{{Index: proto.Uint64(16), Term: proto.Uint64(3), Data: make([]byte, 5000)}}}, "MaxWriteBytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := testIdentity
			opts.FS, opts.Logf, opts.MaxWriteBytes = vfs.NewMem(), t.Logf, 4096
			s, err := Open("data", opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Apply(baseWrite); err != nil {
				t.Fatalf("base write: %v", err)
			}
			before := mustLoad(t, s)
			err = s.Apply(c.w)
			if !errors.Is(err, ErrInvalidWrite) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Apply = %v, want ErrInvalidWrite containing %q", err, c.want)
			}
			if d := persistedDiff(before, mustLoad(t, s)); d != "" {
				t.Fatalf("refused write changed the store:\n%s", d)
			}
			if err := s.Apply(controller.Persist{Entries: []*pb.Entry{ent(16, 3)}}); err != nil {
				t.Fatalf("store unusable after a refused write: %v", err)
			}
		})
	}
}

// TestStaleSnapshotIgnored checks a snapshot no newer than the stored one
// changes nothing, while the rest of its write applies.
func TestStaleSnapshotIgnored(t *testing.T) {
	s := openTest(t, vfs.NewMem())
	defer s.Close()
	if err := s.Apply(baseWrite); err != nil {
		t.Fatal(err)
	}
	w := controller.Persist{Snapshot: snap(8, 2), Entries: []*pb.Entry{ent(16, 3)}}
	if err := s.Apply(w); err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, s)
	if got.Snapshot.GetMetadata().GetIndex() != 10 || len(got.Entries) != 6 {
		t.Fatalf("got snapshot %d and %d entries, want 10 and 6", got.Snapshot.GetMetadata().GetIndex(), len(got.Entries))
	}
}

// TestSnapshotKeepsLaterEntries follows the rules for a received snapshot
// inside the log: entries after it stay, even with older terms, and a later
// append after the snapshot replaces them.
func TestSnapshotKeepsLaterEntries(t *testing.T) {
	s := openTest(t, vfs.NewMem())
	defer s.Close()
	if err := s.Apply(baseWrite); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(controller.Persist{Snapshot: snap(13, 4), HardState: hard(4, 0, 13)}); err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, s)
	if len(got.Entries) != 2 || got.Entries[0].GetIndex() != 14 {
		t.Fatalf("entries after snapshot: %v", got.Entries)
	}
	if err := s.Apply(controller.Persist{Entries: []*pb.Entry{ent(14, 4)}}); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, s); len(got.Entries) != 1 || got.Entries[0].GetTerm() != 4 {
		t.Fatalf("entries after append: %v", got.Entries)
	}
}

// TestEmptyStore checks a fresh store loads as the zero Persisted, which
// the controller reads as "start from the bootstrap snapshot".
func TestEmptyStore(t *testing.T) {
	s := openTest(t, vfs.NewMem())
	defer s.Close()
	got := mustLoad(t, s)
	if got.HardState != nil || got.Snapshot != nil || len(got.Entries) != 0 {
		t.Fatalf("fresh store loaded %v", got)
	}
	if err := s.Apply(controller.Persist{}); err != nil {
		t.Fatalf("empty write: %v", err)
	}
}

// TestFirstWriteLikeController writes what a fresh controller's first
// Readies hold: a hard state with commit 1 (the unstored bootstrap
// snapshot), then entries from index 2.
func TestFirstWriteLikeController(t *testing.T) {
	fs := vfs.NewMem()
	s := openTest(t, fs)
	if err := s.Apply(controller.Persist{Token: 1, HardState: hard(2, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(controller.Persist{Token: 2, Entries: []*pb.Entry{ent(2, 2)}, HardState: hard(2, 1, 2)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, fs)
	defer s.Close()
	want := controller.Persisted{HardState: hard(2, 1, 2), Entries: []*pb.Entry{ent(2, 2)}}
	if d := persistedDiff(want, mustLoad(t, s)); d != "" {
		t.Fatal(d)
	}
}

func TestClosedStoreRefuses(t *testing.T) {
	s := openTest(t, vfs.NewMem())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(controller.Persist{HardState: hard(1, 0, 0)}); err == nil {
		t.Fatal("Apply on a closed store succeeded")
	}
	if _, err := s.Load(); err == nil {
		t.Fatal("Load on a closed store succeeded")
	}
	if err := s.Close(); err == nil {
		t.Fatal("second Close succeeded")
	}
}

// TestLargeSnapshotAndLog stores a snapshot larger than Pebble's memtable
// (so its batch is flushed as its own table) and a log long enough to be
// flushed, truncates it, reopens and compares with the model.
func TestLargeSnapshotAndLog(t *testing.T) {
	fs := vfs.NewMem()
	s := openTest(t, fs)
	big := snap(10, 2)
	big.Data = make([]byte, 3<<20)
	for i := range big.Data {
		big.Data[i] = byte(i * 7)
	}
	writes := []controller.Persist{{Snapshot: big, HardState: hard(2, 1, 10)}}
	for i := uint64(11); i < 3011; i += 100 {
		w := controller.Persist{HardState: hard(2, 1, min(i-1, 2000))}
		for j := i; j < i+100; j++ {
			w.Entries = append(w.Entries, &pb.Entry{Index: proto.Uint64(j), Term: proto.Uint64(2), Data: make([]byte, 1024)})
		}
		writes = append(writes, w)
	}
	writes = append(writes,
		controller.Persist{Entries: []*pb.Entry{ent(2500, 3), ent(2501, 3)}, HardState: hard(3, 0, 2400)},
		controller.Persist{Snapshot: snap(2000, 2)})
	var m controller.Persisted
	for i, w := range writes {
		if err := s.Apply(w); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		m = modelApply(m, w)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, fs)
	defer s.Close()
	got := mustLoad(t, s)
	if d := persistedDiff(m, got); d != "" {
		t.Fatalf("(-model +store):\n%s", d)
	}
	if n := len(got.Entries); n != 501 || got.Entries[0].GetIndex() != 2001 {
		t.Fatalf("got %d entries from %d, want 501 from 2001", n, got.Entries[0].GetIndex())
	}
}
