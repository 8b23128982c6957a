package slurmproto

import "reflect"

// JobInfoResponse is RESPONSE_JOB_INFO (answer to REQUEST_JOB_INFO,
// REQUEST_JOB_INFO_SINGLE and REQUEST_JOB_USER_INFO): u32 record count,
// last_update, last_backfill, then the records (job_mgr.c
// _pack_init_job_info + pack_job; client _unpack_job_info_msg).
type JobInfoResponse struct {
	LastUpdate   Time
	LastBackfill Time
	Jobs         []JobInfo
}

func (m *JobInfoResponse) encodeWire(w *writer) {
	w.count(len(m.Jobs))
	w.time(m.LastUpdate)
	w.time(m.LastBackfill)
	encodeRecords(w, "Jobs", reflectValue(m.Jobs))
}

func (m *JobInfoResponse) decodeWire(r *reader) {
	n := r.count(0)
	m.LastUpdate = r.time()
	m.LastBackfill = r.time()
	decodeRecords(r, "Jobs", n, &m.Jobs)
}

func (*JobInfoResponse) minWireSize() int { return 20 }

// encodeRecords packs each element of a slice of structs, no count.
func encodeRecords(w *writer, name string, v reflect.Value) {
	w.path = append(w.path, name)
	for i := 0; i < v.Len(); i++ {
		encodeValue(w, v.Index(i), "")
	}
	w.path = w.path[:len(w.path)-1]
}

// decodeRecords unpacks n records into *dst after checking that n records
// can fit in what is left. Zero records decode as a nil slice.
func decodeRecords[T any](r *reader, name string, n int, dst *[]T) {
	n = r.checkCount(uint32(n), minWireSize(reflect.TypeFor[T]()))
	if r.err != nil || n == 0 {
		return
	}
	out := make([]T, n)
	r.path = append(r.path, name)
	for i := range out {
		if r.err != nil {
			break
		}
		decodeValue(r, reflect.ValueOf(&out[i]).Elem(), "")
	}
	r.path = r.path[:len(r.path)-1]
	*dst = out
}

// JobInfo is one job record as the 22.05 client unpacks it
// (_unpack_job_info_members). The server-side packer (pack_job) writes the
// same layout when the job has details; FLURM always sends this shape.
type JobInfo struct {
	ArrayJobID    uint32
	ArrayTaskID   uint32 // NoVal when not an array element
	ArrayTaskStr  Str    // hex bitmap text for an array meta record, else NULL
	ArrayMaxTasks uint32

	AssocID      uint32
	Container    Str
	DelayBoot    uint32
	JobID        uint32
	UserID       uint32
	GroupID      uint32
	HetJobID     uint32
	HetJobIDSet  Str
	HetJobOffset uint32
	Profile      uint32

	JobState    uint32 // JobState* base in the low byte plus flag bits
	BatchFlag   uint16
	StateReason uint16
	PowerFlags  uint8
	Reboot      uint8
	RestartCnt  uint16
	ShowFlags   uint16 // echo of the request's show_flags
	Deadline    Time

	AllocSID  uint32
	TimeLimit uint32 // minutes; Infinite = unlimited
	TimeMin   uint32

	Nice          uint32 // NiceOffset-biased
	SubmitTime    Time
	EligibleTime  Time
	AccrueTime    Time
	StartTime     Time
	EndTime       Time
	SuspendTime   Time
	PreSusTime    Time
	ResizeTime    Time
	LastSchedEval Time
	PreemptTime   Time

	Priority     uint32
	BillableTRES float64

	Cluster          Str
	Nodes            Str
	SchedNodes       Str
	Partition        Str
	Account          Str
	AdminComment     Str
	SiteFactor       uint32
	Network          Str
	Comment          Str
	Container2       Str // the client unpacks container a second time here
	BatchFeatures    Str
	BatchHost        Str
	BurstBuffer      Str
	BurstBufferState Str
	SystemComment    Str
	QOS              Str
	PreemptableTime  Time

	Licenses  Str
	StateDesc Str
	ResvName  Str
	MCSLabel  Str

	ExitCode   uint32
	DerivedEC  uint32
	GresTotal  Str
	JobResrcs  JobResources
	GresDetail []string

	Name           Str
	UserName       Str
	WCKey          Str
	ReqSwitch      uint32
	Wait4Switch    uint32
	AllocNode      Str
	NodeInx        Bitmap // over RESPONSE_NODE_INFO's node order
	SelectPluginID uint32

	// Default details.
	Features        Str
	Prefer          Str
	ClusterFeatures Str
	WorkDir         Str
	Dependency      Str
	Command         Str
	NumCPUs         uint32
	MaxCPUs         uint32
	NumNodes        uint32
	MaxNodes        uint32
	Requeue         uint16
	NTasksPerNode   uint16
	NTasksPerTRES   uint16
	NumTasks        uint32
	Shared          uint16
	CPUFreqMin      uint32
	CPUFreqMax      uint32
	CPUFreqGov      uint32
	CronSpec        Str

	// Pending details.
	Contiguous   uint16
	CoreSpec     uint16
	CPUsPerTask  uint16
	PnMinCPUs    uint16
	PnMinMemory  uint64
	PnMinTmpDisk uint32
	ReqNodes     Str
	ReqNodeInx   Bitmap
	ExcNodes     Str
	ExcNodeInx   Bitmap
	StdErr       Str
	StdIn        Str
	StdOut       Str
	MultiCore    *MultiCore `wire:"opt8ff"`

	BitFlags         uint64
	TRESAllocStr     Str
	TRESReqStr       Str
	StartProtocolVer uint16

	FedOriginStr         Str
	FedSiblingsActive    uint64
	FedSiblingsActiveStr Str
	FedSiblingsViable    uint64
	FedSiblingsViableStr Str

	CPUsPerTRES   Str
	MemPerTRES    Str
	TRESBind      Str
	TRESFreq      Str
	TRESPerJob    Str
	TRESPerNode   Str
	TRESPerSocket Str
	TRESPerTask   Str

	MailType       uint16
	MailUser       Str
	SELinuxContext Str
}

