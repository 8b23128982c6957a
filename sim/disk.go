package sim

import (
	"github.com/flurm/flurm/core/controller"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// disk is one controller's simulated stable storage. Writes become durable
// in order when their sync completes; a crash keeps the synced state plus a
// random prefix of the writes still in flight (a torn tail), as a real
// file system with an ordered log may.
type disk struct {
	synced  controller.Persisted
	pending []controller.Persist
}

// write queues a Persist; the caller schedules its completion.
func (d *disk) write(p controller.Persist) { d.pending = append(d.pending, p) }

// syncOne makes the oldest pending write durable.
func (d *disk) syncOne() controller.Persist {
	p := d.pending[0]
	d.pending = d.pending[1:]
	d.synced = applyPersist(d.synced, p, -1)
	return p
}

// crash drops unsynced writes except a random prefix, returning how many
// writes (or entries of a torn write) were lost.
func (d *disk) crash(r *rng) (lost int) {
	keep := r.intn(len(d.pending) + 1)
	for i := 0; i < keep; i++ {
		d.synced = applyPersist(d.synced, d.pending[i], -1)
	}
	if keep < len(d.pending) {
		torn := d.pending[keep]
		n := r.intn(len(torn.Entries) + 1) // a prefix of the entries, without the HardState
		if n > 0 {
			d.synced = applyPersist(d.synced, controller.Persist{Entries: torn.Entries[:n]}, -1)
		}
		lost = len(d.pending) - keep
	}
	d.pending = nil
	return lost
}

// applyPersist applies one write to a stored state, with Persist's rules.
func applyPersist(s controller.Persisted, p controller.Persist, _ int) controller.Persisted {
	if p.HardState != nil {
		s.HardState = proto.Clone(p.HardState).(*pb.HardState)
	}
	if !raft.IsEmptySnap(p.Snapshot) && p.Snapshot.GetMetadata().GetIndex() > s.Snapshot.GetMetadata().GetIndex() {
		s.Snapshot = proto.Clone(p.Snapshot).(*pb.Snapshot)
		idx := s.Snapshot.GetMetadata().GetIndex()
		kept := s.Entries[:0:0]
		for _, e := range s.Entries {
			if e.GetIndex() > idx {
				kept = append(kept, e)
			}
		}
		s.Entries = kept
	}
	if len(p.Entries) > 0 {
		// Entries are contiguous, so the cut point is found by arithmetic.
		// They are shared with the controller, which never mutates them;
		// recovered() hands a restarting controller copies.
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
		s.Entries = append(s.Entries[:cut], p.Entries...)
	}
	return s
}

// recovered is what a restarting controller reads: copies, so no state is
// shared between a crashed incarnation and the next.
func (d *disk) recovered() controller.Persisted {
	out := controller.Persisted{}
	if d.synced.HardState != nil {
		out.HardState = proto.Clone(d.synced.HardState).(*pb.HardState)
	}
	if d.synced.Snapshot != nil {
		out.Snapshot = proto.Clone(d.synced.Snapshot).(*pb.Snapshot)
	}
	for _, e := range d.synced.Entries {
		out.Entries = append(out.Entries, proto.Clone(e).(*pb.Entry))
	}
	return out
}
