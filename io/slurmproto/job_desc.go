package slurmproto

// JobDesc is job_desc_msg_t, the body of REQUEST_SUBMIT_BATCH_JOB,
// REQUEST_RESOURCE_ALLOCATION, REQUEST_JOB_WILL_RUN and REQUEST_UPDATE_JOB
// (_pack_job_desc_msg / _unpack_job_desc_msg, protocol 38). Unset numeric
// fields carry NoVal/NoVal16/NoVal64/NoVal8 and unset strings are NULL, as
// set by slurm_init_job_desc_msg on the client.
type JobDesc struct {
	SiteFactor        uint32
	BatchFeatures     Str
	ClusterFeatures   Str
	Clusters          Str
	Contiguous        uint16
	Container         Str
	CoreSpec          uint16
	TaskDist          uint32
	KillOnNodeFail    uint16
	Features          Str
	FedSiblingsActive uint64
	FedSiblingsViable uint64
	JobID             uint32
	JobIDStr          Str
	Name              Str

	AllocNode    Str // NULL from sbatch; slurmctld fills it from the credential's host
	AllocSID     uint32
	ArrayInx     Str
	BurstBuffer  Str
	PnMinCPUs    uint16
	PnMinMemory  uint64 // MB; MemPerCPU flag bit 63
	PnMinTmpDisk uint32
	PowerFlags   uint8
	Prefer       Str

	CPUFreqMin uint32
	CPUFreqMax uint32
	CPUFreqGov uint32

	Partition    Str
	Priority     uint32
	Dependency   Str
	Account      Str
	AdminComment Str
	Comment      Str
	Nice         uint32 // NiceOffset-biased
	Profile      uint32
	QOS          Str
	MCSLabel     Str

	OriginCluster Str
	OpenMode      uint8
	Overcommit    uint8
	AcctgFreq     Str
	NumTasks      uint32

	ReqContext  Str
	ReqNodes    Str
	ExcNodes    Str
	Environment []string
	SpankJobEnv []string
	Script      Str
	Argv        []string

	StdErr     Str
	StdIn      Str
	StdOut     Str
	SubmitLine Str
	WorkDir    Str

	Immediate       uint16
	Reboot          uint16
	Requeue         uint16
	Shared          uint16
	CPUsPerTask     uint16
	NTasksPerNode   uint16
	NTasksPerBoard  uint16
	NTasksPerSocket uint16
	NTasksPerCore   uint16
	NTasksPerTRES   uint16

	PlaneSize   uint16
	CPUBindType uint16
	MemBindType uint16
	CPUBind     Str
	MemBind     Str

	TimeLimit       uint32 // minutes; Infinite = unlimited
	TimeMin         uint32
	MinCPUs         uint32
	MaxCPUs         uint32
	MinNodes        uint32
	MaxNodes        uint32
	BoardsPerNode   uint16
	SocketsPerBoard uint16
	SocketsPerNode  uint16
	CoresPerSocket  uint16
	ThreadsPerCore  uint16
	UserID          uint32
	GroupID         uint32

	AllocRespPort uint16 // salloc/srun listening port for a deferred 4002
	RespHost      Str    // NULL from clients; slurmctld uses the peer address
	OtherPort     uint16
	Network       Str
	BeginTime     Time
	EndTime       Time
	Deadline      Time

	Licenses    Str
	MailType    uint16
	MailUser    Str
	Reservation Str
	RestartCnt  uint16
	WarnFlags   uint16
	WarnSignal  uint16
	WarnTime    uint16
	WCKey       Str
	ReqSwitch   uint32
	Wait4Switch uint32

	SelectPluginID uint32 // select_jobinfo: just the plugin id for linear/cons_res/cons_tres

	WaitAllNodes   uint16
	BitFlags       uint64
	DelayBoot      uint32
	Extra          Str
	X11            uint16
	X11MagicCookie Str
	X11Target      Str
	X11TargetPort  uint16

	CPUsPerTRES   Str
	MemPerTRES    Str
	TRESBind      Str
	TRESFreq      Str
	TRESPerJob    Str
	TRESPerNode   Str
	TRESPerSocket Str
	TRESPerTask   Str

	CronEntry *CronEntry `wire:"opt8"`
}

// CronEntry is cron_entry_t (pack_cron_entry), present for scrontab jobs.
type CronEntry struct {
	Flags      uint32
	Minute     Bitmap
	Hour       Bitmap
	DayOfMonth Bitmap
	Month      Bitmap
	DayOfWeek  Bitmap
	CronSpec   Str
	LineStart  uint32
	LineEnd    uint32
}

// Select plugin ids (enum select_plugin_type). The id packed in select
// job info must be one the client can load.
const (
	SelectPluginConsRes  uint32 = 101
	SelectPluginLinear   uint32 = 102
	SelectPluginConsTRES uint32 = 109
)

// Job desc bitflags set by clients when the respective string is NULL.
const (
	JobFlagUseDefaultAcct  uint64 = 0x02000000
	JobFlagUseDefaultPart  uint64 = 0x04000000
	JobFlagUseDefaultQOS   uint64 = 0x08000000
	JobFlagUseDefaultWCKey uint64 = 0x10000000
)
