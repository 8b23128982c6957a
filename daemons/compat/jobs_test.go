package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestJobs submits real batch jobs with Slurm's sbatch to flurmctld and
// checks what flurmnd did with them: files written as the submitting
// user with Slurm's environment, exit codes and signals in scontrol,
// array task outputs, cancel, a flurmnd killed while its job runs, a time
// limit; then srun (alone, multi-node, inside a batch script as steps),
// salloc, scancel --signal, and bad input on a node's srun port.
func TestJobs(t *testing.T) {
	j := newJobsCluster(t)
	// The shortest time limit Slurm accepts is a minute: start that job
	// first and check it last, while the other cases run.
	tlJob, timeLimited := startTimeLimited(t, j)
	t.Run("batch-env-and-output", func(t *testing.T) { batchEnvAndOutput(t, j) })
	t.Run("exit-codes", func(t *testing.T) { exitCodes(t, j) })
	t.Run("output-patterns", func(t *testing.T) { outputPatterns(t, j) })
	t.Run("array-outputs", func(t *testing.T) { arrayOutputs(t, j) })
	t.Run("two-nodes", func(t *testing.T) { twoNodes(t, j) })
	t.Run("cancel-kills-tree", func(t *testing.T) { cancelKillsTree(t, j) })
	t.Run("memory-limit", func(t *testing.T) { memoryLimit(t, j) })
	t.Run("flurmnd-restart", func(t *testing.T) { flurmndRestart(t, j) })
	t.Run("node-states", func(t *testing.T) { nodeStates(t, j, tlJob) })
	t.Run("srun", func(t *testing.T) { srunBasics(t, j) })
	t.Run("srun-pty", func(t *testing.T) { srunPty(t, j) })
	t.Run("srun-multi-node", func(t *testing.T) { srunMultiNode(t, j) })
	t.Run("steps-in-batch", func(t *testing.T) { stepsInBatch(t, j) })
	t.Run("salloc", func(t *testing.T) { sallocThenSrun(t, j) })
	t.Run("node-lists", func(t *testing.T) { nodeLists(t, j) })
	t.Run("scancel-signal", func(t *testing.T) { signalRunningJob(t, j) })
	t.Run("step-of-another-user", func(t *testing.T) { stepOfAnotherUser(t, j) })
	t.Run("time-limit", func(t *testing.T) { timeLimited(t) })
	// Last: it needs all four nodes, so after the time-limited job.
	t.Run("node-port-bad-input", func(t *testing.T) { nodePortBadInput(t, j) })
}

