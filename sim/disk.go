package sim

import (
	"github.com/flurm/flurm/core/controller"
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
	d.synced = controller.ApplyPersist(d.synced, p)
	return p
}

// crash drops unsynced writes except a random prefix, returning how many
// writes (or entries of a torn write) were lost.
func (d *disk) crash(r *rng) (lost int) {
	keep := r.intn(len(d.pending) + 1)
	for i := 0; i < keep; i++ {
		d.synced = controller.ApplyPersist(d.synced, d.pending[i])
	}
	if keep < len(d.pending) {
		torn := d.pending[keep]
		n := r.intn(len(torn.Entries) + 1) // a prefix of the entries, without the HardState
		if n > 0 {
			d.synced = controller.ApplyPersist(d.synced, controller.Persist{Entries: torn.Entries[:n]})
		}
		lost = len(d.pending) - keep
	}
	d.pending = nil
	return lost
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
