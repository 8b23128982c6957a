package slurmproto

// Step-level messages between srun, slurmctld and the node side that the
// captures contain and that carry no nested plugin data.

// JobStepCreateRequest is REQUEST_JOB_STEP_CREATE
// (_pack_job_step_create_request_msg, protocol 38).
type JobStepCreateRequest struct {
	StepID    StepID // step_id and step_het_comp NoVal from srun
	UserID    uint32
	MinNodes  uint32
	MaxNodes  uint32
	Container Str

	CPUCount       uint32
	CPUFreqMin     uint32
	CPUFreqMax     uint32
	CPUFreqGov     uint32
	NumTasks       uint32
	PnMinMemory    uint64
	TimeLimit      uint32
	ThreadsPerCore uint16

	Relative    uint16
	TaskDist    uint32
	PlaneSize   uint16
	Port        uint16 // srun's step message port
	Immediate   uint16
	ResvPortCnt uint16
	SrunPID     uint32
	Flags       uint32

	Host           Str
	Name           Str
	Network        Str
	NodeList       Str
	ExcNodes       Str
	Features       Str
	StepHetCompCnt uint32
	StepHetGrps    Str

	CPUsPerTRES   Str
	MemPerTRES    Str
	NTasksPerTRES uint16
	SubmitLine    Str
	TRESBind      Str
	TRESFreq      Str
	TRESPerStep   Str
	TRESPerNode   Str
	TRESPerSocket Str
	TRESPerTask   Str
}

// LaunchTasksResponse is RESPONSE_LAUNCH_TASKS
// (_pack_launch_tasks_response_msg). LocalPIDs and TaskIDs have
// CountOfPIDs entries each.
type LaunchTasksResponse struct {
	StepID      StepID
	ReturnCode  uint32
	NodeName    Str
	CountOfPIDs uint32
	LocalPIDs   []uint32
	TaskIDs     []uint32
}

// TaskExitMsg is MESSAGE_TASK_EXIT (_pack_task_exit_msg).
type TaskExitMsg struct {
	ReturnCode uint32 // wait status
	NumTasks   uint32
	TaskIDs    []uint32
	StepID     StepID
}

func registerStepBodies() {
	register[JobStepCreateRequest](RequestJobStepCreate)
	register[LaunchTasksResponse](ResponseLaunchTasks)
	register[TaskExitMsg](MessageTaskExit)
	register[StepCompleteRequest](RequestStepComplete)
	register[CompleteBatchScriptRequest](RequestCompleteBatchScript)
	register[JobStepCreateResponse](ResponseJobStepCreate)
	register[LaunchTasksRequest](RequestLaunchTasks)
	register[BatchJobLaunchRequest](RequestBatchJobLaunch)
	register[KillJobMsg](RequestTerminateJob, RequestAbortJob, RequestKillTimelimit, RequestKillPreempted)
}
