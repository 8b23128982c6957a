// Command benchjob measures job turnaround as a user sees it (a benchmark,
// not a test): it submits trivial batch jobs one at a time with Slurm's real
// sbatch and polls scontrol until each is RUNNING and then COMPLETED,
// printing the median, p90 and worst time from sbatch's start to each.
//
//	benchjob [-n 20] [-poll 5ms]
//
// SLURM_CONF must point at a running cluster with node daemons (`make
// bench-jobs` brings up the local one). Polling itself costs a scontrol
// call (a few milliseconds), which is included in the figures, as it
// would be for a user's script. Reference: real Slurm 22.05.8 with default
// settings took 3.0 s from sbatch to COMPLETED on this kind of machine
// (shared/docs/slurm-lab.md).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"
)

var stateRE = regexp.MustCompile(`JobState=(\S+)`)

func main() {
	n := flag.Int("n", 20, "jobs, submitted one after the other")
	poll := flag.Duration("poll", 5*time.Millisecond, "pause between scontrol polls")
	flag.Parse()
	if os.Getenv("SLURM_CONF") == "" {
		fmt.Fprintln(os.Stderr, "benchjob: SLURM_CONF is not set")
		os.Exit(2)
	}
	var toRun, toDone []time.Duration
	for i := range *n {
		r, d, err := one(*poll)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchjob: job %d: %v\n", i+1, err)
			os.Exit(1)
		}
		toRun, toDone = append(toRun, r), append(toDone, d)
	}
	fmt.Printf("%d trivial jobs (sbatch --wrap true), one at a time\n", *n)
	report("sbatch to RUNNING  ", toRun)
	report("sbatch to COMPLETED", toDone)
}

func one(poll time.Duration) (toRun, toDone time.Duration, err error) {
	t0 := time.Now()
	out, err := exec.Command("sbatch", "--parsable", "-o", "/dev/null", "--wrap", "true").CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("sbatch: %v: %s", err, out)
	}
	id := strings.TrimSpace(string(out))
	deadline := t0.Add(time.Minute)
	for time.Now().Before(deadline) {
		text, err := exec.Command("scontrol", "show", "job", id).Output()
		if err != nil {
			return 0, 0, fmt.Errorf("scontrol show job %s: %v", id, err)
		}
		m := stateRE.FindSubmatch(text)
		if m == nil {
			return 0, 0, fmt.Errorf("no JobState in %q", text)
		}
		st := string(m[1])
		if st != "PENDING" && toRun == 0 {
			toRun = time.Since(t0)
		}
		switch st {
		case "COMPLETED":
			return toRun, time.Since(t0), nil
		case "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL":
			return 0, 0, fmt.Errorf("job %s ended %s", id, st)
		}
		time.Sleep(poll)
	}
	return 0, 0, fmt.Errorf("job %s not COMPLETED within a minute", id)
}

func report(what string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	fmt.Printf("%s  p50 %-8v p90 %-8v max %v\n", what, q(0.5).Round(time.Millisecond), q(0.9).Round(time.Millisecond),
		ds[len(ds)-1].Round(time.Millisecond))
}