// startTimeLimited submits a one-minute job that ignores SIGTERM; the
// returned check expects TIMEOUT, the TERM seen by the script, and the
// script gone (SIGKILL after KillWait).
func startTimeLimited(t *testing.T, j *jobsCluster) (int, func(t *testing.T)) {
	pidFile := filepath.Join(j.work, "tl.pid")
	id := j.sbatch(t, "nobody", "-t", "1", "-o", "tl.out",
		"--wrap", "echo $$ > "+pidFile+"; trap 'echo got TERM' TERM; while :; do sleep 0.2; done")
	j.waitState(t, id, "RUNNING")
	return id, func(t *testing.T) {
		deadline := time.Now().Add(100 * time.Second)
		for {
			out, _ := j.run("", "scontrol", "show", "job", strconv.Itoa(id))
			if strings.Contains(out, "JobState=TIMEOUT ") {
				break
			}
			running := strings.Contains(out, "JobState=RUNNING ") || strings.Contains(out, "JobState=COMPLETING ")
			if time.Now().After(deadline) || !running {
				t.Fatalf("job %d with a one-minute limit:\n%s", id, out)
			}
			time.Sleep(200 * time.Millisecond)
		}
		pid := readPID(t, pidFile)
		waitGone := time.Now().Add(10 * time.Second)
		for processAlive(pid) {
			if time.Now().After(waitGone) {
				t.Fatalf("the timed-out script %d ignored SIGTERM and survived SIGKILL", pid)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The script survived SIGTERM and died of KillWait's SIGKILL. Its
		// end is recorded after its supervisor closed the output.
		j.waitShow(t, id, "with exit code 0:9", func(show string) bool { return strings.Contains(show, " ExitCode=0:9\n") })
		out, _ := readOwned(t, filepath.Join(j.work, "tl.out"))
		if !strings.Contains(out, "got TERM") {
			t.Errorf("the script never saw SIGTERM: %q", out)
		}
		// slurmstepd's line comes before the signal, so before the trap's.
		checkEndNotice(t, out, id, " DUE TO TIME LIMIT", "got TERM\n")
	}
}

// endNotice matches slurmstepd's line about why a job ended.
var endNotice = regexp.MustCompile(`slurmstepd: error: \*\*\* JOB (\d+) ON (n\d) CANCELLED AT (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(.*) \*\*\*\n`)

// checkEndNotice expects out to hold one end notice for job id with the
// given cause, followed (somewhere later) by then, at a time within the
// last two minutes.
func checkEndNotice(t *testing.T, out string, id int, cause, then string) {
	t.Helper()
	m := endNotice.FindStringSubmatchIndex(out)
	if m == nil || len(endNotice.FindAllString(out, -1)) != 1 {
		t.Errorf("job %d's output has not one end notice:\n%s", id, out)
		return
	}
	at, err := time.ParseInLocation("2006-01-02T15:04:05", out[m[6]:m[7]], time.Local)
	if out[m[2]:m[3]] != strconv.Itoa(id) || out[m[8]:m[9]] != cause || err != nil ||
		time.Since(at) > 2*time.Minute || time.Until(at) > time.Second || !strings.Contains(out[m[1]:], then) {
		t.Errorf("job %d's end notice, want cause %q then %q:\n%s", id, cause, then, out)
	}
}

// envScript prints the variables the issue names, one per line.
const envScript = `#!/bin/sh
for v in SLURM_JOB_ID SLURM_JOBID SLURM_JOB_NAME SLURM_JOB_NODELIST SLURM_NNODES SLURM_NTASKS \
  SLURM_CPUS_ON_NODE SLURM_CPUS_PER_TASK SLURM_MEM_PER_NODE SLURM_SUBMIT_DIR SLURM_SUBMIT_HOST \
  SLURM_JOB_PARTITION SLURM_CLUSTER_NAME SLURMD_NODENAME FOO; do
  eval "echo $v=\${$v}"
done
echo "user=$(id -un) group=$(id -gn) pwd=$(pwd) args=$*"
`

func batchEnvAndOutput(t *testing.T, j *jobsCluster) {
	script := filepath.Join(j.work, "env.sh")
	if err := os.WriteFile(script, []byte(envScript), 0o755); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	id := j.sbatch(t, "nobody", "-J", "envjob", "-n", "1", "-c", "1", "--mem=10", "-o", "env-%j.out", "--export=ALL,FOO=bar",
		script, "a1", "a2")
	show := j.waitState(t, id, "COMPLETED")
	if !strings.Contains(show, "ExitCode=0:0") {
		t.Errorf("exit code:\n%s", show)
	}
	out, uid := readOwned(t, filepath.Join(j.work, fmt.Sprintf("env-%d.out", id)))
	if uid != nobodyUID {
		t.Errorf("output owned by uid %d, want nobody", uid)
	}
	want := []string{
		"SLURM_JOB_ID=" + strconv.Itoa(id), "SLURM_JOBID=" + strconv.Itoa(id), "SLURM_JOB_NAME=envjob",
		"SLURM_JOB_NODELIST=n", "SLURM_NNODES=1", "SLURM_NTASKS=1", "SLURM_CPUS_ON_NODE=1", "SLURM_CPUS_PER_TASK=1",
		"SLURM_MEM_PER_NODE=10", "SLURM_SUBMIT_DIR=" + j.work, "SLURM_SUBMIT_HOST=" + host,
		"SLURM_JOB_PARTITION=debug", "SLURM_CLUSTER_NAME=jobs", "SLURMD_NODENAME=n", "FOO=bar",
		"user=nobody group=nogroup pwd=" + j.work + " args=a1 a2",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func exitCodes(t *testing.T, j *jobsCluster) {
	for _, c := range []struct {
		script, state, exit string
	}{
		{"exit 3", "FAILED", "ExitCode=3:0"},
		{"true", "COMPLETED", "ExitCode=0:0"},
		{"kill -KILL $$", "FAILED", "ExitCode=0:9"},
	} {
		id := j.sbatch(t, "", "-o", "/dev/null", "--wrap", c.script)
		show := j.waitState(t, id, c.state)
		if !strings.Contains(show, c.exit) {
			t.Errorf("%q: want %s in\n%s", c.script, c.exit, show)
		}
	}
	// A failing step leaves its mark in DerivedExitCode (scontrol -d),
	// while the script's own exit decides the job's state.
	id := j.sbatch(t, "", "-o", "/dev/null", "--wrap", "srun sh -c 'exit 5'; srun true; exit 0")
	j.waitState(t, id, "COMPLETED")
	if out, _ := j.run("", "scontrol", "-d", "show", "job", strconv.Itoa(id)); !strings.Contains(out, "DerivedExitCode=5:0") {
		t.Errorf("derived exit code:\n%s", out)
	}
}

func outputPatterns(t *testing.T, j *jobsCluster) {
	id := j.sbatch(t, "nobody", "-J", "pat", "-o", "o_%x_%u_%j_%N_%%.txt", "-e", "e_%j.txt",
		"--wrap", "echo to-out; echo to-err >&2")
	j.waitState(t, id, "COMPLETED")
	matches, _ := filepath.Glob(filepath.Join(j.work, fmt.Sprintf("o_pat_nobody_%d_n*_%%.txt", id)))
	if len(matches) != 1 {
		t.Fatalf("stdout file with expanded pattern not found: %v", matches)
	}
	if out, _ := readOwned(t, matches[0]); out != "to-out\n" {
		t.Errorf("stdout = %q", out)
	}
	if errOut, _ := readOwned(t, filepath.Join(j.work, fmt.Sprintf("e_%d.txt", id))); errOut != "to-err\n" {
		t.Errorf("stderr = %q", errOut)
	}
	// The default name is slurm-%j.out in the submit directory.
	id = j.sbatch(t, "nobody", "--wrap", "echo default")
	j.waitState(t, id, "COMPLETED")
	if out, _ := readOwned(t, filepath.Join(j.work, fmt.Sprintf("slurm-%d.out", id))); out != "default\n" {
		t.Errorf("default output = %q", out)
	}
}

func arrayOutputs(t *testing.T, j *jobsCluster) {
	id := j.sbatch(t, "nobody", "--array=1-3", "-o", "arr_%A_%a.out",
		"--wrap", "echo $SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT $SLURM_ARRAY_TASK_MIN $SLURM_ARRAY_TASK_MAX")
	for task := 1; task <= 3; task++ {
		j.waitState(t, id+task-1, "COMPLETED")
		out, _ := readOwned(t, filepath.Join(j.work, fmt.Sprintf("arr_%d_%d.out", id, task)))
		if want := fmt.Sprintf("%d %d 3 1 3\n", id, task); out != want {
			t.Errorf("task %d wrote %q, want %q", task, out, want)
		}
	}
}

func twoNodes(t *testing.T, j *jobsCluster) {
	id := j.sbatch(t, "", "-N", "2", "-o", "two-%j.out", "--wrap", "echo $SLURM_JOB_NODELIST $SLURM_NNODES $SLURM_JOB_CPUS_PER_NODE")
	j.waitState(t, id, "COMPLETED")
	out, _ := readOwned(t, filepath.Join(j.work, fmt.Sprintf("two-%d.out", id)))
	if !regexp.MustCompile(`^n\[\d-\d\] 2 1\(x2\)\n$`).MatchString(out) {
		t.Errorf("two-node job wrote %q", out)
	}
}

// memoryLimit: a job that allocates far beyond --mem is killed and ends
// OUT_OF_MEMORY (cgroup memory limit, or flurmnd's RSS polling without
// cgroups).
func memoryLimit(t *testing.T, j *jobsCluster) {
	id := j.sbatch(t, "nobody", "--mem=50", "-o", "/dev/null", "--wrap", "head -c 400m /dev/zero | tail")
	show := j.waitState(t, id, "OUT_OF_MEMORY", "COMPLETED", "FAILED")
	if !strings.Contains(show, "JobState=OUT_OF_MEMORY Reason=OutOfMemory") {
		t.Errorf("job over its memory limit:\n%s", show)
	}
}

// cancelKillsTree: a job whose script started a background child is
// cancelled; both the script and the child must die.
func cancelKillsTree(t *testing.T, j *jobsCluster) {
	pidFile := filepath.Join(j.work, "child.pid")
	id := j.sbatch(t, "nobody", "-o", "cancel.out", "-e", "cancel.err", "--wrap", "sleep 300 & echo $! > "+pidFile+"; wait")
	j.waitState(t, id, "RUNNING")
	pid := readPID(t, pidFile)
	if out, rc := j.run("nobody", "scancel", strconv.Itoa(id)); rc != 0 {
		t.Fatalf("scancel: %s", out)
	}
	j.waitState(t, id, "CANCELLED")
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the job's background child %d survived scancel", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// As slurmctld shows it: the script's own end, killed by SIGTERM. It
	// is recorded after the supervisor closed the job's files.
	j.waitShow(t, id, "with exit code 0:15", func(show string) bool { return strings.Contains(show, " ExitCode=0:15\n") })
	// The reason goes to the job's stderr, as slurmstepd logs it there.
	out, _ := readOwned(t, filepath.Join(j.work, "cancel.out"))
	errOut, _ := readOwned(t, filepath.Join(j.work, "cancel.err"))
	if out != "" {
		t.Errorf("stdout of a cancelled job: %q", out)
	}
	checkEndNotice(t, errOut, id, "", "")
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie is dead for this purpose.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// flurmndRestart kills the node daemon running a job with SIGKILL, starts
// it again, and expects the job to finish normally with its exit code.
func flurmndRestart(t *testing.T, j *jobsCluster) {
	gate := filepath.Join(j.work, "gate")
	id := j.sbatch(t, "", "-o", "restart.out",
		"--wrap", "while [ ! -e "+gate+" ]; do sleep 0.1; done; echo survived; exit 7")
	j.waitState(t, id, "RUNNING")
	node := j.nodeOf(t, id)
	j.killNode(node)
	if err := j.startNode(node); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the new flurmnd adopts the job and registers
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	show := j.waitState(t, id, "FAILED", "COMPLETED", "NODE_FAIL", "CANCELLED")
	if !strings.Contains(show, "JobState=FAILED") || !strings.Contains(show, "ExitCode=7:0") {
		t.Errorf("job across a flurmnd restart:\n%s\n%s", show, j.nodeLogTails())
	}
	if out, _ := readOwned(t, filepath.Join(j.work, "restart.out")); out != "survived\n" {
		t.Errorf("output %q", out)
	}
}

// nodeStates: a node running a one-CPU job of two is MIXED, a drained
// node DRAIN, and idle ones IDLE.
func nodeStates(t *testing.T, j *jobsCluster, tlJob int) {
	if runtime.NumCPU() < 2 {
		t.Skip("a node needs two CPUs to be MIXED")
	}
	id := j.sbatch(t, "", "-n", "1", "-o", "/dev/null", "--wrap", "sleep 30")
	j.waitState(t, id, "RUNNING")
	busy := j.nodeOf(t, id)
	want := busy + " mixed"
	if busy == j.nodeOf(t, tlJob) && runtime.NumCPU() == 2 {
		want = busy + " allocated" // the time-limit job holds the other CPU
	}
	drained := "n1"
	for drained == busy || drained == j.nodeOf(t, tlJob) {
		drained = fmt.Sprintf("n%d", drained[1]-'0'+1)
	}
	j.run("", "scontrol", "update", "NodeName="+drained, "State=DRAIN", "Reason=maint")
	var out string
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ = j.run("", "sinfo", "-h", "-N", "-o", "%N %T")
		if strings.Contains(out, want+"\n") && strings.Contains(out, drained+" drained\n") && strings.Contains(out, " idle\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sinfo with %s running a one-CPU job and %s drained, want %q:\n%s", busy, drained, want, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	j.run("", "scancel", strconv.Itoa(id))
	j.run("", "scontrol", "update", "NodeName="+drained, "State=RESUME")
	j.waitState(t, id, "CANCELLED")
}

// nodeOf is the node list of a running job, from squeue.
func (j *jobsCluster) nodeOf(t *testing.T, id int) string {
	t.Helper()
	out, rc := j.run("", "squeue", "-h", "-j", strconv.Itoa(id), "-o", "%N")
	if rc != 0 || strings.TrimSpace(out) == "" {
		t.Fatalf("squeue -o %%N for job %d: %s", id, out)
	}
	return strings.TrimSpace(out)
}
