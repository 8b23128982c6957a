package slurmproto

// JobCredential is slurm_cred_t as carried in RESPONSE_JOB_STEP_CREATE and
// REQUEST_LAUNCH_TASKS (slurm_cred.c _pack_cred + slurm_cred_pack,
// protocol 38). The signature (for cred/munge, the MUNGE credential text
// with its NUL) signs exactly the packed Fields: see SignedBytes. srun
// reuses the signature bytes as the task I/O key.
type JobCredential struct {
	Fields    JobCredentialFields
	Signature []byte
}

// JobCredentialFields is the signed part of a job credential.
type JobCredentialFields struct {
	StepID   StepID
	UID      uint32
	GID      uint32
	PwName   Str
	PwGecos  Str
	PwDir    Str
	PwShell  Str
	GIDs     []uint32
	GrNames  []string // empty, or one name per GIDs entry
	JobGres  NoGres
	StepGres NoGres

	JobCoreSpec    uint16
	JobAccount     Str
	JobAliasList   Str
	JobComment     Str
	JobConstraints Str
	JobPartition   Str
	JobReservation Str
	JobRestartCnt  uint16
	JobStdErr      Str
	JobStdIn       Str
	JobStdOut      Str
	StepHostList   Str
	X11            uint16
	CTime          Time

	TotCoreCnt     uint32 // bit count of JobCoreBitmap (0 if NULL)
	JobCoreBitmap  Bitmap
	StepCoreBitmap Bitmap
	CoreLayouts    CoreLayouts
	CPUGroups      CPUGroups

	JobNHosts    uint32
	JobNTasks    uint32
	JobHostList  Str
	JobMemAlloc  MemAllocs
	StepMemAlloc MemAllocs

	SELinuxContext Str
}

// SignedBytes returns the packed credential fields: the payload the
// signature must cover (cred/munge munge-encodes exactly these bytes).
func (c *JobCredential) SignedBytes() ([]byte, error) {
	w := &writer{path: []string{"JobCredential", "Fields"}}
	encodeValue(w, reflectValue(&c.Fields).Elem(), "")
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

func (c *JobCredential) encodeWire(w *writer) {
	if n := len(c.Fields.GrNames); n != 0 && n != len(c.Fields.GIDs) {
		w.fail("%d group names for %d gids", n, len(c.Fields.GIDs))
	}
	encodeValue(w, reflectValue(&c.Fields).Elem(), "")
	w.mem(c.Signature)
}

func (c *JobCredential) decodeWire(r *reader) {
	decodeValue(r, reflectValue(&c.Fields).Elem(), "")
	if n := len(c.Fields.GrNames); r.err == nil && n != 0 && n != len(c.Fields.GIDs) {
		r.fail(ErrMalformed, "%d group names for %d gids", n, len(c.Fields.GIDs))
	}
	c.Signature = r.mem()
}

func (*JobCredential) minWireSize() int { return 12 + 8*4 + 8 + 4 + 4 }

// NoGres is an empty GRES state list (u16 record count 0). Lists with
// records are ErrUnsupported.
type NoGres struct{}

func (*NoGres) encodeWire(w *writer) { w.u16(0) }

func (*NoGres) decodeWire(r *reader) {
	if n := r.u16(); n != 0 && r.err == nil {
		r.fail(ErrUnsupported, "GRES state with %d records", n)
	}
}

func (*NoGres) minWireSize() int { return 2 }

// StepLayout is slurm_step_layout_t (pack_slurm_step_layout); in a body it
// is preceded by a u16 presence flag.
type StepLayout struct {
	FrontEnd         Str
	NodeList         Str
	StartProtocolVer uint16
	TaskCnt          uint32
	TaskDist         uint32
	// TaskIDs holds, per node, the global task ids; its length is the
	// wire's node_cnt.
	TaskIDs [][]uint32
}

// OptStepLayout is a u16-flagged optional StepLayout.
type OptStepLayout struct {
	Layout *StepLayout
}

func (o *OptStepLayout) encodeWire(w *writer) {
	l := o.Layout
	if l == nil {
		w.u16(0)
		return
	}
	w.u16(1)
	w.str(l.FrontEnd)
	w.str(l.NodeList)
	w.count(len(l.TaskIDs))
	w.u16(l.StartProtocolVer)
	w.u32(l.TaskCnt)
	w.u32(l.TaskDist)
	for _, ids := range l.TaskIDs {
		w.count(len(ids))
		for _, id := range ids {
			w.u32(id)
		}
	}
}

func (o *OptStepLayout) decodeWire(r *reader) {
	switch flag := r.u16(); {
	case r.err != nil || flag == 0:
		return
	case flag != 1:
		// Slurm treats any non-zero value as present; only 1 is produced.
		r.fail(ErrMalformed, "step layout presence flag %d", flag)
		return
	}
	l := &StepLayout{FrontEnd: r.str(), NodeList: r.str()}
	nodes := r.count(4)
	l.StartProtocolVer = r.u16()
	l.TaskCnt = r.u32()
	l.TaskDist = r.u32()
	if r.err != nil {
		return
	}
	if nodes > 0 {
		l.TaskIDs = make([][]uint32, nodes)
		for i := range l.TaskIDs {
			decodeSlice(r, reflectValue(&l.TaskIDs[i]).Elem(), "")
		}
	}
	o.Layout = l
}

func (*OptStepLayout) minWireSize() int { return 2 }

// Switch plugin ids (enum switch_plugin_type). Only switch/none, which
// packs nothing after its id, is supported.
const SwitchPluginNone uint32 = 100

// JobStepCreateResponse is RESPONSE_JOB_STEP_CREATE
// (_pack_job_step_create_response_msg).
type JobStepCreateResponse struct {
	DefCPUBindType uint32
	ResvPorts      Str
	JobStepID      uint32
	StepLayout     OptStepLayout
	Credential     JobCredential
	SelectPluginID uint32
	SwitchPluginID uint32 // SwitchPluginNone
	UseProtocolVer uint16 // version srun must use toward slurmd; 0 = its own
}
