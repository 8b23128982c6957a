package controller

import (
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func entry(index, term uint64) *pb.Entry {
	return &pb.Entry{Index: proto.Uint64(index), Term: proto.Uint64(term)}
}

// A local snapshot keeps the entries after it; a leader's snapshot
// (Restore) replaces the whole log, as etcd raft does when it restores.
func TestApplyPersistSnapshots(t *testing.T) {
	base := ApplyPersist(Persisted{}, Persist{Entries: []*pb.Entry{entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)}})
	snap := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: proto.Uint64(2), Term: proto.Uint64(3)}}
	local := ApplyPersist(base, Persist{Snapshot: snap})
	if len(local.Entries) != 2 || local.Entries[0].GetIndex() != 3 {
		t.Fatalf("local snapshot kept %v", local.Entries)
	}
	restored := ApplyPersist(base, Persist{Snapshot: snap, Restore: true, Entries: []*pb.Entry{entry(3, 3)}})
	if len(restored.Entries) != 1 || restored.Entries[0].GetTerm() != 3 {
		t.Fatalf("restored snapshot kept %v", restored.Entries)
	}
	if len(base.Entries) != 4 {
		t.Fatal("ApplyPersist changed its input")
	}
}
