package slurmproto

// StatsInfoResponse is RESPONSE_STATS_INFO (sdiag): statistics.c
// pack_all_stat plus the RPC tables; client _unpack_stats_response_msg.
// Scheduler is nil after a reset (wire parts_packed = 0).
type StatsInfoResponse struct {
	Scheduler *SchedulerStats
	RPCTypes  []RPCTypeStat
	RPCUsers  []RPCUserStat
	RPCQueues []RPCQueueStat
	RPCDumps  []RPCDump
}

// SchedulerStats is the block guarded by parts_packed.
type SchedulerStats struct {
	ReqTime              Time
	ReqTimeStart         Time
	ServerThreadCount    uint32
	AgentQueueSize       uint32
	AgentCount           uint32
	AgentThreadCount     uint32
	DBDAgentQueueSize    uint32
	GettimeofdayLatency  uint32
	JobsSubmitted        uint32
	JobsStarted          uint32
	JobsCompleted        uint32
	JobsCanceled         uint32
	JobsFailed           uint32
	JobsPending          uint32
	JobsRunning          uint32
	JobStatesTS          Time
	ScheduleCycleMax     uint32
	ScheduleCycleLast    uint32
	ScheduleCycleSum     uint32
	ScheduleCycleCounter uint32
	ScheduleCycleDepth   uint32
	ScheduleQueueLen     uint32
	BfBackfilledJobs     uint32
	BfLastBackfilledJobs uint32
	BfCycleCounter       uint32
	BfCycleSum           uint64
	BfCycleLast          uint32
	BfLastDepth          uint32
	BfLastDepthTry       uint32
	BfQueueLen           uint32
	BfCycleMax           uint32
	BfWhenLastCycle      Time
	BfDepthSum           uint32
	BfDepthTrySum        uint32
	BfQueueLenSum        uint32
	BfTableSize          uint32
	BfTableSizeSum       uint32
	BfActive             uint32
	BfBackfilledHetJobs  uint32
}

// RPCTypeStat is one row of the per-message-type RPC table.
type RPCTypeStat struct {
	MsgType MsgType
	Count   uint32
	TimeUS  uint64 // total microseconds
}

// RPCUserStat is one row of the per-user RPC table.
type RPCUserStat struct {
	UID    uint32
	Count  uint32
	TimeUS uint64
}

// RPCQueueStat is one row of the pending-RPC queue table.
type RPCQueueStat struct {
	MsgType uint32
	Count   uint32
}

// RPCDump is one queued agent RPC and its host list.
type RPCDump struct {
	MsgType  uint32
	HostList string
}

// The wire keeps each table as parallel arrays (with the first two also
// preceded by their size); the Go side keeps rows so sizes cannot disagree.

func (m *StatsInfoResponse) encodeWire(w *writer) {
	w.path = append(w.path, "Scheduler")
	encodeOptional(w, reflectValue(m.Scheduler), "opt32")
	w.path[len(w.path)-1] = "RPCTypes"
	w.count(len(m.RPCTypes))
	w.count(len(m.RPCTypes))
	for _, s := range m.RPCTypes {
		w.u16(uint16(s.MsgType))
	}
	w.count(len(m.RPCTypes))
	for _, s := range m.RPCTypes {
		w.u32(s.Count)
	}
	w.count(len(m.RPCTypes))
	for _, s := range m.RPCTypes {
		w.u64(s.TimeUS)
	}
	w.path[len(w.path)-1] = "RPCUsers"
	for range 2 {
		w.count(len(m.RPCUsers))
	}
	for _, s := range m.RPCUsers {
		w.u32(s.UID)
	}
	w.count(len(m.RPCUsers))
	for _, s := range m.RPCUsers {
		w.u32(s.Count)
	}
	w.count(len(m.RPCUsers))
	for _, s := range m.RPCUsers {
		w.u64(s.TimeUS)
	}
	w.path[len(w.path)-1] = "RPCQueues"
	w.count(len(m.RPCQueues))
	for _, s := range m.RPCQueues {
		w.u32(s.MsgType)
	}
	w.count(len(m.RPCQueues))
	for _, s := range m.RPCQueues {
		w.u32(s.Count)
	}
	w.path[len(w.path)-1] = "RPCDumps"
	w.count(len(m.RPCDumps))
	for _, s := range m.RPCDumps {
		w.u32(s.MsgType)
	}
	w.count(len(m.RPCDumps))
	for _, s := range m.RPCDumps {
		w.str(S(s.HostList))
	}
	w.path = w.path[:len(w.path)-1]
}

func (m *StatsInfoResponse) decodeWire(r *reader) {
	r.path = append(r.path, "Scheduler")
	decodeOptional(r, reflectValue(&m.Scheduler).Elem(), "opt32")

	r.path[len(r.path)-1] = "RPCTypes"
	size := r.u32()
	ids := readArray(r, 2, size, func() uint64 { return uint64(r.u16()) })
	cnts := readArray(r, 4, size, func() uint64 { return uint64(r.u32()) })
	times := readArray(r, 8, size, r.u64)
	if r.err == nil && len(ids) > 0 {
		m.RPCTypes = make([]RPCTypeStat, len(ids))
		for i := range ids {
			m.RPCTypes[i] = RPCTypeStat{MsgType(ids[i]), uint32(cnts[i]), times[i]}
		}
	}

	r.path[len(r.path)-1] = "RPCUsers"
	size = r.u32()
	uids := readArray(r, 4, size, func() uint64 { return uint64(r.u32()) })
	cnts = readArray(r, 4, size, func() uint64 { return uint64(r.u32()) })
	times = readArray(r, 8, size, r.u64)
	if r.err == nil && len(uids) > 0 {
		m.RPCUsers = make([]RPCUserStat, len(uids))
		for i := range uids {
			m.RPCUsers[i] = RPCUserStat{uint32(uids[i]), uint32(cnts[i]), times[i]}
		}
	}

	r.path[len(r.path)-1] = "RPCQueues"
	types := readArray(r, 4, NoVal, func() uint64 { return uint64(r.u32()) })
	cnts = readArray(r, 4, uint32(len(types)), func() uint64 { return uint64(r.u32()) })
	if r.err == nil && len(types) > 0 {
		m.RPCQueues = make([]RPCQueueStat, len(types))
		for i := range types {
			m.RPCQueues[i] = RPCQueueStat{uint32(types[i]), uint32(cnts[i])}
		}
	}

	r.path[len(r.path)-1] = "RPCDumps"
	types = readArray(r, 4, NoVal, func() uint64 { return uint64(r.u32()) })
	n := r.count(4)
	if r.err == nil && n != len(types) {
		r.fail(ErrMalformed, "%d dump types but %d host lists", len(types), n)
	}
	if r.err == nil && n > 0 {
		m.RPCDumps = make([]RPCDump, n)
		for i := range m.RPCDumps {
			m.RPCDumps[i] = RPCDump{uint32(types[i]), r.str().String()}
		}
	}
	r.path = r.path[:len(r.path)-1]
}

func (*StatsInfoResponse) minWireSize() int { return 4 * 11 }

// readArray reads a u32 count and that many elements. want is the length
// the count must equal (NoVal: any). Values are widened to uint64.
func readArray(r *reader, elemSize int, want uint32, read func() uint64) []uint64 {
	n := r.count(elemSize)
	if r.err != nil {
		return nil
	}
	if want != NoVal && uint32(n) != want {
		r.fail(ErrMalformed, "array of %d elements where %d are announced", n, want)
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = read()
	}
	return out
}
