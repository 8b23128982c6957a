package controller

import (
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// ApplyPersist is the Persist contract as a pure function: what stable
// storage holds after write p on top of s. The simulator's disk is built on
// it and io/raftstore is property-tested against it, so the two cannot
// drift apart. HardState and Snapshot are copied; entries are shared with p
// (the controller never mutates an entry it handed out), and s's entry
// slice is never modified in place.
func ApplyPersist(s Persisted, p Persist) Persisted {
	if p.HardState != nil {
		s.HardState = proto.Clone(p.HardState).(*pb.HardState)
	}
	if !raft.IsEmptySnap(p.Snapshot) && p.Snapshot.GetMetadata().GetIndex() > s.Snapshot.GetMetadata().GetIndex() {
		s.Snapshot = proto.Clone(p.Snapshot).(*pb.Snapshot)
		idx := s.Snapshot.GetMetadata().GetIndex()
		var kept []*pb.Entry
		for _, e := range s.Entries {
			if e.GetIndex() > idx && !p.Restore {
				kept = append(kept, e)
			}
		}
		s.Entries = kept
	}
	if len(p.Entries) > 0 {
		// Entries are contiguous, so the cut point is found by arithmetic.
		first := p.Entries[0].GetIndex()
		cut := len(s.Entries)
		if cut > 0 {
			base := s.Entries[0].GetIndex()
			switch {
			case first <= base:
				cut = 0
			case first-base < uint64(cut):
				cut = int(first - base)
			}
		}
		// Full slice expression: appending must never write into an array
		// that an earlier Persisted value still uses.
		s.Entries = append(s.Entries[:cut:cut], p.Entries...)
	}
	return s
}
