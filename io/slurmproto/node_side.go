package slurmproto

// Messages slurmctld sends to slurmd. FLURM needs them only when talking to
// a real slurmd, but they appear in the captures and share the credential.

// BatchJobLaunchRequest is REQUEST_BATCH_JOB_LAUNCH
// (_pack_batch_job_launch_msg, protocol 38).
type BatchJobLaunchRequest struct {
	JobID          uint32
	HetJobID       uint32
	UID            uint32
	GID            uint32
	UserName       Str
	GIDs           []uint32
	Partition      Str
	NTasks         uint32
	PnMinMemory    uint64
	OpenMode       uint8
	Overcommit     uint8
	ArrayJobID     uint32
	ArrayTaskID    uint32
	AcctgFreq      Str
	Container      Str
	CPUBindType    uint16
	CPUsPerTask    uint16
	RestartCnt     uint16
	JobCoreSpec    uint16
	CPUGroups      CPUGroups
	AliasList      Str
	CPUBind        Str
	Nodes          Str
	Script         Str
	WorkDir        Str
	StdErr         Str
	StdIn          Str
	StdOut         Str
	Argv           CountedStrings
	SpankJobEnv    []string
	Environment    CountedStrings
	JobMem         uint64
	CredVersion    CredVersion
	Credential     JobCredential
	SelectPluginID uint32
	Account        Str
	QOS            Str
	ResvName       Str
	Profile        uint32
	TRESBind       Str
	TRESFreq       Str
}

// KillJobMsg is REQUEST_TERMINATE_JOB, REQUEST_ABORT_JOB,
// REQUEST_KILL_TIMELIMIT and REQUEST_KILL_PREEMPTED (_pack_kill_job_msg,
// protocol 38).
type KillJobMsg struct {
	Credential     *JobCredential `wire:"opt8"`
	Details        Str
	DerivedEC      uint32
	ExitCode       uint32
	JobGresInfo    NoGres
	StepID         StepID
	HetJobID       uint32
	JobState       uint32
	JobUID         uint32
	JobGID         uint32
	Nodes          Str
	SelectPluginID uint32
	SpankJobEnv    []string
	StartTime      Time
	Time           Time
	WorkDir        Str
}

// CountedStrings is a u32 count followed by a string array that must
// carry the same count (argc + argv, envc + environment).
type CountedStrings []string

func (c *CountedStrings) encodeWire(w *writer) {
	w.count(len(*c))
	encodeSlice(w, reflectValue([]string(*c)), "")
}

func (c *CountedStrings) decodeWire(r *reader) {
	n := r.u32()
	var s []string
	decodeSlice(r, reflectValue(&s).Elem(), "")
	if r.err == nil && uint32(len(s)) != n {
		r.fail(ErrMalformed, "count %d but %d strings", n, len(s))
		return
	}
	*c = s
}

func (*CountedStrings) minWireSize() int { return 8 }

// CredVersion is the u16 protocol version a credential is packed at. Only
// ProtocolVersion is supported.
type CredVersion uint16

func (v *CredVersion) encodeWire(w *writer) {
	if uint16(*v) != ProtocolVersion {
		w.fail("credential version 0x%04x", uint16(*v))
	}
	w.u16(uint16(*v))
}

func (v *CredVersion) decodeWire(r *reader) {
	*v = CredVersion(r.u16())
	if r.err == nil && uint16(*v) != ProtocolVersion {
		r.fail(ErrUnsupported, "credential packed at version 0x%04x", uint16(*v))
	}
}

func (*CredVersion) minWireSize() int { return 2 }
