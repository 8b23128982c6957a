package compat

import (
	"strconv"
	"strings"
	"testing"
)

// nodeLists: sbatch, srun and salloc with --nodelist (-w) and --exclude
// (-x) run where they are told, and scontrol shows both lists.
func nodeLists(t *testing.T, j *jobsCluster) {
	t.Run("sbatch-w", func(t *testing.T) {
		id := j.sbatch(t, "nobody", "-w", "n3", "-o", "/dev/null", "--wrap", "true")
		show := j.waitState(t, id, "COMPLETED")
		for _, want := range []string{" NodeList=n3\n", "ReqNodeList=n3 ExcNodeList=(null)"} {
			if !strings.Contains(show, want) {
				t.Errorf("sbatch -w n3: no %q in\n%s", want, show)
			}
		}
	})
	t.Run("sbatch-x", func(t *testing.T) {
		id := j.sbatch(t, "nobody", "-x", "n[1-3]", "-o", "/dev/null", "--wrap", "true")
		show := j.waitState(t, id, "COMPLETED")
		for _, want := range []string{" NodeList=n4\n", "ReqNodeList=(null) ExcNodeList=n[1-3]"} {
			if !strings.Contains(show, want) {
				t.Errorf("sbatch -x n[1-3]: no %q in\n%s", want, show)
			}
		}
	})
	t.Run("srun-w", func(t *testing.T) {
		checkCase(t, j.cluster, clientCase{user: "nobody", args: cmd("srun -w n2 printenv SLURMD_NODENAME"), want: "n2\n"})
	})
	t.Run("srun-N2-w", func(t *testing.T) {
		out, rc := j.run("nobody", "srun", "-N2", "-w", "n4", "printenv", "SLURMD_NODENAME")
		if lines := strings.Fields(out); rc != 0 || len(lines) != 2 || (lines[0] != "n4" && lines[1] != "n4") || lines[0] == lines[1] {
			t.Errorf("srun -N2 -w n4: rc %d\n%s", rc, out)
		}
	})
	t.Run("salloc-w", func(t *testing.T) {
		out, rc := j.run("nobody", "salloc", "-w", "n1", "srun", "printenv", "SLURMD_NODENAME")
		if rc != 0 || !strings.Contains(out, "\nn1\n") {
			t.Errorf("salloc -w n1: rc %d\n%s", rc, out)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		failed := "sbatch: error: Batch job submission failed: "
		for _, c := range []clientCase{
			{args: cmd("sbatch -w n9 --wrap=true"), rc: 1, want: failed + "Invalid node name specified\n"},
			{args: cmd("sbatch -w n1 -x n1 --wrap=true"), rc: 1, want: failed + "Invalid node name specified\n"},
			{args: cmd("sbatch -x n[1-4] --wrap=true"), rc: 1, want: failed + "Requested node configuration is not available\n"},
			{args: cmd("srun -w n[1-2] -x n2 true"), rc: 1, want: "srun: error: Unable to allocate resources: Invalid node name specified\n"},
			{args: cmd("salloc -w n9 true"), rc: 1, want: "salloc: error: Job submit/allocate failed: Invalid node name specified\n"},
		} {
			checkCase(t, j.cluster, c)
		}
	})
	t.Run("scontrol-update", func(t *testing.T) {
		id := strconv.Itoa(j.sbatch(t, "nobody", "-H", "-w", "n1", "-o", "/dev/null", "--wrap", "true"))
		defer j.run("", "scancel", id)
		show := "scontrol show job " + id
		for _, c := range []clientCase{
			{user: "nobody", args: cmd("scontrol update JobId=" + id + " ReqNodeList=n[3-4]")},
			{user: "nobody", args: cmd("scontrol update JobId=" + id + " ExcNodeList=n2")},
			{args: cmd(show), match: []string{`ReqNodeList=n\[3-4\] ExcNodeList=n2\n`, `NumNodes=2 `}},
			{user: "nobody", args: cmd("scontrol update JobId=" + id + " ReqNodeList=n9"), rc: 1,
				want: "Invalid node name specified for job " + id + "\n"},
			{user: "nobody", args: []string{"scontrol", "update", "JobId=" + id, "ReqNodeList=", "ExcNodeList="}},
			{args: cmd(show), match: []string{`ReqNodeList=\(null\) ExcNodeList=\(null\)\n`}},
		} {
			checkCase(t, j.cluster, c)
		}
	})
	t.Run("required-node-drained", func(t *testing.T) {
		// slurmctld names the unusable required node, and for a job
		// that excluded every other node the partition's unusable ones.
		j.run("", "scontrol", "update", "NodeName=n2", "State=DRAIN", "Reason=nodelist-test")
		req := j.sbatch(t, "nobody", "-w", "n2", "-o", "/dev/null", "--wrap", "true")
		exc := j.sbatch(t, "nobody", "-x", "n[1,3-4]", "-o", "/dev/null", "--wrap", "true")
		for _, id := range []int{req, exc} {
			checkCase(t, j.cluster, clientCase{args: cmd("squeue -h -j " + strconv.Itoa(id) + " -o %T|%r|%n|%x"),
				match: []string{`^PENDING\|ReqNodeNotAvail, UnavailableNodes:n2\|(n2\||\|n\[1,3-4\])$`}, eventually: jobWait})
		}
		j.run("", "scontrol", "update", "NodeName=n2", "State=RESUME")
		for _, id := range []int{req, exc} {
			if show := j.waitState(t, id, "COMPLETED"); !strings.Contains(show, " NodeList=n2\n") {
				t.Errorf("job %d ran elsewhere than n2:\n%s", id, show)
			}
		}
	})
	t.Run("pending-on-required-node", func(t *testing.T) {
		// n2 taken whole by an exclusive job: a job for n2 waits although
		// three nodes are free, and starts once n2 is.
		busy := j.sbatch(t, "nobody", "--exclusive", "-w", "n2", "-o", "/dev/null", "--wrap", "sleep 30")
		j.waitState(t, busy, "RUNNING")
		id := j.sbatch(t, "nobody", "-w", "n2", "-o", "/dev/null", "--wrap", "true")
		checkCase(t, j.cluster, clientCase{args: cmd("squeue -h -j " + strconv.Itoa(id) + " -o %T|%r"),
			want: "PENDING|Resources\n", eventually: jobWait})
		j.run("", "scancel", strconv.Itoa(busy))
		if show := j.waitState(t, id, "COMPLETED"); !strings.Contains(show, " NodeList=n2\n") {
			t.Errorf("job for n2 ran elsewhere:\n%s", show)
		}
	})
}
