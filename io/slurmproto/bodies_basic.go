package slurmproto

// Small request and reply bodies. Field order is wire order; each type
// names the Slurm packer it mirrors (src/common/slurm_protocol_pack.c).

// Empty is the body of messages that carry none (REQUEST_PING,
// REQUEST_RECONFIGURE, REQUEST_CONTROL, REQUEST_TAKEOVER, REQUEST_FED_INFO,
// REQUEST_CONTROL_STATUS, SRUN_PING...).
type Empty struct{}

// ReturnCode is RESPONSE_SLURM_RC (also RESPONSE_JOB_READY,
// RESPONSE_PROLOG_EXECUTING): _pack_return_code_msg.
type ReturnCode struct {
	ReturnCode uint32 // 0 success; slurm_errno.h values; 0xffffffff = SLURM_ERROR
}

// ReturnCodeMsg is RESPONSE_SLURM_RC_MSG: _pack_return_code2_msg. Clients
// print ErrMsg and then treat it as RESPONSE_SLURM_RC.
type ReturnCodeMsg struct {
	ReturnCode uint32
	ErrMsg     Str
}

// U32List is a u32 count (NoVal = no list, decoded as nil) followed by that
// many u32 values; used for job id lists in requests.
type U32List []uint32

func (l *U32List) encodeWire(w *writer) {
	if *l == nil {
		w.u32(NoVal)
		return
	}
	w.count(len(*l))
	for _, v := range *l {
		w.u32(v)
	}
}

func (l *U32List) decodeWire(r *reader) {
	raw := r.u32()
	if r.err != nil || raw == NoVal {
		return
	}
	n := r.checkCount(raw, 4)
	out := make(U32List, n)
	for i := range out {
		out[i] = r.u32()
	}
	*l = out
}

func (*U32List) minWireSize() int { return 4 }

// Show flags for info requests (slurm.h SHOW_*).
const (
	ShowAll        uint16 = 0x0001
	ShowDetail     uint16 = 0x0002
	ShowMixed      uint16 = 0x0008
	ShowLocal      uint16 = 0x0010
	ShowSibling    uint16 = 0x0020
	ShowFederation uint16 = 0x0040
	ShowFuture     uint16 = 0x0080
)

// JobInfoRequest is REQUEST_JOB_INFO: _pack_job_info_request_msg. JobIDs nil
// (wire NO_VAL) means all jobs.
type JobInfoRequest struct {
	LastUpdate Time
	ShowFlags  uint16
	JobIDs     U32List
}

// JobUserInfoRequest is REQUEST_JOB_USER_INFO: _pack_job_user_msg.
type JobUserInfoRequest struct {
	UserID    uint32
	ShowFlags uint16
}

// JobIDRequest is REQUEST_JOB_INFO_SINGLE and REQUEST_JOB_READY:
// _pack_job_ready_msg (job_id_msg_t).
type JobIDRequest struct {
	JobID     uint32
	ShowFlags uint16
}

// NodeInfoRequest is REQUEST_NODE_INFO: _pack_node_info_request_msg.
type NodeInfoRequest struct {
	LastUpdate Time
	ShowFlags  uint16
}

// NodeInfoSingleRequest is REQUEST_NODE_INFO_SINGLE:
// _pack_node_info_single_msg.
type NodeInfoSingleRequest struct {
	NodeName  Str
	ShowFlags uint16
}

// PartitionInfoRequest is REQUEST_PARTITION_INFO:
// _pack_part_info_request_msg.
type PartitionInfoRequest struct {
	LastUpdate Time
	ShowFlags  uint16
}

// LastUpdateRequest is REQUEST_BUILD_INFO and REQUEST_RESERVATION_INFO
// (and the other last_update_msg_t requests): _pack_last_update_msg.
type LastUpdateRequest struct {
	LastUpdate Time
}

// StepID is slurm_step_id_t as packed by pack_step_id.
type StepID struct {
	JobID       uint32
	StepID      uint32
	StepHetComp uint32
}

// JobStepInfoRequest is REQUEST_JOB_STEP_INFO: _pack_job_step_info_req_msg.
type JobStepInfoRequest struct {
	LastUpdate Time
	StepID     StepID
	ShowFlags  uint16
}

// Kill flags (slurm.h KILL_*), carried in KillJobRequest.Flags.
const (
	KillJobBatch   uint16 = 0x0001
	KillJobArray   uint16 = 0x0002
	KillStepsOnly  uint16 = 0x0004
	KillFullJob    uint16 = 0x0008
	KillFedRequeue uint16 = 0x0010
	KillHurry      uint16 = 0x0020
	KillOOM        uint16 = 0x0040
	KillNoSibs     uint16 = 0x0080
	KillJobResv    uint16 = 0x0100
)

// KillJobRequest is REQUEST_KILL_JOB, REQUEST_CANCEL_JOB_STEP and
// SRUN_STEP_SIGNAL:
// _pack_job_step_kill_msg. scancel of a job sends NoVal ids and the job id
// text in SJobID; a step cancel sends numeric ids and a NULL SJobID.
type KillJobRequest struct {
	StepID  StepID
	SJobID  Str
	Sibling Str
	Signal  uint16
	Flags   uint16
}

// Stats commands for StatsInfoRequest.CommandID.
const (
	StatCommandReset uint16 = 0
	StatCommandGet   uint16 = 1
)

// StatsInfoRequest is REQUEST_STATS_INFO: _pack_stats_request_msg.
type StatsInfoRequest struct {
	CommandID uint16
}

