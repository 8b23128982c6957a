package compat

import (
	"fmt"
	"strings"
)

// arrayCases check sbatch --array. They run after the dependency stage,
// whose last job id is base-1 in FLURM. FLURM gives every task its own
// job record and id at submission, so the second array's id is the first
// one's plus its task count; slurmctld keeps unstarted tasks in one meta
// record (DIFFERENCES.md), which is why these cases differ from the
// oracle in ids and in how squeue lists pending tasks: for the "tasks"
// case slurmctld prints "23_[1-4]|23|1-4|PENDING",
// "24_[0,4,8,12]|24|0,4,8,12|PENDING" and "25_[1,3,5-7]|25|1,3,5-7|PENDING".
// above-max-array-size and cancel-task-not-in-array print the same.
func arrayCases(base int) []clientCase {
	failed := "sbatch: error: Batch job submission failed: "
	a, b, c := base, base+4, base+8
	ids := strings.NewReplacer("$A", fmt.Sprint(a), "$B", fmt.Sprint(b), "$C", fmt.Sprint(c))
	l := func(s ...string) string {
		for i := range s {
			s[i] = ids.Replace(s[i])
		}
		return lines(s...)
	}
	x := func(line string) []string { return cmd(ids.Replace(line)) }
	queue := func(states string) []string {
		return []string{"squeue", "-h", "-t", states, "-S", "i", "-n", "arr", "-o", "%i|%F|%K|%T"}
	}
	return []clientCase{
		{name: "range", args: x("sbatch -J arr -t 5 --array=1-4 --wrap=true"), want: l("Submitted batch job $A")},
		{name: "step", args: x("sbatch -J arr -t 5 --array=0-15:4 --wrap=true"), want: l("Submitted batch job $B")},
		{name: "list", args: x("sbatch -J arr -t 5 --array=1,3,5-7 --parsable --wrap=true"), want: l("$C")},
		{name: "above-max-array-size", args: x("sbatch -J arr --array=0-1001 --wrap=true"), rc: 1,
			want: lines(failed + "Invalid job array specification")},
		{name: "tasks", args: queue("pending"), want: l(
			"$A_1|$A|1|PENDING", "$A_2|$A|2|PENDING", "$A_3|$A|3|PENDING", "$A_4|$A|4|PENDING",
			"$B_0|$B|0|PENDING", "$B_4|$B|4|PENDING", "$B_8|$B|8|PENDING", "$B_12|$B|12|PENDING",
			"$C_1|$C|1|PENDING", "$C_3|$C|3|PENDING", "$C_5|$C|5|PENDING", "$C_6|$C|6|PENDING", "$C_7|$C|7|PENDING")},
		{name: "show-job", args: x("scontrol show job $C"), match: []string{
			ids.Replace(`(?s)^JobId=$C ArrayJobId=$C ArrayTaskId=1 JobName=arr$.*^JobId=` + fmt.Sprint(c+4) + ` ArrayJobId=$C ArrayTaskId=7 JobName=arr$`)}},
		{name: "cancel-task", args: x("scancel $A_3")},
		{name: "cancel-array", args: x("scancel $B")},
		// slurmctld answers ESLURM_INVALID_JOB_ID for a task the array
		// does not have; real scancel prints nothing for it and exits 0
		// (checked against the oracle).
		{name: "cancel-task-not-in-array", args: x("scancel $C_2")},
		{name: "after-cancel", args: queue("pending"), want: l(
			"$A_1|$A|1|PENDING", "$A_2|$A|2|PENDING", "$A_4|$A|4|PENDING",
			"$C_1|$C|1|PENDING", "$C_3|$C|3|PENDING", "$C_5|$C|5|PENDING", "$C_6|$C|6|PENDING", "$C_7|$C|7|PENDING")},
		{name: "cancelled", args: queue("cancelled"), want: l(
			"$A_3|$A|3|CANCELLED", "$B_0|$B|0|CANCELLED", "$B_4|$B|4|CANCELLED", "$B_8|$B|8|CANCELLED", "$B_12|$B|12|CANCELLED")},
		{name: "clean-up", args: cmd("scancel -u root")},
	}
}
