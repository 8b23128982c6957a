package slurmrpc

import (
	"sort"
	"sync"
	"time"

	"github.com/flurm/flurm/io/slurmproto"
)

// maxRPCUsers bounds the per-user table; further users are folded into
// the last row's uid as slurmctld's fixed-size table would drop them.
const maxRPCUsers = 1000

// rpcStats are the counters sdiag prints under "Remote Procedure Call
// statistics": count and total time per message type and per user, since
// the daemon started (since zero) or the last reset. They are this
// controller's own counters, not replicated.
type rpcStats struct {
	mu      sync.Mutex
	since   time.Time
	byType  map[slurmproto.MsgType]*rpcCount
	byUser  map[uint32]*rpcCount
	submits uint32 // jobs submitted through this server since since
}

type rpcCount struct {
	count  uint32
	timeUS uint64
}

func newRPCStats(now time.Time) *rpcStats {
	return &rpcStats{since: now, byType: map[slurmproto.MsgType]*rpcCount{}, byUser: map[uint32]*rpcCount{}}
}

func (st *rpcStats) record(t slurmproto.MsgType, uid uint32, d time.Duration) {
	us := uint64(max(d.Microseconds(), 0))
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.byType[t]
	if c == nil {
		c = &rpcCount{}
		st.byType[t] = c
	}
	c.count++
	c.timeUS += us
	u := st.byUser[uid]
	if u == nil {
		if len(st.byUser) >= maxRPCUsers {
			return
		}
		u = &rpcCount{}
		st.byUser[uid] = u
	}
	u.count++
	u.timeUS += us
}

func (st *rpcStats) addSubmit() {
	st.mu.Lock()
	st.submits++
	st.mu.Unlock()
}

func (st *rpcStats) reset(now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.since = now
	st.byType = map[slurmproto.MsgType]*rpcCount{}
	st.byUser = map[uint32]*rpcCount{}
	st.submits = 0
}

// snapshot returns the tables in slurmctld's order (by count, then type or
// uid) and the start of the period.
func (st *rpcStats) snapshot() (types []slurmproto.RPCTypeStat, users []slurmproto.RPCUserStat, since time.Time, submits uint32) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for t, c := range st.byType {
		types = append(types, slurmproto.RPCTypeStat{MsgType: t, Count: c.count, TimeUS: c.timeUS})
	}
	for uid, c := range st.byUser {
		users = append(users, slurmproto.RPCUserStat{UID: uid, Count: c.count, TimeUS: c.timeUS})
	}
	sort.Slice(types, func(i, j int) bool {
		if types[i].Count != types[j].Count {
			return types[i].Count > types[j].Count
		}
		return types[i].MsgType < types[j].MsgType
	})
	sort.Slice(users, func(i, j int) bool {
		if users[i].Count != users[j].Count {
			return users[i].Count > users[j].Count
		}
		return users[i].UID < users[j].UID
	})
	return types, users, st.since, st.submits
}

// reasonOwners remembers who set each node's current reason through this
// server, so node records can carry reason_uid as slurmctld's do. Core does
// not replicate the uid (see the package report); a reason this server did
// not set is attributed to SlurmUser, which is who sets them in Slurm
// (not responding, low memory...).
type reasonOwners struct {
	mu sync.Mutex
	m  map[string]reasonOwner
}

type reasonOwner struct {
	reason string
	uid    uint32
}

const maxReasonOwners = 1 << 16

func newReasonOwners() *reasonOwners { return &reasonOwners{m: map[string]reasonOwner{}} }

func (o *reasonOwners) set(node, reason string, uid uint32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.m[node]; !ok && len(o.m) >= maxReasonOwners {
		return
	}
	o.m[node] = reasonOwner{reason, uid}
}

// uid returns who set reason on node, or def.
func (o *reasonOwners) uid(node, reason string, def uint32) uint32 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r, ok := o.m[node]; ok && r.reason == reason {
		return r.uid
	}
	return def
}
