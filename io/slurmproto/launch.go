package slurmproto

import "reflect"

// LaunchTasksRequest is REQUEST_LAUNCH_TASKS, srun → slurmd
// (_pack_launch_tasks_request_msg / _unpack_launch_tasks_request_msg,
// protocol 38). The embedded parts are packed in order with the node count,
// credential and per-node task lists between them (see encodeWire).
type LaunchTasksRequest struct {
	LaunchTasksIdentity
	LaunchTasksShape
	// CredVersion is the protocol version the credential is packed at; only
	// ProtocolVersion is supported.
	CredVersion CredVersion
	Credential  JobCredential
	// GlobalTaskIDs holds, per node, the global ids of the tasks to launch
	// there; its length is the wire's nnodes.
	GlobalTaskIDs [][]uint32
	LaunchTasksIO
}

// LaunchTasksIdentity is the part before the node count.
type LaunchTasksIdentity struct {
	StepID           StepID
	UID              uint32
	GID              uint32
	UserName         Str
	GIDs             []uint32
	HetJobNodeOffset uint32
	HetJobID         uint32
	HetJobTIDs       U32ArrayList // per het node task ids; nil = NO_VAL
	HetJobTIDOffsets U32List      // nil = NO_VAL
	HetJobOffset     uint32
	HetJobStepCnt    uint32
	HetJobTaskOffset uint32
	HetJobNodeList   Str
	MPIPluginID      uint32
	NTasks           uint32
	NTasksPerBoard   uint16
	NTasksPerCore    uint16
	NTasksPerTRES    uint16
	NTasksPerSocket  uint16
	JobMemLim        uint64
	StepMemLim       uint64
}

// LaunchTasksShape sits between the node count and the credential.
type LaunchTasksShape struct {
	CPUsPerTask    uint16
	TRESPerTask    Str
	ThreadsPerCore uint16
	TaskDist       uint32
	NodeCPUs       uint16
	JobCoreSpec    uint16
	AccelBindType  uint16
}

// LaunchTasksIO follows the per-node task lists.
type LaunchTasksIO struct {
	RespPorts      U16Ports
	OrigAddr       Addr
	Env            []string
	SpankJobEnv    []string
	Container      Str
	Cwd            Str
	CPUBindType    uint16
	CPUBind        Str
	MemBindType    uint16
	MemBind        Str
	Argv           []string
	Flags          uint32
	OFName         Str
	EFName         Str
	IFName         Str
	IOPorts        U16Ports
	Profile        uint32
	TaskProlog     Str
	TaskEpilog     Str
	SlurmdDebug    uint16
	SwitchPluginID uint32 // SwitchPluginNone
	Options        JobOptions
	AliasList      Str
	CompleteNodes  Str
	OpenMode       uint8
	AcctgFreq      Str
	CPUFreqMin     uint32
	CPUFreqMax     uint32
	CPUFreqGov     uint32
	SelectPluginID uint32
	TRESBind       Str
	TRESFreq       Str
	X11            uint16
	X11AllocHost   Str
	X11AllocPort   uint16
	X11MagicCookie Str
	X11Target      Str
	X11TargetPort  uint16
}

func (m *LaunchTasksRequest) encodeWire(w *writer) {
	encodeValue(w, reflect.ValueOf(&m.LaunchTasksIdentity).Elem(), "")
	w.count(len(m.GlobalTaskIDs))
	encodeValue(w, reflect.ValueOf(&m.LaunchTasksShape).Elem(), "")
	m.CredVersion.encodeWire(w)
	m.Credential.encodeWire(w)
	for _, ids := range m.GlobalTaskIDs {
		if len(ids) > 0xffff {
			w.fail("%d tasks on one node do not fit tasks_to_launch", len(ids))
		}
		w.u16(uint16(len(ids)))
		w.count(len(ids))
		for _, id := range ids {
			w.u32(id)
		}
	}
	encodeValue(w, reflect.ValueOf(&m.LaunchTasksIO).Elem(), "")
}

