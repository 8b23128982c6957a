package raftstore

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"
)

// logState summarises what the store holds, so Apply can validate a write
// without reading the log.
type logState struct {
	hard      *pb.HardState // nil when none is stored
	snapIndex uint64        // 0 when no snapshot is stored
	snapTerm  uint64
	// firstIndex..lastIndex are the stored entries; lastIndex 0 means none.
	firstIndex, lastIndex, lastTerm uint64
}

func (st logState) hasEntries() bool { return st.lastIndex != 0 }

// lastKnownIndex is the log's last index as far as the store can tell: the
// last entry's, else the snapshot's, else 0 (unknown: before any snapshot
// the controller starts from a bootstrap snapshot it never stores).
func (st logState) lastKnownIndex() uint64 {
	if st.hasEntries() {
		return st.lastIndex
	}
	return st.snapIndex
}

// check is the invariant every state Apply writes and Load accepts must
// satisfy, beyond each record being well formed. Raft's restart code
// (raftLog.loadState) panics on a commit index outside [snapshot, last],
// so these are caught here, with an error, instead.
func (st logState) check() error {
	if st.hasEntries() && st.snapIndex != 0 {
		if st.firstIndex <= st.snapIndex {
			return fmt.Errorf("log entry %d is covered by the snapshot at index %d", st.firstIndex, st.snapIndex)
		}
		if st.firstIndex != st.snapIndex+1 {
			return fmt.Errorf("gap: the snapshot ends at index %d but the log starts at index %d", st.snapIndex, st.firstIndex)
		}
	}
	if st.hard == nil {
		return nil
	}
	commit, term := st.hard.GetCommit(), st.hard.GetTerm()
	if st.snapIndex != 0 {
		if commit < st.snapIndex {
			return fmt.Errorf("hard state commit %d is below the snapshot index %d", commit, st.snapIndex)
		}
		if term < st.snapTerm {
			return fmt.Errorf("hard state term %d is below the snapshot term %d", term, st.snapTerm)
		}
	}
	if last := st.lastKnownIndex(); last != 0 && commit > last {
		return fmt.Errorf("hard state commit %d is beyond the last log index %d", commit, last)
	}
	if st.hasEntries() && term < st.lastTerm {
		return fmt.Errorf("hard state term %d is below the last entry's term %d", term, st.lastTerm)
	}
	return nil
}

// checkHardStateStep refuses a hard state Raft cannot produce after old:
// terms and commit indexes never go back, and a vote, once cast, holds for
// the rest of its term. Writing one anyway could make this node vote twice
// or forget a commitment after a restart.
func checkHardStateStep(old, next *pb.HardState) error {
	if old == nil {
		return nil
	}
	switch {
	case next.GetTerm() < old.GetTerm():
		return fmt.Errorf("hard state term goes back from %d to %d", old.GetTerm(), next.GetTerm())
	case next.GetCommit() < old.GetCommit():
		return fmt.Errorf("hard state commit goes back from %d to %d", old.GetCommit(), next.GetCommit())
	case next.GetTerm() == old.GetTerm() && old.GetVote() != 0 && next.GetVote() != old.GetVote():
		return fmt.Errorf("hard state vote changes from %d to %d within term %d", old.GetVote(), next.GetVote(), old.GetTerm())
	}
	return nil
}

// checkSnapshotMeta checks a snapshot's metadata is one Raft can restore.
func checkSnapshotMeta(s *pb.Snapshot) error {
	md := s.GetMetadata()
	switch {
	case md.GetIndex() == 0:
		return fmt.Errorf("snapshot has index 0")
	case md.GetIndex() > maxIndex:
		return fmt.Errorf("snapshot index %d exceeds the limit %d", md.GetIndex(), uint64(maxIndex))
	case md.GetTerm() == 0:
		return fmt.Errorf("snapshot at index %d has term 0", md.GetIndex())
	}
	return nil
}

// checkEntryAfter checks e may follow an entry at prevIndex with prevTerm
// (prevIndex 0: e is the first entry seen, unconstrained).
func checkEntryAfter(e *pb.Entry, prevIndex, prevTerm uint64) error {
	idx, term := e.GetIndex(), e.GetTerm()
	switch {
	case idx == 0:
		return fmt.Errorf("entry has index 0")
	case idx > maxIndex:
		return fmt.Errorf("entry index %d exceeds the limit %d", idx, uint64(maxIndex))
	case term == 0:
		return fmt.Errorf("entry %d has term 0", idx)
	case prevIndex != 0 && idx != prevIndex+1:
		return fmt.Errorf("entry %d follows entry %d: the log must be contiguous", idx, prevIndex)
	case prevIndex != 0 && term < prevTerm:
		return fmt.Errorf("entry %d has term %d, below the previous entry's term %d", idx, term, prevTerm)
	}
	return nil
}
