package state

import "fmt"

// ErrCode is a Slurm error number, so a rejection can go to a real Slurm
// client unchanged (slurm_errno.h).
type ErrCode int

const (
	ErrGeneric            ErrCode = -1 // SLURM_ERROR
	ErrInvalidPartition   ErrCode = 2000
	ErrAccessDenied       ErrCode = 2002
	ErrNodeConfigUnavail  ErrCode = 2014
	ErrInvalidJobID       ErrCode = 2017
	ErrInvalidNodeName    ErrCode = 2018
	ErrTransitionNoUpdate ErrCode = 2020
	ErrAlreadyDone        ErrCode = 2021
	ErrDisabled           ErrCode = 2037
	ErrInvalidTimeLimit   ErrCode = 2051
	ErrPartitionNotAvail  ErrCode = 2070
	ErrJobNotPending      ErrCode = 2073
	ErrJobNotRunning      ErrCode = 2085
	ErrTooManyJobs        ErrCode = 11   // EAGAIN: what slurmctld answers at MaxJobCount
	ErrInvalidTaskCount   ErrCode = 2025 // ESLURM_BAD_TASK_COUNT
	ErrStale              ErrCode = 9001 // FLURM internal: report for an old attempt or incarnation
)

// Error is a command's rejection: the command changed nothing.
type Error struct {
	Code ErrCode
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (code %d)", e.Msg, int(e.Code)) }

func reject(code ErrCode, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
