package slurmproto

import "reflect"

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }

// PartitionInfoResponse is RESPONSE_PARTITION_INFO: u32 record count,
// last_update, then the records (partition_mgr.c pack_all_part/pack_part;
// client _unpack_partition_info_msg).
type PartitionInfoResponse struct {
	LastUpdate Time
	Partitions []PartitionInfo
}

func (m *PartitionInfoResponse) encodeWire(w *writer) {
	w.count(len(m.Partitions))
	w.time(m.LastUpdate)
	encodeRecords(w, "Partitions", reflectValue(m.Partitions))
}

func (m *PartitionInfoResponse) decodeWire(r *reader) {
	n := r.count(0)
	m.LastUpdate = r.time()
	decodeRecords(r, "Partitions", n, &m.Partitions)
}

func (*PartitionInfoResponse) minWireSize() int { return 12 }

// PartitionInfo is one partition record (_unpack_partition_info_members,
// protocol 38).
type PartitionInfo struct {
	Name Str

	CPUBind     uint32
	GraceTime   uint32
	MaxTime     uint32 // minutes; Infinite = unlimited
	DefaultTime uint32 // NoVal = none
	MaxNodes    uint32
	MinNodes    uint32
	TotalNodes  uint32
	TotalCPUs   uint32

	DefMemPerCPU   uint64
	MaxCPUsPerNode uint32
	MaxMemPerCPU   uint64

	Flags             uint16 // PartFlag*
	MaxShare          uint16
	OverTimeLimit     uint16
	PreemptMode       uint16
	PriorityJobFactor uint16
	PriorityTier      uint16
	StateUp           uint16 // PartitionUp etc.
	CRType            uint16
	ResumeTimeout     uint16
	SuspendTimeout    uint16
	SuspendTime       uint32

	AllowAccounts   Str
	AllowGroups     Str
	AllowAllocNodes Str
	AllowQOS        Str
	QOSChar         Str
	Alternate       Str
	DenyAccounts    Str
	DenyQOS         Str
	Nodes           Str
	NodeSets        Str

	NodeInx           Bitmap // over RESPONSE_NODE_INFO's node order
	BillingWeightsStr Str
	TRESFmtStr        Str
	JobDefaults       []JobDefault // nil = wire NO_VAL
}

// JobDefault is one job_defaults_t entry (job_defaults_pack).
type JobDefault struct {
	Type  uint16
	Value uint64
}

// Partition state_up values and flag bits.
const (
	PartitionInactive uint16 = 0
	PartitionDown     uint16 = 1
	PartitionDrain    uint16 = 2
	PartitionUp       uint16 = 3

	PartFlagDefault       uint16 = 0x01
	PartFlagHidden        uint16 = 0x02
	PartFlagNoRoot        uint16 = 0x04
	PartFlagRootOnly      uint16 = 0x08
	PartFlagReqResv       uint16 = 0x10
	PartFlagLLN           uint16 = 0x20
	PartFlagExclusiveUser uint16 = 0x40
)
