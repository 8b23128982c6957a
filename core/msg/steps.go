package msg

import "github.com/flurm/flurm/core/state"

// Operations for srun and salloc: job steps, allocation completion and
// signals. They are ClientRequest ops like those in msg.go.

// OpStepCreate starts a step in a running job (state.StepCreate). Request
// is the caller's id for this creation: the caller finds the step it made
// by it (state.Job.StepByRequest), and a retry returns the same step.
type OpStepCreate struct {
	Job       state.JobID
	Request   uint64
	Name      string
	NumNodes  int      // 0: all of the job's nodes, unless Nodes is set
	Nodes     []string // node names the step must use; nil: any
	Tasks     int
	CPUs      int   // 0: one per task
	TimeLimit int64 // seconds; 0: the job's
	SrunHost  string
	SrunPID   uint32
}

// OpStepEnd reports a step's tasks ended on its nodes First..Last
// (positions in the step's node list), or with All cancels the step
// (state.StepEnd).
type OpStepEnd struct {
	Job         state.JobID
	Step        uint32
	First, Last int
	ExitCode    int
	All         bool
}

// OpCompleteAllocation ends a job whose srun or salloc is done with its
// allocation (state.CompleteAllocation).
type OpCompleteAllocation struct {
	Job      state.JobID
	ExitCode int
	Signal   int
	Cancel   bool
}

// OpSignal delivers a signal to a running job's processes on all of its
// nodes without ending the job (scancel --signal). It changes no
// replicated state: the leader checks the job and sends msg.Kill with
// Signal set, then replies; nothing is proposed.
type OpSignal struct {
	Job    state.JobID
	Signal int // 1..MaxSignal
}

// MaxSignal is the largest signal number OpSignal accepts (Linux SIGRTMAX).
const MaxSignal = 64

func (OpStepCreate) isOp()         {}
func (OpStepEnd) isOp()            {}
func (OpCompleteAllocation) isOp() {}
func (OpSignal) isOp()             {}