// Shutdown options.
const (
	ShutdownAll      uint16 = 0
	ShutdownAbort    uint16 = 1
	ShutdownCtldOnly uint16 = 2
)

// ShutdownRequest is REQUEST_SHUTDOWN: _pack_shutdown_msg.
type ShutdownRequest struct {
	Options uint16
}

// JobAllocInfoRequest is REQUEST_JOB_ALLOCATION_INFO, REQUEST_JOB_END_TIME
// and REQUEST_HET_JOB_ALLOC_INFO: _pack_job_alloc_info_msg.
type JobAllocInfoRequest struct {
	JobID      uint32
	ReqCluster Str
}

// CompleteJobAllocationRequest is REQUEST_COMPLETE_JOB_ALLOCATION:
// _pack_complete_job_allocation_msg.
type CompleteJobAllocationRequest struct {
	JobID uint32
	JobRC uint32
}

// SubmitBatchJobResponse is RESPONSE_SUBMIT_BATCH_JOB:
// _pack_submit_response_msg. StepID is BatchScript from slurmctld.
type SubmitBatchJobResponse struct {
	JobID            uint32
	StepID           uint32
	ErrorCode        uint32
	JobSubmitUserMsg Str
}

// JobArrayError is one entry of RESPONSE_JOB_ARRAY_ERRORS.
type JobArrayError struct {
	ErrorCode  uint32
	JobArrayID Str
}

// JobArrayErrorsResponse is RESPONSE_JOB_ARRAY_ERRORS:
// _pack_job_array_resp_msg.
type JobArrayErrorsResponse struct {
	Errors []JobArrayError `wire:"count32"`
}

// ControlStatusResponse is RESPONSE_CONTROL_STATUS:
// _pack_control_status_msg. ControlTime 0 means "not in control".
type ControlStatusResponse struct {
	BackupIndex uint16
	ControlTime Time
}

// UpdateNodeRequest is REQUEST_UPDATE_NODE: _pack_update_node_msg.
type UpdateNodeRequest struct {
	Comment      Str
	CPUBind      uint32
	Extra        Str
	Features     Str
	FeaturesAct  Str
	Gres         Str
	NodeAddr     Str
	NodeHostname Str
	NodeNames    Str
	NodeState    uint32
	Reason       Str
	ReasonUID    uint32
	Weight       uint32
}

// SetDebugLevelRequest is REQUEST_SET_DEBUG_LEVEL and
// REQUEST_SET_SCHEDLOG_LEVEL: _pack_set_debug_level_msg.
type SetDebugLevelRequest struct {
	DebugLevel uint32
}

// SetDebugFlagsRequest is REQUEST_SET_DEBUG_FLAGS: _pack_set_debug_flags_msg.
type SetDebugFlagsRequest struct {
	DebugFlagsMinus uint64
	DebugFlagsPlus  uint64
}

// SuspendRequest is REQUEST_SUSPEND and REQUEST_TOP_JOB (same layout):
// _pack_suspend_msg / _pack_top_job_msg.
type SuspendRequest struct {
	Op       uint16
	JobID    uint32
	JobIDStr Str
}

// RequeueRequest is REQUEST_JOB_REQUEUE: _pack_job_requeue_msg.
type RequeueRequest struct {
	JobID    uint32
	JobIDStr Str
	Flags    uint32
}

// RebootNodesRequest is REQUEST_REBOOT_NODES: _pack_reboot_msg.
type RebootNodesRequest struct {
	Features  Str
	Flags     uint16
	NextState uint32
	NodeList  Str
	Reason    Str
}

// BatchScriptResponse is RESPONSE_BATCH_SCRIPT: _pack_job_script_msg.
type BatchScriptResponse struct {
	Script Str
}

// WillRunResponse is RESPONSE_JOB_WILL_RUN: _pack_will_run_response_msg.
type WillRunResponse struct {
	JobID            uint32
	JobSubmitUserMsg Str
	NodeList         Str
	PartName         Str
	PreempteeJobIDs  U32List
	ProcCount        uint32
	StartTime        Time
	SysUsagePer      float64
}

// FedInfoResponse is RESPONSE_FED_INFO for a cluster outside any
// federation: slurmdb_pack_federation_rec with a NULL record, the single
// byte 0. A non-NULL federation record is not supported by this package.
type FedInfoResponse struct{}

func (*FedInfoResponse) encodeWire(w *writer) { w.u8(0) }

func (*FedInfoResponse) decodeWire(r *reader) {
	if b := r.u8(); b != 0 && r.err == nil {
		r.fail(ErrUnsupported, "federation records are not supported (flag %d)", b)
	}
}

func (*FedInfoResponse) minWireSize() int { return 1 }

// StepIDMsg is the bare step id body of SRUN_JOB_COMPLETE,
// REQUEST_STEP_LAYOUT, REQUEST_JOB_STEP_STAT and REQUEST_JOB_STEP_PIDS.
type StepIDMsg struct {
	StepID StepID
}

// SrunNodeFailMsg is SRUN_NODE_FAIL and SRUN_STEP_MISSING:
// _pack_srun_node_fail_msg / _pack_srun_step_missing_msg.
type SrunNodeFailMsg struct {
	StepID   StepID
	NodeList Str
}

// SrunTimeoutMsg is SRUN_TIMEOUT: _pack_srun_timeout_msg.
type SrunTimeoutMsg struct {
	StepID  StepID
	Timeout Time
}

// SrunUserMsgBody is SRUN_USER_MSG: _pack_srun_user_msg.
type SrunUserMsgBody struct {
	JobID uint32
	Msg   Str
}
