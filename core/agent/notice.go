package agent

import (
	"fmt"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// EndNotice is the line a batch job's output gets when the controller ends
// the job, the line slurmstepd logs to the job's standard error: who ended
// it is not said, why is, and when, in the node's local time to the
// second. A kill nobody is told about (msg.EndUntold) has no line.
func EndNotice(job state.JobID, node string, at time.Time, why msg.EndReason) string {
	var cause string
	switch why {
	case msg.EndCancelled:
	case msg.EndTimeLimit:
		cause = " DUE TO TIME LIMIT"
	case msg.EndRequeued:
		cause = " DUE TO JOB REQUEUE"
	case msg.EndNodeFail:
		cause = " DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS"
	default:
		return ""
	}
	return fmt.Sprintf("slurmstepd: error: *** JOB %d ON %s CANCELLED AT %s%s ***\n",
		job, node, at.Format(noticeTimeLayout), cause)
}

// noticeTimeLayout is Slurm's default time format (slurm_make_time_str
// without SLURM_TIME_FORMAT).
const noticeTimeLayout = "2006-01-02T15:04:05"
