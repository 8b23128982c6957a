package raftstore

import (
	"bytes"
	"fmt"

	"github.com/flurm/flurm/core/controller"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Load returns everything stored, for a restarting controller: the hard
// state and snapshot (nil when none was written) and the entries after the
// snapshot, in order. The result shares nothing with the store.
//
// Load checks every record and the invariants between them; data that
// breaks them gives an error wrapping ErrCorrupt that names the problem,
// and fails the store. Load never repairs or drops data.
func (s *Store) Load() (controller.Persisted, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return controller.Persisted{}, err
	}
	if s.opened != nil {
		p := *s.opened
		s.opened = nil
		return p, nil
	}
	p, st, err := s.read()
	if err != nil {
		s.failed = fmt.Errorf("%w: %v", ErrFailed, err)
		return controller.Persisted{}, fmt.Errorf("raftstore: load: %w", err)
	}
	s.state = st
	return p, nil
}

// read reads and validates the whole store in one pass over its keys,
// which are in layout order: log entries, then the metadata.
func (s *Store) read() (controller.Persisted, logState, error) {
	var p controller.Persisted
	var st logState
	corrupt := func(format string, args ...any) (controller.Persisted, logState, error) {
		return controller.Persisted{}, logState{}, fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	it, err := s.db.NewIter(nil)
	if err != nil {
		return controller.Persisted{}, logState{}, err
	}
	var total int64
	var iterErr error
	for valid := it.First(); valid; valid = it.Next() {
		key := it.Key()
		v, err := it.ValueAndErr()
		if err != nil {
			iterErr = err
			break
		}
		if total += int64(len(key) + len(v)); total > s.opts.MaxLoadBytes {
			_ = it.Close()
			return controller.Persisted{}, logState{}, fmt.Errorf("stored data exceeds MaxLoadBytes (%d)", s.opts.MaxLoadBytes)
		}
		switch {
		case bytes.HasPrefix(key, logPrefix):
			index, err := parseLogKey(key)
			if err != nil {
				_ = it.Close()
				return corrupt("%v", err)
			}
			e := new(pb.Entry)
			if err := proto.Unmarshal(v, e); err != nil {
				_ = it.Close()
				return corrupt("entry at index %d does not decode: %v", index, err)
			}
			if e.GetIndex() != index {
				_ = it.Close()
				return corrupt("the record under index %d holds entry %d", index, e.GetIndex())
			}
			if err := checkEntryAfter(e, st.lastIndex, st.lastTerm); err != nil {
				_ = it.Close()
				return corrupt("%v", err)
			}
			if !st.hasEntries() {
				st.firstIndex = index
			}
			st.lastIndex, st.lastTerm = index, e.GetTerm()
			p.Entries = append(p.Entries, e)
		case bytes.Equal(key, hardStateKey):
			p.HardState = new(pb.HardState)
			if err := proto.Unmarshal(v, p.HardState); err != nil {
				_ = it.Close()
				return corrupt("hard state does not decode: %v", err)
			}
			st.hard = p.HardState
		case bytes.Equal(key, snapshotKey):
			p.Snapshot = new(pb.Snapshot)
			if err := proto.Unmarshal(v, p.Snapshot); err != nil {
				_ = it.Close()
				return corrupt("snapshot does not decode: %v", err)
			}
			if err := checkSnapshotMeta(p.Snapshot); err != nil {
				_ = it.Close()
				return corrupt("%v", err)
			}
			st.snapIndex, st.snapTerm = p.Snapshot.GetMetadata().GetIndex(), p.Snapshot.GetMetadata().GetTerm()
		case bytes.Equal(key, identityKey):
			// Checked by Open.
		default:
			_ = it.Close()
			return corrupt("unknown key %q", key)
		}
	}
	if err := it.Close(); err != nil && iterErr == nil {
		iterErr = err
	}
	if iterErr != nil {
		return controller.Persisted{}, logState{}, fmt.Errorf("reading the store: %w", iterErr)
	}
	if err := st.check(); err != nil {
		return corrupt("%v", err)
	}
	if st.hard != nil {
		st.hard = proto.Clone(st.hard).(*pb.HardState) // the caller owns p
	}
	return p, st, nil
}