// MultiCore is multi_core_data_t (pack_multi_core_data).
type MultiCore struct {
	BoardsPerNode   uint16
	SocketsPerBoard uint16
	SocketsPerNode  uint16
	CoresPerSocket  uint16
	ThreadsPerCore  uint16
	NTasksPerBoard  uint16
	NTasksPerSocket uint16
	NTasksPerCore   uint16
	PlaneSize       uint16
}

// JobResources is job_resources_t (pack_job_resources). It is sent only
// for SHOW_DETAIL requests; Detail nil is the wire's u32 NO_VAL.
type JobResources struct {
	Detail *JobResourcesDetail
}

// JobResourcesDetail is the non-NULL job_resources_t. The client requires
// len(CPUArrayValue) == len(CPUArrayReps) and len(CPUs) == NHosts.
type JobResourcesDetail struct {
	NHosts           uint32 // must not be NoVal
	NCPUs            uint32
	NodeReq          uint32
	Nodes            Str
	WholeNode        uint8
	ThreadsPerCore   uint16
	CRType           uint16
	CPUArrayReps     []uint32
	CPUArrayValue    []uint16
	CPUs             []uint16
	CPUsUsed         []uint16
	MemoryAllocated  []uint64
	MemoryUsed       []uint64
	SocketsPerNode   []uint16
	CoresPerSocket   []uint16
	SockCoreRepCount []uint32
	CoreBitmap       Bitmap
	CoreBitmapUsed   Bitmap
}

func (j *JobResources) encodeWire(w *writer) {
	d := j.Detail
	if d == nil {
		w.u32(NoVal)
		return
	}
	if d.NHosts == NoVal {
		w.fail("job resources with NHosts == NO_VAL")
	}
	if len(d.CPUArrayValue) != len(d.CPUArrayReps) || len(d.CPUs) != int(d.NHosts) {
		w.fail("job resources counts disagree (reps %d, values %d, cpus %d, nhosts %d)",
			len(d.CPUArrayReps), len(d.CPUArrayValue), len(d.CPUs), d.NHosts)
	}
	encodeValue(w, reflect.ValueOf(d).Elem(), "")
}

func (j *JobResources) decodeWire(r *reader) {
	start := r.off
	if r.u32() == NoVal || r.err != nil {
		return
	}
	r.off = start // NHosts is the first field of the detail
	d := new(JobResourcesDetail)
	decodeValue(r, reflect.ValueOf(d).Elem(), "")
	if r.err != nil {
		return
	}
	if len(d.CPUArrayValue) != len(d.CPUArrayReps) || len(d.CPUs) != int(d.NHosts) {
		r.fail(ErrMalformed, "job resources counts disagree (reps %d, values %d, cpus %d, nhosts %d)",
			len(d.CPUArrayReps), len(d.CPUArrayValue), len(d.CPUs), d.NHosts)
		return
	}
	j.Detail = d
}

func (*JobResources) minWireSize() int { return 4 }

// Job states (low byte of JobInfo.JobState) and flags.
const (
	JobPending     uint32 = 0
	JobRunning     uint32 = 1
	JobSuspended   uint32 = 2
	JobComplete    uint32 = 3
	JobCancelled   uint32 = 4
	JobFailed      uint32 = 5
	JobTimeout     uint32 = 6
	JobNodeFail    uint32 = 7
	JobPreempted   uint32 = 8
	JobBootFail    uint32 = 9
	JobDeadline    uint32 = 10
	JobOOM         uint32 = 11
	JobStateBase   uint32 = 0xff
	JobConfiguring uint32 = 1 << 14
	JobCompleting  uint32 = 1 << 15
)
