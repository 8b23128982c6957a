package raftstore

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/flurm/flurm/core/controller"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Apply makes p durable with Persist's rules (see controller.Persist): one
// Pebble batch, committed with a sync, so when Apply returns nil the whole
// write survives a crash, and a crash during Apply leaves either all of it
// or none of it.
//
// A write Raft cannot produce (a gap in the log, a term or commit going
// back, ...) is refused with ErrInvalidWrite before anything is written.
// Any other error means the write may or may not be durable and the store
// is failed: every later call returns ErrFailed, and the caller must stop
// the controller, close the store and reopen it, which reads back whatever
// did reach the disk.
func (s *Store) Apply(p controller.Persist) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	s.opened = nil
	b := s.db.NewBatch()
	defer b.Close()
	next, err := s.plan(b, p)
	if err != nil {
		if errors.Is(err, ErrInvalidWrite) {
			return err
		}
		s.failed = fmt.Errorf("%w: planning a write: %v", ErrFailed, err)
		return s.failed
	}
	if b.Empty() {
		return nil
	}
	if err := commitSynced(b); err != nil {
		s.failed = fmt.Errorf("%w: write not known to be durable: %v", ErrFailed, err)
		return s.failed
	}
	s.state = next
	return nil
}

// commitSynced commits b durably.
func commitSynced(b *pebble.Batch) error {
	return recoverFatal(func() error { return b.Commit(pebble.Sync) })
}

// plan validates p against the stored state, fills b with its writes and
// returns the state after them. Errors are ErrInvalidWrite unless reading
// the store failed.
func (s *Store) plan(b *pebble.Batch, p controller.Persist) (logState, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidWrite, fmt.Sprintf(format, args...))
	}
	next := s.state
	size := 0
	put := func(key []byte, m proto.Message, what string) error {
		v, err := proto.Marshal(m)
		if err != nil {
			return invalid("encoding %s: %v", what, err)
		}
		if size += len(key) + len(v); size > s.opts.MaxWriteBytes {
			return invalid("write exceeds MaxWriteBytes (%d)", s.opts.MaxWriteBytes)
		}
		return b.Set(key, v, nil)
	}

	if p.HardState != nil {
		if err := checkHardStateStep(s.state.hard, p.HardState); err != nil {
			return next, invalid("%v", err)
		}
		if err := put(hardStateKey, p.HardState, "hard state"); err != nil {
			return next, err
		}
		next.hard = proto.Clone(p.HardState).(*pb.HardState)
	}

	// A snapshot no newer than the stored one is ignored, as the rules say.
	if !raft.IsEmptySnap(p.Snapshot) && p.Snapshot.GetMetadata().GetIndex() > next.snapIndex {
		if err := checkSnapshotMeta(p.Snapshot); err != nil {
			return next, invalid("%v", err)
		}
		if err := put(snapshotKey, p.Snapshot, "snapshot"); err != nil {
			return next, err
		}
		idx := p.Snapshot.GetMetadata().GetIndex()
		next.snapIndex, next.snapTerm = idx, p.Snapshot.GetMetadata().GetTerm()
		switch {
		case next.hasEntries() && p.Restore:
			// A leader's snapshot replaces the whole log.
			if err := b.DeleteRange(logKey(0), logKey(next.lastIndex+1), nil); err != nil {
				return next, err
			}
			next.firstIndex, next.lastIndex, next.lastTerm = 0, 0, 0
		case next.hasEntries() && next.firstIndex <= idx:
			if err := b.DeleteRange(logKey(0), logKey(idx+1), nil); err != nil {
				return next, err
			}
			if next.lastIndex <= idx {
				next.firstIndex, next.lastIndex, next.lastTerm = 0, 0, 0
			} else {
				next.firstIndex = idx + 1
			}
		}
	}

	if len(p.Entries) > 0 {
		if err := s.planEntries(b, p.Entries, &next, put); err != nil {
			return next, err
		}
	}

	if err := next.check(); err != nil {
		return next, invalid("%v", err)
	}
	return next, nil
}

// planEntries adds the appended entries, and the deletion of the stored
// suffix they replace, to b.
func (s *Store) planEntries(b *pebble.Batch, ents []*pb.Entry, next *logState,
	put func([]byte, proto.Message, string) error) error {
	first := ents[0].GetIndex()
	for i, e := range ents {
		var prevIndex, prevTerm uint64
		if i > 0 {
			prevIndex, prevTerm = ents[i-1].GetIndex(), ents[i-1].GetTerm()
		}
		if err := checkEntryAfter(e, prevIndex, prevTerm); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidWrite, err)
		}
	}
	if last := next.lastKnownIndex(); last != 0 {
		if first > last+1 {
			return fmt.Errorf("%w: appending at index %d leaves a gap after the log's last index %d", ErrInvalidWrite, first, last)
		}
		if first <= next.snapIndex {
			return fmt.Errorf("%w: appending at index %d rewrites entries covered by the snapshot at index %d", ErrInvalidWrite, first, next.snapIndex)
		}
	}
	// Raft never rewrites a committed entry (it panics on such a conflict);
	// a write that would is a bug that could lose a committed command.
	if commit := s.state.hard.GetCommit(); first <= commit {
		return fmt.Errorf("%w: appending at index %d rewrites committed entries (commit %d)", ErrInvalidWrite, first, commit)
	}
	prevTerm, known, err := s.termAt(*next, first-1)
	if err != nil {
		return err
	}
	if known && ents[0].GetTerm() < prevTerm {
		return fmt.Errorf("%w: entry %d has term %d, below the preceding entry's term %d", ErrInvalidWrite, first, ents[0].GetTerm(), prevTerm)
	}

	if next.hasEntries() && first <= next.lastIndex {
		// Replace the stored suffix; the new entries' Sets come later in the
		// batch, so they win over this deletion.
		if err := b.DeleteRange(logKey(first), logKey(next.lastIndex+1), nil); err != nil {
			return err
		}
	}
	for _, e := range ents {
		if err := put(logKey(e.GetIndex()), e, fmt.Sprintf("entry %d", e.GetIndex())); err != nil {
			return err
		}
	}
	if !next.hasEntries() || first < next.firstIndex {
		next.firstIndex = first
	}
	last := ents[len(ents)-1]
	next.lastIndex, next.lastTerm = last.GetIndex(), last.GetTerm()
	return nil
}

// termAt is the term of the entry at index in state st, if the store knows
// it: a stored entry's, or the snapshot's at its index.
func (s *Store) termAt(st logState, index uint64) (term uint64, known bool, err error) {
	switch {
	case index == 0:
		return 0, false, nil
	case st.hasEntries() && index == st.lastIndex:
		return st.lastTerm, true, nil
	case st.hasEntries() && index >= st.firstIndex && index < st.lastIndex:
		v, closer, err := s.db.Get(logKey(index))
		if err != nil {
			return 0, false, fmt.Errorf("reading entry %d: %w", index, err)
		}
		defer closer.Close()
		var e pb.Entry
		if err := proto.Unmarshal(v, &e); err != nil {
			return 0, false, fmt.Errorf("%w: entry %d: %v", ErrCorrupt, index, err)
		}
		return e.GetTerm(), true, nil
	case index == st.snapIndex:
		return st.snapTerm, true, nil
	}
	return 0, false, nil
}
