package slurmproto

// Further bodies: node registration, task signalling, het-job submission
// and small notifications.

// SignalTasksRequest is REQUEST_SIGNAL_TASKS and REQUEST_TERMINATE_TASKS
// (_pack_cancel_tasks_msg).
type SignalTasksRequest struct {
	StepID StepID
	Flags  uint16
	Signal uint16
}

// JobNotifyRequest is REQUEST_JOB_NOTIFY (_pack_job_notify).
type JobNotifyRequest struct {
	StepID  StepID
	Message Str
}

// ConfigRequest is REQUEST_CONFIG from configless clients
// (_pack_config_request_msg).
type ConfigRequest struct {
	Flags uint32
}

// HetJobDescList is REQUEST_HET_JOB_ALLOCATION and
// REQUEST_SUBMIT_BATCH_HET_JOB (_pack_job_desc_list_msg): a u16 count of
// job descriptions, one per component.
type HetJobDescList struct {
	Components []JobDesc `wire:"count16"`
}

// NodeRegistration is MESSAGE_NODE_REGISTRATION_STATUS, slurmd → slurmctld
// (_pack_node_registration_status_msg, protocol 38).
type NodeRegistration struct {
	Timestamp       Time
	SlurmdStartTime Time
	Status          uint32
	FeaturesActive  Str
	FeaturesAvail   Str
	Hostname        Str
	NodeName        Str
	Arch            Str
	CPUSpecList     Str
	OS              Str
	CPUs            uint16
	Boards          uint16
	Sockets         uint16
	Cores           uint16
	Threads         uint16
	RealMemory      uint64
	TmpDisk         uint32
	UpTime          uint32
	HashVal         uint32
	CPULoad         uint32
	FreeMem         uint64
	Steps           []StepID `wire:"count32"` // running steps (job_count)
	Flags           uint16
	GresInfo        SizedMem // packed GRES node state, opaque here
	Energy          NodeEnergy
	Version         Str
	DynamicType     uint8
	DynamicConf     Str
	DynamicFeature  Str
}

// NodeRegistrationResponse is RESPONSE_NODE_REGISTRATION
// (_pack_node_reg_resp): the controller's TRES list and the node name.
type NodeRegistrationResponse struct {
	TRESList []TRESRec // nil = wire NO_VAL
	NodeName Str
}

// SizedMem is a u32 size followed, only when the size is non-zero, by a
// mem field of that same size (how slurmd packs its GRES buffer).
type SizedMem []byte

func (m *SizedMem) encodeWire(w *writer) {
	w.count(len(*m))
	if len(*m) > 0 {
		w.mem(*m)
	}
}

func (m *SizedMem) decodeWire(r *reader) {
	size := r.u32()
	if size == 0 || r.err != nil {
		return
	}
	b := r.mem()
	if r.err == nil && uint32(len(b)) != size {
		r.fail(ErrMalformed, "size %d but %d bytes", size, len(b))
		return
	}
	*m = b
}

func (*SizedMem) minWireSize() int { return 4 }

func registerMoreBodies() {
	register[SignalTasksRequest](RequestSignalTasks, RequestTerminateTasks)
	register[JobNotifyRequest](RequestJobNotify)
	register[ConfigRequest](RequestConfig)
	register[HetJobDescList](RequestHetJobAllocation, RequestSubmitBatchHetJob)
	register[NodeRegistration](MessageNodeRegistrationStatus)
	register[NodeRegistrationResponse](ResponseNodeRegistration)
	register[KillJobRequest](SrunStepSignal)
	register[SrunNodeFailMsg](SrunStepMissing)
	register[ReservationInfoResponse](ResponseReservationInfo)
}
