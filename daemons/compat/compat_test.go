package compat

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCompat runs every stage in order on the one cluster: later stages
// rely on the jobs earlier ones submitted (ids 1..8).
func TestCompat(t *testing.T) {
	c := need(t)
	if c.used {
		// go test -count=N: the cases expect an empty state (job ids
		// from 1), so start over from a clean StateSaveLocation.
		if err := c.reset(); err != nil {
			t.Fatal(err)
		}
	}
	c.used = true
	t.Run("sbatch", func(t *testing.T) { runCases(t, c, submitCases(c)) })
	t.Run("sbatch-rejects", func(t *testing.T) { runCases(t, c, rejectCases()) })
	t.Run("squeue", func(t *testing.T) { runCases(t, c, squeueCases()) })
	t.Run("sinfo", func(t *testing.T) { runCases(t, c, sinfoCases()) })
	t.Run("scontrol-show", func(t *testing.T) { runCases(t, c, showCases(c)) })
	t.Run("scontrol-update", func(t *testing.T) { runCases(t, c, updateCases()) })
	t.Run("scontrol-node", func(t *testing.T) { runCases(t, c, nodeCases()) })
	t.Run("permissions", func(t *testing.T) { runCases(t, c, permissionCases()) })
	t.Run("sdiag", func(t *testing.T) { runCases(t, c, sdiagCases()) })
	t.Run("bad-input", func(t *testing.T) { badInput(t, c) })
	t.Run("restart", func(t *testing.T) { restart(t, c) })
	t.Run("scancel", func(t *testing.T) { runCases(t, c, cancelCases()) })
	t.Run("dependency", func(t *testing.T) { runCases(t, c, dependencyCases(10, c.oracle)) })
	t.Run("array", func(t *testing.T) {
		base := 16 // after the dependency stage's six jobs
		if c.oracle {
			base = 23 // the id slurmctld gave: its refusals used up ids (DIFFERENCES.md)
		}
		runCases(t, c, arrayCases(base))
	})
	t.Run("shutdown", func(t *testing.T) { shutdown(t, c) })
}

// jobScript is a batch script whose #SBATCH directives sbatch reads.
const jobScript = `#!/bin/bash
#SBATCH -J scriptjob
#SBATCH --time=10
#SBATCH -N 1
#SBATCH --comment=from-script
echo hello
`

func submitCases(c *cluster) []clientCase {
	script := filepath.Join(c.work, "job.sh")
	if err := os.WriteFile(script, []byte(jobScript), 0o644); err != nil {
		panic(err)
	}
	return []clientCase{
		{name: "script-directives", args: cmd("sbatch job.sh"), want: "Submitted batch job 1\n"},
		{name: "wrap", args: []string{"sbatch", "--wrap=hostname"}, want: "Submitted batch job 2\n"},
		{name: "many-options-parsable", args: []string{"sbatch", "-J", "named", "-p", "long", "-N", "2", "-n", "4", "-c", "2",
			"--mem=100", "-t", "1:00:00", "-o", "out.%j", "-e", "err.%j", "-D", "/tmp", "--comment=hello",
			"--nice=10", "--parsable", "--wrap=sleep 1"}, want: "3\n"},
		{name: "held", args: cmd("sbatch -H -J held --wrap=true"), want: "Submitted batch job 4\n"},
		{name: "begin", args: cmd("sbatch --begin=2030-01-01T00:00:00 -J later --wrap=true"), want: "Submitted batch job 5\n"},
		{name: "export-mem-per-cpu", args: cmd("sbatch -J exp --export=NONE,FOO=bar --mem-per-cpu=10 -n 2 --wrap=true"), want: "Submitted batch job 6\n"},
		{name: "victim", args: cmd("sbatch -J victim -t 5 --wrap=true"), want: "Submitted batch job 7\n"},
		{name: "as-nobody", user: "nobody", args: cmd("sbatch -J nobodyjob -t 5 -D /tmp --wrap=true"), want: "Submitted batch job 8\n"},
	}
}

func rejectCases() []clientCase {
	failed := "sbatch: error: Batch job submission failed: "
	return []clientCase{
		{name: "unknown-partition", args: cmd("sbatch -p nope --wrap=true"), rc: 1,
			want: lines("sbatch: error: invalid partition specified: nope", failed+"Invalid partition name specified")},
		{name: "cpus-per-node", args: cmd("sbatch -c 8 --wrap=true"), rc: 1,
			want: lines("sbatch: error: CPU count per node can not be satisfied", failed+"Requested node configuration is not available")},
		{name: "memory", args: cmd("sbatch --mem=5000 --wrap=true"), rc: 1,
			want: lines("sbatch: error: Memory specification can not be satisfied", failed+"Requested node configuration is not available")},
		{name: "tasks-on-one-node", args: cmd("sbatch -n 5 -N 1 --wrap=true"), rc: 1,
			want: lines(failed + "Requested node configuration is not available")},
		{name: "too-many-nodes", args: cmd("sbatch -N 5 --wrap=true"), rc: 1,
			want: lines(failed + "Node count specification invalid")},
		{name: "too-many-cpus", args: cmd("sbatch -n 17 --wrap=true"), rc: 1,
			want: lines(failed + "More processors requested than permitted")},
		{name: "time-over-maxtime", args: cmd("sbatch -t 61 --wrap=true"), rc: 1,
			want: lines(failed + "Requested time limit is invalid (missing or exceeds some limit)")},
		{name: "time-over-maxtime-long", args: cmd("sbatch -p long -t 2-0 --wrap=true"), rc: 1,
			want: lines(failed + "Requested time limit is invalid (missing or exceeds some limit)")},
		{name: "array-throttle-unsupported", args: cmd("sbatch --array=1-3%2 --wrap=true"), rc: 1,
			want: lines("sbatch: error: FLURM does not support the job array task throttle (--array=...%N)", failed+"Requested operation not supported on this system")},
		{name: "singleton-unsupported", args: cmd("sbatch --dependency=singleton --wrap=true"), rc: 1,
			want: lines("sbatch: error: FLURM does not support this dependency (--dependency=singleton); FLURM has after, afterany, afterok and afternotok", failed+"Requested operation not supported on this system")},
		{name: "node-range-unsupported", args: cmd("sbatch -N 1-2 --wrap=true"), rc: 1,
			want: lines("sbatch: error: FLURM does not support node count ranges (-N min-max)", failed+"Requested operation not supported on this system")},
		{name: "nothing-consumed-an-id", args: cmd("squeue -h -o %i -S i"), want: lines("1", "2", "3", "4", "5", "6", "7", "8")},
	}
}
