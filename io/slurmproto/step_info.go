package slurmproto

// JobStepInfoResponse is RESPONSE_JOB_STEP_INFO (squeue -s, scontrol show
// step): in protocol 38 the u32 count comes before last_update (the order
// is reversed in older versions). step_mgr.c pack_ctld_job_step_info;
// client _unpack_job_step_info_response_msg.
type JobStepInfoResponse struct {
	LastUpdate Time
	Steps      []JobStepInfo
}

func (m *JobStepInfoResponse) encodeWire(w *writer) {
	w.count(len(m.Steps))
	w.time(m.LastUpdate)
	encodeRecords(w, "Steps", reflectValue(m.Steps))
}

func (m *JobStepInfoResponse) decodeWire(r *reader) {
	n := r.count(0)
	m.LastUpdate = r.time()
	decodeRecords(r, "Steps", n, &m.Steps)
}

func (*JobStepInfoResponse) minWireSize() int { return 12 }

// JobStepInfo is one step record (_unpack_job_step_info_members).
type JobStepInfo struct {
	ArrayJobID       uint32
	ArrayTaskID      uint32
	StepID           StepID
	UserID           uint32
	NumCPUs          uint32
	CPUFreqMin       uint32
	CPUFreqMax       uint32
	CPUFreqGov       uint32
	NumTasks         uint32
	TaskDist         uint32
	TimeLimit        uint32
	State            uint32
	SrunPID          uint32
	StartTime        Time
	RunTime          Time
	Cluster          Str
	Container        Str
	Partition        Str
	SrunHost         Str
	ResvPorts        Str
	Nodes            Str
	Name             Str
	Network          Str
	NodeInx          Bitmap
	SelectPluginID   uint32
	TRESAllocStr     Str
	StartProtocolVer uint16
	CPUsPerTRES      Str
	MemPerTRES       Str
	SubmitLine       Str
	TRESBind         Str
	TRESFreq         Str
	TRESPerStep      Str
	TRESPerNode      Str
	TRESPerSocket    Str
	TRESPerTask      Str
}

// LicenseInfoRequest is REQUEST_LICENSE_INFO
// (_pack_license_info_request_msg).
type LicenseInfoRequest struct {
	LastUpdate Time
	ShowFlags  uint16
}

// LicenseInfoResponse is RESPONSE_LICENSE_INFO: u32 count, last_update,
// then the licenses (_unpack_license_info_msg). The client derives
// "available" from Total and InUse.
type LicenseInfoResponse struct {
	LastUpdate Time
	Licenses   []LicenseInfo
}

// LicenseInfo is one license record.
type LicenseInfo struct {
	Name     Str
	Total    uint32
	InUse    uint32
	Reserved uint32
	Remote   uint8
}

func (m *LicenseInfoResponse) encodeWire(w *writer) {
	w.count(len(m.Licenses))
	w.time(m.LastUpdate)
	encodeRecords(w, "Licenses", reflectValue(m.Licenses))
}

func (m *LicenseInfoResponse) decodeWire(r *reader) {
	n := r.count(0)
	m.LastUpdate = r.time()
	decodeRecords(r, "Licenses", n, &m.Licenses)
}

func (*LicenseInfoResponse) minWireSize() int { return 12 }

// UpdatePartitionRequest is REQUEST_UPDATE_PARTITION and
// REQUEST_CREATE_PARTITION (_pack_update_partition_msg).
type UpdatePartitionRequest struct {
	AllowAccounts     Str
	AllowAllocNodes   Str
	AllowGroups       Str
	AllowQOS          Str
	Alternate         Str
	BillingWeightsStr Str
	CPUBind           uint32
	DefMemPerCPU      uint64
	DefaultTime       uint32
	DenyAccounts      Str
	DenyQOS           Str
	Flags             uint16
	JobDefaultsStr    Str
	GraceTime         uint32
	MaxCPUsPerNode    uint32
	MaxMemPerCPU      uint64
	MaxNodes          uint32
	MaxShare          uint16
	MaxTime           uint32
	MinNodes          uint32
	Name              Str
	Nodes             Str
	OverTimeLimit     uint16
	PreemptMode       uint16
	PriorityJobFactor uint16
	PriorityTier      uint16
	QOSChar           Str
	StateUp           uint16
}

// NameRequest is REQUEST_DELETE_PARTITION (_pack_delete_partition_msg).
type NameRequest struct {
	Name Str
}

// EpilogCompleteMsg is MESSAGE_EPILOG_COMPLETE (_pack_epilog_comp_msg).
type EpilogCompleteMsg struct {
	JobID      uint32
	ReturnCode uint32
	NodeName   Str
}

func registerInfoBodies() {
	register[JobStepInfoResponse](ResponseJobStepInfo)
	register[LicenseInfoRequest](RequestLicenseInfo)
	register[LicenseInfoResponse](ResponseLicenseInfo)
	register[UpdatePartitionRequest](RequestUpdatePartition, RequestCreatePartition)
	register[NameRequest](RequestDeletePartition)
	register[EpilogCompleteMsg](MessageEpilogComplete)
}
