package controller

import (
	"github.com/flurm/flurm/core/msg"
	pb "go.etcd.io/raft/v3/raftpb"
)

// Event is an input to Handle.
type Event interface{ isEvent() }

// Tick is the periodic timer the host delivers every Config.TickInterval
// (and whenever a SetTimer effect asks for it).
type Tick struct{}

// Recv is a message from another process.
type Recv struct {
	From msg.Addr
	Msg  msg.Message
}

// DiskDone tells the controller that the Persist effect with this Token is
// durable (written and synced).
type DiskDone struct{ Token uint64 }

func (Tick) isEvent()     {}
func (Recv) isEvent()     {}
func (DiskDone) isEvent() {}

// Effect is an output of Handle. The host must carry effects out in the
// order they are returned.
type Effect interface{ isEffect() }

// Send delivers a message. Delivery may fail; the protocol tolerates loss.
type Send struct {
	To  msg.Addr
	Msg msg.Message
}

// Persist must be made durable, in order with earlier Persists, before the
// host delivers DiskDone{Token}:
//   - HardState, if non-nil, replaces the stored one;
//   - Entries are appended, replacing any stored entries at or after the
//     index of the first one;
//   - Snapshot, if non-nil, replaces the stored snapshot, and stored entries
//     up to its index may be dropped; with Restore (a snapshot received from
//     the leader) every stored entry is dropped, as etcd raft drops its
//     whole log when it restores a snapshot its log does not match, so a
//     restart never revives entries the running node had already thrown
//     away.
//
// Token 0 marks a write that needs no DiskDone (a local snapshot, which
// the log still covers if the write is lost).
type Persist struct {
	Token     uint64
	HardState *pb.HardState
	Entries   []*pb.Entry
	Snapshot  *pb.Snapshot
	Restore   bool // Snapshot came from the leader: it replaces the whole log
}

// SetTimer asks for a Tick at or after the given time.
type SetTimer struct{ AtNanos int64 }

func (Send) isEffect()     {}
func (Persist) isEffect()  {}
func (SetTimer) isEffect() {}

// Persisted is what a controller finds on its disk when it starts.
type Persisted struct {
	HardState *pb.HardState
	Snapshot  *pb.Snapshot
	Entries   []*pb.Entry
}
