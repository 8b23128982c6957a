package compat

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// srun and salloc through flurmctld and flurmnd (io/taskd): the cases run
// in TestJobs, on its cluster.

func srunBasics(t *testing.T, j *jobsCluster) {
	host, _ := os.Hostname()
	for _, c := range []clientCase{
		{name: "hostname", user: "nobody", args: cmd("srun hostname"), want: host + "\n"},
		{name: "identity", user: "nobody", args: cmd("srun id -un"), want: "nobody\n"},
		{name: "exit-code", user: "nobody", args: []string{"srun", "sh", "-c", "exit 5"}, rc: 5,
			match: []string{`^srun: error: n\d: task 0: Exited with exit code 5$`}},
		{name: "stdin", user: "nobody", args: []string{"sh", "-c", "printf 'a\\nb\\n' | srun cat"}, want: "a\nb\n"},
		{name: "stderr", user: "nobody", args: []string{"srun", "sh", "-c", "echo err >&2"}, want: "err\n"},
		{name: "step-env", user: "nobody", args: []string{"srun", "-n", "2", "-l", "sh", "-c",
			"echo $SLURM_PROCID/$SLURM_STEP_NUM_TASKS/$SLURM_STEP_ID"}, anyOrder: true,
			want: "0: 0/2/0\n1: 1/2/0\n"},
	} {
		t.Run(c.name, func(t *testing.T) { checkCase(t, j.cluster, c) })
	}
}

// srunPty: srun --pty gives the task a terminal (run under script(1),
// which gives srun one).
func srunPty(t *testing.T, j *jobsCluster) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is not installed")
	}
	out, rc := j.run("nobody", "script", "-qec", "srun --pty /bin/sh -c 'test -t 0 && test -t 1 && echo on-a-tty; exit 3'", "/dev/null")
	if rc != 3 || !strings.Contains(out, "on-a-tty") {
		t.Errorf("srun --pty: rc %d\n%s", rc, out)
	}
}

// srunMultiNode: -N2 -n4 puts two tasks on each of two nodes (block).
func srunMultiNode(t *testing.T, j *jobsCluster) {
	out, rc := j.run("nobody", "srun", "-N", "2", "-n", "4", "-l", "printenv", "SLURMD_NODENAME")
	if rc != 0 {
		t.Fatalf("srun -N2 -n4: rc %d\n%s", rc, out)
	}
	perNode := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		task, node, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("unexpected line %q in\n%s", line, out)
		}
		perNode[node] = append(perNode[node], task)
	}
	if len(perNode) != 2 {
		t.Fatalf("tasks on %d nodes, want 2:\n%s", len(perNode), out)
	}
	for node, tasks := range perNode {
		if len(tasks) != 2 {
			t.Errorf("node %s ran tasks %v, want two", node, tasks)
		}
	}
}

