package controller

import (
	"fmt"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Controller is one flurmctld replica: a Raft node, the replicated state
// machine and the leader's duties. It is a deterministic state machine:
// Handle is its only entry point and the host carries out what it returns.
type Controller struct {
	cfg     Config
	rn      *raft.RawNode
	storage *raft.MemoryStorage
	sm      *state.Machine
	conf    *pb.ConfState

	now     time.Time
	applied uint64
	snapIdx uint64

	// inflight is the Ready whose Persist the host is carrying out.
	inflight *raft.Ready
	token    uint64

	term        uint64
	leader      uint64
	leaderReady bool // leader that has applied an entry of its own term

	pending map[reqKey]*pendingReq
	duties  dutyState
	stats   Stats
}

type reqKey struct {
	client string
	seq    uint64
}

type pendingReq struct {
	from     msg.Addr
	deadline time.Time
}

// Stats counts what a controller did, for sdiag and the simulator.
type Stats struct {
	Proposals, Applied, Rejected, Snapshots, SnapshotsSent, SnapshotsRestored uint64
	SchedCycles, SchedStarts                                                  uint64
	LastSchedDuration                                                         time.Duration
	LaunchesSent, KillsSent, Fenced                                           uint64
}

// New starts a controller from what its disk holds (zero Persisted for a
// fresh one). Every replica starts from the same bootstrap snapshot, built
// from the configuration, so a fresh disk and a new cluster are the same.
func New(cfg Config, disk Persisted) (*Controller, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg, storage: raft.NewMemoryStorage(), pending: make(map[reqKey]*pendingReq)}
	c.duties.init()
	snap := disk.Snapshot
	if raft.IsEmptySnap(snap) {
		snap = &pb.Snapshot{Metadata: &pb.SnapshotMetadata{
			Index: proto.Uint64(1), Term: proto.Uint64(1),
			ConfState: &pb.ConfState{Voters: append([]uint64(nil), cfg.Peers...)},
		}}
	}
	if err := c.restore(snap); err != nil {
		return nil, err
	}
	if disk.HardState != nil {
		if err := c.storage.SetHardState(disk.HardState); err != nil {
			return nil, err
		}
	}
	var ents []*pb.Entry
	for _, e := range disk.Entries {
		if e.GetIndex() > snap.GetMetadata().GetIndex() {
			ents = append(ents, e)
		}
	}
	if err := c.storage.Append(ents); err != nil {
		return nil, fmt.Errorf("controller: stored log: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = discard{}
	}
	rn, err := raft.NewRawNode(&raft.Config{
		ID: cfg.ID, ElectionTick: cfg.ElectionTicks, HeartbeatTick: cfg.HeartbeatTicks,
		Storage: c.storage, Applied: c.applied, MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256,
		MaxUncommittedEntriesSize: 64 << 20, CheckQuorum: true, PreVote: true, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	c.rn = rn
	return c, nil
}

// restore replaces the state machine with a snapshot's.
func (c *Controller) restore(snap *pb.Snapshot) error {
	var sm *state.Machine
	var err error
	if len(snap.GetData()) == 0 {
		sm, err = state.New(c.cfg.Cluster) // the bootstrap snapshot
	} else {
		sm, err = state.Restore(snap.GetData())
	}
	if err != nil {
		return fmt.Errorf("controller: snapshot at %d: %w", snap.GetMetadata().GetIndex(), err)
	}
	if err := c.storage.ApplySnapshot(snap); err != nil && err != raft.ErrSnapOutOfDate {
		return err
	}
	sm.OnTransition = c.cfg.OnJobTransition
	c.sm = sm
	c.conf = snap.GetMetadata().GetConfState()
	c.applied = snap.GetMetadata().GetIndex()
	c.snapIdx = c.applied
	return nil
}

// Handle processes one event at time now and returns the effects to carry
// out, in order.
func (c *Controller) Handle(now time.Time, ev Event) []Effect {
	if now.After(c.now) {
		c.now = now // a clock that steps back never moves ours back
	}
	var out []Effect
	switch ev := ev.(type) {
	case Tick:
		c.rn.Tick()
		out = c.leaderTick(out)
		out = append(out, SetTimer{AtNanos: c.now.Add(c.cfg.TickInterval).UnixNano()})
	case Recv:
		out = c.recv(ev, out)
	case DiskDone:
		out = c.diskDone(ev.Token, out)
	}
	return c.ready(out)
}

func (c *Controller) recv(ev Recv, out []Effect) []Effect {
	switch m := ev.Msg.(type) {
	case msg.Raft:
		var rm pb.Message
		if err := proto.Unmarshal(m.Data, &rm); err != nil {
			return out // a corrupt frame is dropped like a lost one
		}
		_ = c.rn.Step(&rm) // errors mean a message for a removed or unknown peer
	case msg.ClientRequest:
		out = c.clientRequest(ev.From, m, out)
	case msg.Heartbeat:
		out = c.heartbeat(ev.From, m, out)
	case msg.LaunchRefused:
		c.stats.Fenced++
	}
	return out
}

// ready takes the next Ready, if any, and asks the host to persist it. The
// rest of its handling waits for DiskDone: etcd raft's order is persist,
// then send, then apply, then advance.
func (c *Controller) ready(out []Effect) []Effect {
	if c.inflight != nil || !c.rn.HasReady() {
		return out
	}
	rd := c.rn.Ready()
	c.observeSoftState()
	c.inflight = &rd
	if raft.IsEmptyHardState(rd.HardState) && len(rd.Entries) == 0 && raft.IsEmptySnap(rd.Snapshot) {
		return c.finishReady(out)
	}
	c.token++
	p := Persist{Token: c.token, Entries: rd.Entries}
	if !raft.IsEmptyHardState(rd.HardState) {
		p.HardState = rd.HardState
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		// Raft restores a leader's snapshot only when its log does not
		// match it, and then drops the whole log (MemoryStorage does too).
		p.Snapshot, p.Restore = rd.Snapshot, true
	}
	return append(out, p)
}

func (c *Controller) diskDone(token uint64, out []Effect) []Effect {
	if c.inflight == nil || token != c.token {
		return out // a completion from before a restart, or a token-0 write
	}
	return c.finishReady(out)
}

// finishReady runs once the inflight Ready is durable.
func (c *Controller) finishReady(out []Effect) []Effect {
	rd := c.inflight
	if !raft.IsEmptySnap(rd.Snapshot) {
		c.stats.SnapshotsRestored++
		if err := c.restore(rd.Snapshot); err != nil {
			panic(fmt.Sprintf("controller %d: received snapshot: %v", c.cfg.ID, err))
		}
	}
	if !raft.IsEmptyHardState(rd.HardState) {
		_ = c.storage.SetHardState(rd.HardState)
	}
	if err := c.storage.Append(rd.Entries); err != nil {
		panic(fmt.Sprintf("controller %d: append: %v", c.cfg.ID, err))
	}
	for _, m := range rd.Messages {
		data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			panic(fmt.Sprintf("controller %d: marshal raft message: %v", c.cfg.ID, err))
		}
		out = append(out, Send{To: msg.ControllerAddr(m.GetTo()), Msg: msg.Raft{Data: data}})
		if m.GetType() == pb.MessageType_MsgSnap {
			// The host cannot tell us whether a snapshot arrived. Reporting
			// it sent lets the leader probe again: if it was lost, the
			// follower rejects the next append and gets a fresh snapshot.
			c.rn.ReportSnapshot(m.GetTo(), raft.SnapshotFinish)
			c.stats.SnapshotsSent++
		}
	}
	for _, e := range rd.CommittedEntries {
		out = c.applyEntry(e, out)
	}
	c.rn.Advance(*rd)
	c.inflight = nil
	out = c.maybeSnapshot(out)
	return c.ready(out)
}

// observeSoftState notes term and leader changes. A leader's duties wait
// until it has applied an entry of its own term (leaderReady), so they never
// act on a state that misses entries a previous leader committed.
func (c *Controller) observeSoftState() {
	st := c.rn.BasicStatus()
	term := st.HardState.GetTerm()
	if term != c.term || st.RaftState != raft.StateLeader {
		c.leaderReady = false
	}
	c.term, c.leader = term, st.Lead
}

func (c *Controller) applyEntry(e *pb.Entry, out []Effect) []Effect {
	if e.GetIndex() <= c.applied {
		return out
	}
	c.applied = e.GetIndex()
	switch e.GetType() {
	case pb.EntryType_EntryConfChange:
		var cc pb.ConfChange
		if err := proto.Unmarshal(e.GetData(), &cc); err == nil {
			c.conf = c.rn.ApplyConfChange(&cc)
		}
		return out
	case pb.EntryType_EntryConfChangeV2:
		var cc pb.ConfChangeV2
		if err := proto.Unmarshal(e.GetData(), &cc); err == nil {
			c.conf = c.rn.ApplyConfChange(&cc)
		}
		return out
	}
	if len(e.GetData()) == 0 {
		if c.isLeader() && e.GetTerm() == c.term && !c.leaderReady {
			c.leaderReady = true
			c.duties.becameLeader(c.now, c.sm)
			out = c.announceLeader(out)
		}
		return out
	}
	env, err := decodeEnvelope(e.GetData())
	if err != nil {
		// Every replica rejects the same bytes the same way, so skipping
		// keeps them identical; the proposer validated it, so this is a bug.
		c.stats.Rejected++
		return out
	}
	res := c.sm.Apply(env.cmd)
	c.stats.Applied++
	if c.cfg.OnApply != nil {
		c.cfg.OnApply(e.GetIndex(), env.cmd, res, c.sm)
	}
	if res.Err != nil {
		c.stats.Rejected++
	}
	out = c.afterApply(e.GetIndex(), env, res, out)
	return out
}

func (c *Controller) maybeSnapshot(out []Effect) []Effect {
	if c.applied-c.snapIdx < c.cfg.SnapshotEvery || c.inflight != nil {
		return out
	}
	snap, err := c.storage.CreateSnapshot(c.applied, c.conf, c.sm.Snapshot())
	if err != nil {
		return out
	}
	c.snapIdx = c.applied
	c.stats.Snapshots++
	if c.applied > c.cfg.SnapshotCatchUp {
		_ = c.storage.Compact(c.applied - c.cfg.SnapshotCatchUp)
	}
	return append(out, Persist{Snapshot: snap})
}

func (c *Controller) isLeader() bool { return c.rn.BasicStatus().RaftState == raft.StateLeader }

// discard is the default Raft logger.
type discard struct{}

func (discard) Debug(...any)            {}
func (discard) Debugf(string, ...any)   {}
func (discard) Error(...any)            {}
func (discard) Errorf(string, ...any)   {}
func (discard) Info(...any)             {}
func (discard) Infof(string, ...any)    {}
func (discard) Warning(...any)          {}
func (discard) Warningf(string, ...any) {}
func (discard) Fatal(v ...any)          { panic(fmt.Sprint(v...)) }
func (discard) Fatalf(f string, v ...any) {
	panic(fmt.Sprintf(f, v...))
}
func (discard) Panic(v ...any)            { panic(fmt.Sprint(v...)) }
func (discard) Panicf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
