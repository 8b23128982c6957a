package compat

import (
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDynamic: a flurmnd -Z for a node slurm.conf does not declare joins
// the jobs cluster (Slurm 22.05's dynamic nodes), shows in sinfo and
// scontrol, runs a batch job and an srun step (the static nodes drained so
// the scheduler has no other choice), and leaves with scontrol delete
// nodename=, which refuses while it holds a job and for a static node. A
// restart of its daemon registers it again.
func TestDynamic(t *testing.T) {
	j := newJobsCluster(t)
	const dyn = "dyn1"
	if err := j.startDynamicNode(dyn, fmt.Sprintf("CPUs=%d RealMemory=1000", runtime.NumCPU())); err != nil {
		t.Fatal(err)
	}
	j.waitNodeState(t, dyn, "idle")

	out, rc := j.run("", "scontrol", "show", "node", dyn)
	for _, re := range []string{`NodeName=dyn1 `, fmt.Sprintf(`CPUTot=%d `, runtime.NumCPU()), `RealMemory=1000 `,
		`NodeAddr=127\.0\.0\.1 `, `State=IDLE\+DYNAMIC_NORM `, `Partitions=debug `} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("scontrol show node %s (rc %d) lacks %s:\n%s", dyn, rc, re, out)
		}
	}
	if out, _ := j.run("", "sinfo", "-h", "-o", "%P %D %N"); out != "debug* 5 dyn1,n[1-4]\n" && out != "debug* 5 n[1-4],dyn1\n" {
		t.Errorf("sinfo partition line: %q", out)
	}

	// Only the dynamic node can take work.
	if _, rc := j.run("", "scontrol", "update", "NodeName=n[1-4]", "State=DRAIN", "Reason=dynamic-test"); rc != 0 {
		t.Fatal("draining the static nodes failed")
	}
	defer j.run("", "scontrol", "update", "NodeName=n[1-4]", "State=RESUME")

	id := j.sbatch(t, "nobody", "-o", "dyn.out", "--wrap", "echo $SLURMD_NODENAME $SLURM_JOB_NODELIST")
	show := j.waitState(t, id, "COMPLETED")
	if !strings.Contains(show, " NodeList=dyn1\n") && !strings.Contains(show, " NodeList=dyn1 ") {
		t.Errorf("batch job not on dyn1:\n%s", show)
	}
	if got, _ := readOwned(t, filepath.Join(j.work, "dyn.out")); got != "dyn1 dyn1\n" {
		t.Errorf("batch output %q", got)
	}

	if out, rc := j.run("nobody", "srun", "printenv", "SLURMD_NODENAME"); rc != 0 || out != "dyn1\n" {
		t.Errorf("srun on dyn1: rc %d: %q", rc, out)
	}

	// Deleting: refused for a static node and while a job runs there.
	if out, rc := j.run("", "scontrol", "delete", "nodename=n1"); rc == 0 {
		t.Errorf("deleting static n1 succeeded: %s", out)
	}
	busy := j.sbatch(t, "nobody", "-o", "/dev/null", "--wrap", "sleep 300")
	j.waitState(t, busy, "RUNNING")
	if out, rc := j.run("", "scontrol", "delete", "nodename="+dyn); rc != 1 || !strings.Contains(out, "Requested nodes are busy") {
		t.Errorf("deleting busy dyn1: rc %d: %s", rc, out)
	}
	if out, rc := j.run("nobody", "scontrol", "delete", "nodename="+dyn); rc == 0 {
		t.Errorf("nobody deleted dyn1: %s", out)
	}
	j.run("", "scancel", strconv.Itoa(busy))
	j.waitState(t, busy, "CANCELLED")
	deadline := time.Now().Add(jobWait)
	for {
		out, rc := j.run("", "scontrol", "delete", "nodename="+dyn)
		if rc == 0 {
			break
		}
		if time.Now().After(deadline) { // the cancelled job's processes may take a moment to end
			t.Fatalf("deleting idle dyn1: rc %d: %s", rc, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out, _ := j.run("", "sinfo", "-h", "-N", "-o", "%N"); strings.Contains(out, dyn) {
		t.Errorf("sinfo still lists %s after delete:\n%s", dyn, out)
	}
	if out, rc := j.run("", "scontrol", "show", "node", dyn); rc != 1 || !strings.Contains(out, "Node dyn1 not found") {
		t.Errorf("show deleted node: rc %d: %s", rc, out)
	}
	// Its daemon still runs and heartbeats: that does not bring it back
	// (two heartbeat intervals of SlurmdTimeout=30 pass).
	time.Sleep(11 * time.Second)
	if out, _ := j.run("", "sinfo", "-h", "-N", "-o", "%N"); strings.Contains(out, dyn) {
		t.Errorf("a heartbeat of the deleted node's daemon re-created it:\n%s", out)
	}

	// Restarted, the daemon registers again and the node is re-created.
	if cmd := j.nodeCmds[dyn]; cmd != nil && cmd.Process != nil {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Process.Wait()
	}
	if err := j.startDynamicNode(dyn, fmt.Sprintf("CPUs=%d RealMemory=1000", runtime.NumCPU())); err != nil {
		t.Fatal(err)
	}
	j.waitNodeState(t, dyn, "idle")
	if out, rc := j.run("nobody", "srun", "printenv", "SLURMD_NODENAME"); rc != 0 || out != "dyn1\n" {
		t.Errorf("srun on the re-created dyn1: rc %d: %q", rc, out)
	}
}

// waitNodeState waits until sinfo shows node in state (sinfo's %T, flags
// such as +dynamic_norm aside).
func (j *jobsCluster) waitNodeState(t *testing.T, node, state string) {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for {
		out, _ := j.run("", "sinfo", "-h", "-N", "-n", node, "-o", "%N %T")
		if strings.HasPrefix(out, node+" "+state) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not %s after %v: %q\n%s", node, state, jobWait, out, j.nodeLogTails())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
