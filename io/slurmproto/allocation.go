package slurmproto

// AllocationResponse is RESPONSE_RESOURCE_ALLOCATION and
// RESPONSE_JOB_ALLOCATION_INFO (_pack_resource_allocation_response_msg,
// protocol 38). NodeCnt 0 tells salloc/srun the job is queued.
type AllocationResponse struct {
	Account          Str
	AliasList        Str
	BatchHost        Str
	Environment      []string
	ErrorCode        uint32
	JobSubmitUserMsg Str
	JobID            uint32
	NodeCnt          uint32
	// NodeAddrs nil is has_node_addr = 0; otherwise its length must be
	// NodeCnt.
	NodeAddrs       []Addr
	NodeList        Str
	NTasksPerBoard  uint16
	NTasksPerCore   uint16
	NTasksPerTRES   uint16
	NTasksPerSocket uint16
	// CPUGroups is the run-length list of CPUs per node (cpus_per_node x
	// cpu_count_reps).
	CPUGroups      CPUGroups
	Partition      Str
	PnMinMemory    uint64
	QOS            Str
	ResvName       Str
	SelectPluginID uint32
	// A working cluster record (federation) is not supported: always 0.
}

func (m *AllocationResponse) encodeWire(w *writer) {
	w.str(m.Account)
	w.str(m.AliasList)
	w.str(m.BatchHost)
	encodeSlice(w, reflectValue(m.Environment), "")
	w.u32(m.ErrorCode)
	w.str(m.JobSubmitUserMsg)
	w.u32(m.JobID)
	w.u32(m.NodeCnt)
	if m.NodeAddrs == nil {
		w.u8(0)
	} else {
		if len(m.NodeAddrs) != int(m.NodeCnt) {
			w.fail("%d node addresses for node_cnt %d", len(m.NodeAddrs), m.NodeCnt)
		}
		w.u8(1)
		w.count(len(m.NodeAddrs))
		for _, a := range m.NodeAddrs {
			w.addr(a)
		}
	}
	w.str(m.NodeList)
	w.u16(m.NTasksPerBoard)
	w.u16(m.NTasksPerCore)
	w.u16(m.NTasksPerTRES)
	w.u16(m.NTasksPerSocket)
	m.CPUGroups.encodeWire(w)
	w.str(m.Partition)
	w.u64(m.PnMinMemory)
	w.str(m.QOS)
	w.str(m.ResvName)
	w.u32(m.SelectPluginID)
	w.u8(0) // no working_cluster_rec
}

func (m *AllocationResponse) decodeWire(r *reader) {
	m.Account = r.str()
	m.AliasList = r.str()
	m.BatchHost = r.str()
	decodeSlice(r, reflectValue(&m.Environment).Elem(), "")
	m.ErrorCode = r.u32()
	m.JobSubmitUserMsg = r.str()
	m.JobID = r.u32()
	m.NodeCnt = r.u32()
	if r.boolean() {
		n := r.count(2)
		if r.err == nil && n != int(m.NodeCnt) {
			r.fail(ErrMalformed, "%d node addresses for node_cnt %d", n, m.NodeCnt)
		}
		if r.err == nil {
			m.NodeAddrs = make([]Addr, n)
			for i := range m.NodeAddrs {
				m.NodeAddrs[i] = r.addr()
			}
		}
	}
	m.NodeList = r.str()
	m.NTasksPerBoard = r.u16()
	m.NTasksPerCore = r.u16()
	m.NTasksPerTRES = r.u16()
	m.NTasksPerSocket = r.u16()
	m.CPUGroups.decodeWire(r)
	m.Partition = r.str()
	m.PnMinMemory = r.u64()
	m.QOS = r.str()
	m.ResvName = r.str()
	m.SelectPluginID = r.u32()
	if b := r.u8(); b != 0 && r.err == nil {
		r.fail(ErrUnsupported, "working cluster records are not supported (flag %d)", b)
	}
}

func (*AllocationResponse) minWireSize() int { return 4*7 + 1 + 4 + 8 + 4*3 + 4 + 1 + 16 }

// HetJobAllocationResponse is RESPONSE_HET_JOB_ALLOCATION
// (_pack_job_info_list_msg): a u16 count then that many allocations. srun
// inside an existing allocation expects it after REQUEST_HET_JOB_ALLOC_INFO.
type HetJobAllocationResponse struct {
	Components []AllocationResponse `wire:"count16"`
}
