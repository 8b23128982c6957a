package agent

import (
	"slices"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

func envLaunch() msg.Launch {
	return msg.Launch{
		Job: state.JobAttempt{ID: 42, Attempt: 1}, Nodes: []string{"n001", "n002", "n003"}, NodeCPUs: []int{4, 4, 2},
		CPUs: 4, Cluster: "lab", Partition: "debug",
		Spec: state.JobSpec{Name: "train", UID: 1000, GID: 100, User: "alice", NumTasks: 7, CPUsPerTask: 2,
			MemPerNode: 512, WorkDir: "/home/alice/run", SubmitHost: "login1",
			Env: []string{"PATH=/bin", "SLURM_JOB_ID=999", "HOME=/home/alice"}},
	}
}

func TestBatchEnvOverridesAndAdds(t *testing.T) {
	env := BatchEnv(envLaunch(), "n001", "SLURM_CONF=/etc/slurm.conf")
	want := []string{
		"PATH=/bin", "SLURM_JOB_ID=42", "HOME=/home/alice", // the user's fake id is replaced in place
		"SLURM_JOBID=42", "SLURM_JOB_NAME=train", "SLURM_JOB_NODELIST=n[001-003]", "SLURM_NNODES=3",
		"SLURM_NTASKS=7", "SLURM_NPROCS=7", "SLURM_CPUS_ON_NODE=4", "HOSTNAME=n001", "SLURM_JOB_CPUS_PER_NODE=4(x2),2",
		"SLURM_TASKS_PER_NODE=3,2(x2)", "SLURM_JOB_PARTITION=debug", "SLURM_JOB_USER=alice",
		"SLURMD_NODENAME=n001", "SLURM_CLUSTER_NAME=lab", "SLURM_SUBMIT_DIR=/home/alice/run",
		"SLURM_SUBMIT_HOST=login1", "SLURM_CPUS_PER_TASK=2", "SLURM_MEM_PER_NODE=512",
		"SLURM_RESTART_COUNT=1", "SLURM_CONF=/etc/slurm.conf", "ENVIRONMENT=BATCH",
	}
	for _, w := range want {
		if !slices.Contains(env, w) {
			t.Errorf("missing %q in %q", w, env)
		}
	}
	if env[1] != "SLURM_JOB_ID=42" {
		t.Errorf("override must keep the position: %q", env[:3])
	}
	for _, v := range env {
		if len(v) > 15 && v[:15] == "SLURM_ARRAY_JOB" {
			t.Errorf("a plain job got %s", v)
		}
	}
}

func TestBatchEnvWithoutTaskCount(t *testing.T) {
	l := envLaunch()
	l.Spec.NumTasks, l.Spec.CPUsPerTask = 0, 2
	env := BatchEnv(l, "n001")
	if !slices.Contains(env, "SLURM_TASKS_PER_NODE=2(x2),1") {
		t.Errorf("tasks per node from CPUs (4,4,2 CPUs, 2 per task): %q", env)
	}
	for _, v := range env {
		if strings.HasPrefix(v, "SLURM_NTASKS=") || strings.HasPrefix(v, "SLURM_NPROCS=") {
			t.Errorf("no task count was asked for, yet %s", v)
		}
	}
}

func TestBatchEnvArray(t *testing.T) {
	l := envLaunch()
	l.Array = msg.ArrayInfo{JobID: 40, TaskID: 3, Count: 4, Min: 1, Max: 7}
	env := BatchEnv(l, "n001")
	for _, w := range []string{"SLURM_ARRAY_JOB_ID=40", "SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_COUNT=4",
		"SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_MAX=7"} {
		if !slices.Contains(env, w) {
			t.Errorf("missing %q", w)
		}
	}
}

func TestOutputPath(t *testing.T) {
	l := envLaunch()
	arr := envLaunch()
	arr.Array = msg.ArrayInfo{JobID: 40, TaskID: 3, Count: 4, Min: 1, Max: 7}
	for _, c := range []struct {
		pattern string
		l       msg.Launch
		want    string
	}{
		{"", l, "/home/alice/run/slurm-42.out"},
		{"", arr, "/home/alice/run/slurm-40_3.out"},
		{"out/%x-%j.log", l, "/home/alice/run/out/train-42.log"},
		{"/tmp/%u_%N_%A_%a_%%.txt", l, "/tmp/alice_n001_42_4294967294_%.txt"},
		{"/tmp/%A_%4a_%J_%s_%n_%t", arr, "/tmp/40_0003_42.batch_batch_0_0"},
		{"/tmp/%q%", l, "/tmp/%q%"},
		{"/tmp/100%", l, "/tmp/100%"},
		{"/tmp/%5", l, "/tmp/%5"},
	} {
		if got := OutputPath(c.pattern, c.l, "n001"); got != c.want {
			t.Errorf("OutputPath(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
}

func TestAdoptReportsRunningAndExit(t *testing.T) {
	a := newTestAgent()
	j := state.JobAttempt{ID: 9, Attempt: 0}
	a.Adopt(msg.Launch{Job: j, CPUs: 2, MemMB: 100})
	effs := a.Handle(t0, Tick{})
	var hb msg.Heartbeat
	for _, e := range effs {
		if s, ok := e.(Send); ok {
			hb = s.Msg.(msg.Heartbeat)
		}
	}
	if !slices.Equal(hb.Running, []state.JobAttempt{j}) {
		t.Fatalf("adopted attempt not reported running: %+v", hb)
	}
	// A duplicate launch of the adopted attempt starts nothing.
	if n := count[StartProc](a.Handle(t0, launch(1, 9, 0, 2))); n != 0 {
		t.Fatal("adopted attempt started a second time")
	}
	// Its capacity is counted: 2 adopted + 3 > 4 CPUs is refused.
	if n := count[StartProc](a.Handle(t0, launch(1, 10, 0, 3))); n != 0 {
		t.Fatal("overcommitted past an adopted attempt")
	}
	effs = a.Handle(t0, ProcExit{Job: j, ExitCode: 3})
	for _, e := range effs {
		if s, ok := e.(Send); ok {
			if hb := s.Msg.(msg.Heartbeat); len(hb.Ended) != 1 || hb.Ended[0].ExitCode != 3 {
				t.Fatalf("exit not reported: %+v", hb)
			}
			return
		}
	}
	t.Fatal("no heartbeat after the adopted attempt ended")
}
