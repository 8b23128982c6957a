package slurmproto

// JobAcct is jobacctinfo_t as packed by jobacctinfo_pack (protocol >=
// 21.08). Senders pack it only when accounting polling is on; otherwise the
// presence byte is 0 (nil here). The TRES usage arrays have one entry per
// TRESIDs element.
type JobAcct struct {
	UserCPUSec     uint64
	UserCPUUsec    uint32
	SysCPUSec      uint64
	SysCPUUsec     uint32
	ActCPUFreq     uint32
	ConsumedEnergy uint64
	TRESIDs        []uint32
	TRESList       []TRESRec // nil = wire NO_VAL

	TRESUsageInMax        []uint64
	TRESUsageInMaxNodeID  []uint64
	TRESUsageInMaxTaskID  []uint64
	TRESUsageInMin        []uint64
	TRESUsageInMinNodeID  []uint64
	TRESUsageInMinTaskID  []uint64
	TRESUsageInTot        []uint64
	TRESUsageOutMax       []uint64
	TRESUsageOutMaxNodeID []uint64
	TRESUsageOutMaxTaskID []uint64
	TRESUsageOutMin       []uint64
	TRESUsageOutMinNodeID []uint64
	TRESUsageOutMinTaskID []uint64
	TRESUsageOutTot       []uint64
}

// TRESRec is slurmdb_tres_rec_t (slurmdb_pack_tres_rec).
type TRESRec struct {
	AllocSecs uint64
	Count     uint64
	ID        uint32
	Name      Str
	Type      Str
}

// StepCompleteRequest is REQUEST_STEP_COMPLETE, sent by the node side when
// a step's tasks on a range of nodes ended (_pack_step_complete_msg).
type StepCompleteRequest struct {
	StepID     StepID
	RangeFirst uint32
	RangeLast  uint32
	StepRC     uint32
	JobAcct    *JobAcct `wire:"opt8"`
}

// CompleteBatchScriptRequest is REQUEST_COMPLETE_BATCH_SCRIPT, sent when a
// batch script exits (_pack_complete_batch_script_msg).
type CompleteBatchScriptRequest struct {
	JobAcct  *JobAcct `wire:"opt8"`
	JobID    uint32
	JobRC    uint32
	SlurmRC  uint32
	UserID   uint32
	NodeName Str
}
