package nodeagent

import (
	"slices"
	"testing"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

func TestBatchSpecFromLaunch(t *testing.T) {
	e := &BatchExecutor{Node: "n7", ExtraEnv: []string{"SLURM_CONF=/etc/s.conf"}}
	l := msg.Launch{Job: state.JobAttempt{ID: 12, Attempt: 2}, Nodes: []string{"n7"}, NodeCPUs: []int{2}, CPUs: 2, MemMB: 300,
		Spec: state.JobSpec{Name: "j", UID: 0, GID: 0, User: "root", WorkDir: "/work", Script: "#!/bin/sh\n",
			Argv: []string{"job.sh", "x", "y"}, StdOut: "out-%j", StdIn: "in.txt", MemPerCPU: 150, OpenAppend: true,
			Env: []string{"SLURM_GET_USER_ENV=1", "SLURM_EXPORT_ENV=NONE", "HOME=/custom"}}}
	s := e.Spec(l)
	if s.Stdout != "/work/out-12" || s.Stderr != "" || s.Stdin != "/work/in.txt" || !s.Append {
		t.Errorf("files: out %q err %q in %q append %v", s.Stdout, s.Stderr, s.Stdin, s.Append)
	}
	if !slices.Equal(s.Argv, []string{"x", "y"}) {
		t.Errorf("argv %q", s.Argv)
	}
	if s.MemLimitBytes != 300<<20 {
		t.Errorf("memory limit %d", s.MemLimitBytes)
	}
	for _, w := range []string{"HOME=/custom", "USER=root", "LOGNAME=root", "SLURM_CONF=/etc/s.conf", "SLURM_RESTART_COUNT=2"} {
		if !slices.Contains(s.Env, w) {
			t.Errorf("env lacks %q: %q", w, s.Env)
		}
	}
	// Without --export=NONE nothing of the login environment is added,
	// and a job without a memory request gets no limit.
	l.Spec.Env, l.Spec.MemPerCPU = []string{"A=b"}, 0
	s = e.Spec(l)
	if slices.ContainsFunc(s.Env, func(v string) bool { return v == "USER=root" }) || s.MemLimitBytes != 0 {
		t.Errorf("env %q limit %d", s.Env, s.MemLimitBytes)
	}
}
