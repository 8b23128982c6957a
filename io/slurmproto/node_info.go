package slurmproto

// NodeInfoResponse is RESPONSE_NODE_INFO: u32 record count, last_update,
// then the records (node_mgr.c pack_all_node/_pack_node; client
// _unpack_node_info_msg). Records are positional: job and partition
// node_inx bitmaps index into this order, so hidden nodes are still sent
// (with a NULL name).
type NodeInfoResponse struct {
	LastUpdate Time
	Nodes      []NodeInfo
}

func (m *NodeInfoResponse) encodeWire(w *writer) {
	w.count(len(m.Nodes))
	w.time(m.LastUpdate)
	encodeRecords(w, "Nodes", reflectValue(m.Nodes))
}

func (m *NodeInfoResponse) decodeWire(r *reader) {
	n := r.count(0)
	m.LastUpdate = r.time()
	decodeRecords(r, "Nodes", n, &m.Nodes)
}

func (*NodeInfoResponse) minWireSize() int { return 12 }

// NodeInfo is one node record (_unpack_node_info_members, protocol 38).
type NodeInfo struct {
	Name         Str
	NodeHostname Str
	NodeAddr     Str
	BcastAddress Str
	Port         uint16
	NextState    uint32
	NodeState    uint32 // NodeState* base in the low nibble plus flags
	Version      Str

	CPUs       uint16
	Boards     uint16
	Sockets    uint16 // total
	Cores      uint16 // per socket
	Threads    uint16
	RealMemory uint64 // MB
	TmpDisk    uint32

	MCSLabel     Str
	Owner        uint32
	CoreSpecCnt  uint16
	CPUBind      uint32
	MemSpecLimit uint64
	CPUSpecList  Str
	CPUsEfctv    uint16

	CPULoad   uint32 // load average x100
	FreeMem   uint64
	Weight    uint32
	ReasonUID uint32

	BootTime        Time
	LastBusy        Time
	ReasonTime      Time
	SlurmdStartTime Time

	Select NodeSelectInfo

	Arch        Str
	Features    Str
	FeaturesAct Str
	Gres        Str
	GresDrain   Str
	GresUsed    Str
	OS          Str
	Comment     Str
	Extra       Str
	Reason      Str

	Energy     NodeEnergy
	ExtSensors NodeExtSensors
	CapWatts   uint32 // power_mgmt_data; NoVal when none

	TRESFmtStr Str
}

// NodeSelectInfo is select_nodeinfo as packed by the cons_common plugins
// (cons_res, cons_tres): the plugin id then the allocation summary.
type NodeSelectInfo struct {
	PluginID          uint32
	AllocCPUs         uint16
	AllocMemory       uint64
	TRESAllocFmtStr   Str
	TRESAllocWeighted float64
}

// NodeEnergy is acct_gather_energy_t (acct_gather_energy_pack).
type NodeEnergy struct {
	BaseConsumedEnergy     uint64
	AveWatts               uint32
	ConsumedEnergy         uint64
	CurrentWatts           uint32
	PreviousConsumedEnergy uint64
	PollTime               Time
}

// NodeExtSensors is ext_sensors_data_t (ext_sensors_data_pack).
type NodeExtSensors struct {
	ConsumedEnergy   uint64
	Temperature      uint32
	EnergyUpdateTime Time
	CurrentWatts     uint32
}

// Node states (low nibble of NodeInfo.NodeState) and flag bits.
const (
	NodeStateUnknown     uint32 = 0
	NodeStateDown        uint32 = 1
	NodeStateIdle        uint32 = 2
	NodeStateAllocated   uint32 = 3
	NodeStateError       uint32 = 4
	NodeStateMixed       uint32 = 5
	NodeStateFuture      uint32 = 6
	NodeStateBase        uint32 = 0xf
	NodeStateDrain       uint32 = 1 << 9
	NodeStateCompleting  uint32 = 1 << 10
	NodeStateNoRespond   uint32 = 1 << 11
	NodeStatePoweredDown uint32 = 1 << 12
	NodeStateFail        uint32 = 1 << 13
	NodeStateMaint       uint32 = 1 << 15
)