// stepsInBatch: srun inside an sbatch script makes steps 0 and 1, which
// squeue -s and scontrol show step list while they run.
func stepsInBatch(t *testing.T, j *jobsCluster) {
	gate := filepath.Join(j.work, "steps.gate")
	script := filepath.Join(j.work, "steps.sh")
	body := fmt.Sprintf(`#!/bin/sh
srun -l hostname
srun sh -c 'while [ ! -e %s ]; do sleep 0.1; done; echo step1 $SLURM_STEP_ID'
`, gate)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	id := j.sbatch(t, "nobody", "-N", "2", "-o", "steps-%j.out", script)
	deadline := time.Now().Add(jobWait)
	var steps string
	for {
		steps, _ = j.run("nobody", "squeue", "-h", "-s", "-j", strconv.Itoa(id), "-o", "%i")
		if strings.Contains(steps, fmt.Sprintf("%d.1\n", id)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("step %d.1 never listed by squeue -s:\n%s\n%s", id, steps, j.nodeLogTails())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(steps, fmt.Sprintf("%d.batch\n", id)) {
		t.Errorf("squeue -s lacks the batch step:\n%s", steps)
	}
	show, _ := j.run("nobody", "scontrol", "show", "step", fmt.Sprintf("%d.1", id))
	if !strings.Contains(show, fmt.Sprintf("StepId=%d.1 ", id)) || !strings.Contains(show, "State=RUNNING") {
		t.Errorf("scontrol show step:\n%s", show)
	}
	os.WriteFile(gate, nil, 0o644)
	j.waitState(t, id, "COMPLETED")
	out, _ := readOwned(t, filepath.Join(j.work, fmt.Sprintf("steps-%d.out", id)))
	host, _ := os.Hostname()
	// Without -n, srun in a two-node job runs one task per node.
	if want := fmt.Sprintf("0: %s\n1: %s\nstep1 1\nstep1 1\n", host, host); sortedLines(out) != sortedLines(want) {
		t.Errorf("steps wrote %q, want %q", out, want)
	}
}

// sallocThenSrun: salloc -N1 runs its command with the allocation, srun
// inside uses it, and the allocation ends with the command.
func sallocThenSrun(t *testing.T, j *jobsCluster) {
	out, rc := j.run("nobody", "salloc", "-N1", "srun", "sh", "-c", "echo in $SLURM_JOB_ID")
	if rc != 0 {
		t.Fatalf("salloc: rc %d\n%s", rc, out)
	}
	m := regexp.MustCompile(`(?m)^salloc: Granted job allocation (\d+)$`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "in "+m[1]+"\n") || !strings.Contains(out, "salloc: Relinquishing job allocation "+m[1]) {
		t.Fatalf("salloc output:\n%s", out)
	}
	id, _ := strconv.Atoi(m[1])
	show := j.waitState(t, id, "COMPLETED")
	if !strings.Contains(show, "BatchFlag=0") {
		t.Errorf("an allocation is not a batch job:\n%s", show)
	}
}

// signalRunningJob: scancel --signal=USR1 --batch reaches the batch
// script, which traps it and finishes normally.
func signalRunningJob(t *testing.T, j *jobsCluster) {
	ready := filepath.Join(j.work, "sig.ready")
	id := j.sbatch(t, "nobody", "-o", "sig.out", "--wrap",
		"trap 'echo got USR1; exit 0' USR1; touch "+ready+"; while :; do sleep 0.1; done")
	deadline := time.Now().Add(jobWait)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job never became ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out, rc := j.run("nobody", "scancel", "--signal=USR1", "--batch", strconv.Itoa(id)); rc != 0 {
		t.Fatalf("scancel --signal: %s", out)
	}
	j.waitState(t, id, "COMPLETED")
	// The sleep the shell waits for dies of the signal too (its process
	// group is signalled), which the shell reports before the trap runs.
	if out, _ := readOwned(t, filepath.Join(j.work, "sig.out")); !strings.HasSuffix(out, "got USR1\n") {
		t.Errorf("output %q", out)
	}
}

// stepOfAnotherUser: nobody cannot start a step in root's job.
func stepOfAnotherUser(t *testing.T, j *jobsCluster) {
	id := j.sbatch(t, "", "-o", "/dev/null", "--wrap", "sleep 20")
	j.waitState(t, id, "RUNNING")
	defer j.run("", "scancel", strconv.Itoa(id))
	out, rc := j.run("nobody", "srun", "--jobid="+strconv.Itoa(id), "true")
	if rc == 0 || !strings.Contains(out, "Access/permission denied") {
		t.Errorf("nobody's srun into root's job: rc %d\n%s", rc, out)
	}
}

// nodePortBadInput: garbage on a flurmnd's srun port is refused and the
// daemon keeps serving.
func nodePortBadInput(t *testing.T, j *jobsCluster) {
	for _, junk := range [][]byte{
		[]byte("GET / HTTP/1.1\r\n\r\n"),
		{0xff, 0xff, 0xff, 0xff, 0, 0},
		{0, 0, 0, 12, 0x26, 0, 0, 0, 0x17, 0x71, 0, 0, 0, 0, 0, 0},
	} {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", j.ports[0]), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(junk)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		conn.Read(buf) // closed or answered with an error; either way not hung
		conn.Close()
	}
	// Every node, so n1's daemon is among them; after the other cases,
	// so no job holds a node.
	if err := j.waitIdle(); err != nil {
		t.Fatal(err)
	}
	if out, rc := j.run("nobody", "srun", "-N4", "hostname"); rc != 0 {
		t.Fatalf("srun after bad input: rc %d\n%s", rc, out)
	}
}
