package compat

import (
	"fmt"
	"strings"
	"time"
)

// dependencyCases check sbatch --dependency. They run after the scancel
// stage, so the next job id is base (10). Against the oracle they pause
// for slurmctld's periodic scheduling pass, where it evaluates
// dependencies; FLURM evaluates them on every query.
func dependencyCases(base int, oracle bool) []clientCase {
	failed := "sbatch: error: Batch job submission failed: "
	var pairs []string
	for i, name := range []string{"$A", "$B", "$C", "$D", "$E", "$F", "$G"} {
		pairs = append(pairs, name, fmt.Sprint(base+i))
	}
	ids := strings.NewReplacer(pairs...)
	c := func(line string) []string { return cmd(ids.Replace(line)) }
	l := func(s ...string) string {
		for i := range s {
			s[i] = ids.Replace(s[i])
		}
		return lines(s...)
	}
	queue := func(jobs, format string) []string {
		return []string{"squeue", "-h", "-t", "all", "-S", "i", "-j", ids.Replace(jobs), "-o", format}
	}
	pause := func() []clientCase {
		if !oracle {
			return nil
		}
		return []clientCase{{name: "wait-for-slurmctld-scheduler", args: cmd("sleep 65"), timeout: 70 * time.Second}}
	}
	var cs []clientCase
	cs = append(cs, []clientCase{
		{name: "first", args: c("sbatch -J depA -t 5 --wrap=true"), want: l("Submitted batch job $A")},
		{name: "afterok", args: c("sbatch -J depB -t 5 --dependency=afterok:$A --wrap=true"), want: l("Submitted batch job $B")},
		{name: "any-of", args: c("sbatch -J depC -t 5 --dependency=afterok:$A?afternotok:$B --wrap=true"), want: l("Submitted batch job $C")},
		// slurmctld drops a condition on a job it does not know.
		{name: "unknown-job", args: c("sbatch -J depD -t 5 --dependency=afterok:999 --wrap=true"), want: l("Submitted batch job $D")},
		{name: "partly-unknown", args: c("sbatch -J depE -t 5 --dependency=afterok:999,afterany:$A --wrap=true"), want: l("Submitted batch job $E")},
		// One "?" anywhere makes the whole list any-of.
		{name: "mixed-separators", args: c("sbatch -J depF -t 5 --dependency=afterok:$A,after:$B?afterok:$C --wrap=true"), want: l("Submitted batch job $F")},
	}...)
	cs = append(cs, pause()...)
	cs = append(cs, []clientCase{
		{name: "shown", args: queue("$A,$B,$C,$D,$E,$F", "%i|%E"), want: l(
			"$A|(null)", "$B|afterok:$A(unfulfilled)", "$C|afterok:$A(unfulfilled)?afternotok:$B(unfulfilled)",
			"$D|(null)", "$E|afterany:$A(unfulfilled)", "$F|afterok:$A(unfulfilled)?after:$B(unfulfilled)?afterok:$C(unfulfilled)")},
		{name: "waiting", args: queue("$B,$C,$E,$F", "%i|%T|%r"), want: l(
			"$B|PENDING|Dependency", "$C|PENDING|Dependency", "$E|PENDING|Dependency", "$F|PENDING|Dependency")},
		{name: "show-job", args: c("scontrol show job $B"), match: []string{
			ids.Replace(`^   JobState=PENDING Reason=Dependency Dependency=afterok:$A\(unfulfilled\)$`)}},
		{name: "cancel-first", args: c("scancel $A")},
	}...)
	cs = append(cs, pause()...)
	cs = append(cs, []clientCase{
		// B's afterok failed: it stays pending, never to run. C and F
		// still have conditions that can hold; E's afterany held.
		{name: "after-cancel", args: queue("$B,$C,$D,$E,$F", "%i|%T|%E"), want: l(
			"$B|PENDING|afterok:$A(failed)", "$C|PENDING|afterok:$A(failed)?afternotok:$B(unfulfilled)",
			"$D|PENDING|(null)", "$E|PENDING|(null)",
			"$F|PENDING|afterok:$A(failed)?after:$B(unfulfilled)?afterok:$C(unfulfilled)")},
		{name: "never-satisfied", args: queue("$B,$C,$F", "%i|%r"), want: l(
			"$B|DependencyNeverSatisfied", "$C|Dependency", "$F|Dependency")},
		{name: "show-never", args: c("scontrol show job $B"), match: []string{
			ids.Replace(`^   JobState=PENDING Reason=DependencyNeverSatisfied Dependency=afterok:$A\(failed\)$`)}},
		{name: "cancel-second", args: c("scancel $B")},
	}...)
	cs = append(cs, pause()...)
	cs = append(cs, []clientCase{
		// B ended unsuccessfully: C's afternotok and F's after hold.
		{name: "any-of-satisfied", args: queue("$C,$F", "%i|%T|%E"), want: l("$C|PENDING|(null)", "$F|PENDING|(null)")},
		// Refused submissions come last: slurmctld uses up a job id on
		// them (DIFFERENCES.md). $G is the id the job would get.
		{name: "on-itself", args: c("sbatch --dependency=afterok:$G --wrap=true"), rc: 1, want: l(failed + "Job dependency problem")},
		{name: "malformed", args: c("sbatch --dependency=afterok:x --wrap=true"), rc: 1, want: l(failed + "Job dependency problem")},
		{name: "clean-up", args: c("scancel -u root")},
	}...)
	return cs
}