func (m *LaunchTasksRequest) decodeWire(r *reader) {
	decodeValue(r, reflect.ValueOf(&m.LaunchTasksIdentity).Elem(), "")
	nodes := r.count(6)
	decodeValue(r, reflect.ValueOf(&m.LaunchTasksShape).Elem(), "")
	m.CredVersion.decodeWire(r)
	m.Credential.decodeWire(r)
	if r.err != nil {
		return
	}
	if nodes > 0 {
		m.GlobalTaskIDs = make([][]uint32, nodes)
	}
	for i := 0; i < nodes && r.err == nil; i++ {
		n := r.u16()
		decodeSlice(r, reflect.ValueOf(&m.GlobalTaskIDs[i]).Elem(), "")
		if r.err == nil && int(n) != len(m.GlobalTaskIDs[i]) {
			r.fail(ErrMalformed, "node %d: tasks_to_launch %d but %d task ids", i, n, len(m.GlobalTaskIDs[i]))
		}
	}
	decodeValue(r, reflect.ValueOf(&m.LaunchTasksIO).Elem(), "")
}

func (*LaunchTasksRequest) minWireSize() int { return 200 }

// U16Ports is a u16 count followed by that many u16 ports (resp_port,
// io_port). Slurm rejects counts >= NO_VAL16.
type U16Ports []uint16

func (p *U16Ports) encodeWire(w *writer) {
	if len(*p) >= int(NoVal16) {
		w.fail("%d ports", len(*p))
	}
	w.u16(uint16(len(*p)))
	for _, v := range *p {
		w.u16(v)
	}
}

func (p *U16Ports) decodeWire(r *reader) {
	raw := r.u16()
	if r.err == nil && raw >= NoVal16 {
		r.fail(ErrMalformed, "port count %d", raw)
	}
	n := r.checkCount(uint32(raw), 2)
	if n == 0 || r.err != nil {
		return
	}
	out := make(U16Ports, n)
	for i := range out {
		out[i] = r.u16()
	}
	*p = out
}

func (*U16Ports) minWireSize() int { return 2 }

// U32ArrayList is a u32 count (NO_VAL = none, decoded as nil) followed by
// that many u32 arrays.
type U32ArrayList [][]uint32

func (l *U32ArrayList) encodeWire(w *writer) {
	if *l == nil {
		w.u32(NoVal)
		return
	}
	w.count(len(*l))
	for _, a := range *l {
		w.count(len(a))
		for _, v := range a {
			w.u32(v)
		}
	}
}

func (l *U32ArrayList) decodeWire(r *reader) {
	raw := r.u32()
	if r.err != nil || raw == NoVal {
		return
	}
	n := r.checkCount(raw, 4)
	out := make(U32ArrayList, n)
	for i := 0; i < n && r.err == nil; i++ {
		decodeSlice(r, reflect.ValueOf(&out[i]).Elem(), "")
	}
	*l = out
}

func (*U32ArrayList) minWireSize() int { return 4 }

// jobOptionsTag is JOB_OPTIONS_PACK_TAG, packed before the options.
const jobOptionsTag = "job_options"

// JobOptions is the spank job option list (job_options_pack): the tag
// string "job_options", a u32 count, then the options.
type JobOptions []JobOption

// JobOption is one spank option.
type JobOption struct {
	Type   uint32
	Option Str
	Optarg Str
}

func (o *JobOptions) encodeWire(w *writer) {
	w.str(S(jobOptionsTag))
	w.count(len(*o))
	for _, opt := range *o {
		w.u32(opt.Type)
		w.str(opt.Option)
		w.str(opt.Optarg)
	}
}

func (o *JobOptions) decodeWire(r *reader) {
	if tag := r.str(); r.err == nil && tag.String() != jobOptionsTag {
		r.fail(ErrMalformed, "job options tag %q", tag.String())
	}
	n := r.count(12)
	if n == 0 || r.err != nil {
		return
	}
	out := make(JobOptions, n)
	for i := range out {
		out[i] = JobOption{Type: r.u32(), Option: r.str(), Optarg: r.str()}
	}
	*o = out
}

func (*JobOptions) minWireSize() int { return 4 + len(jobOptionsTag) + 1 + 4 }
