package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flurm/flurm/daemons/benchsubmit/loadgen"
	"github.com/flurm/flurm/io/slurmproto"
)

// requireMunged skips loudly without munged, or fails when CI is set, so
// CI cannot pass without running the cluster for real.
func requireMunged(t *testing.T) {
	t.Helper()
	if _, err := mungedBinary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v; CI is set, so a missing munged is a failure", err)
		}
		t.Skipf("!!! SKIPPING: %v. flurmup's up/down cycle did not run. !!!", err)
	}
}

// buildFlurmctld builds the controller and the node daemon into a
// temporary bin directory.
func buildFlurmctld(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", "build", "-o", bin+"/", "github.com/flurm/flurm/daemons/flurmctld", "github.com/flurm/flurm/daemons/flurmnd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build flurmctld: %v\n%s", err, out)
	}
	return bin
}

// shortDir is a cluster directory short enough for munged's socket path.
func shortDir(t *testing.T) string {
	d, err := os.MkdirTemp("/tmp", "flurmup")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func flurmup(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	rc := run(args, &out, &errOut)
	if rc != 0 && rc != exitNotRunning {
		t.Logf("flurmup %v: rc %d\n%s", args, rc, errOut.String())
	}
	return out.String(), rc
}

func TestUpDownUpKeepsJobs(t *testing.T) {
	requireMunged(t)
	bin := buildFlurmctld(t)
	dir := shortDir(t)
	args := []string{"-dir", dir, "-bin", bin}
	t.Cleanup(func() { run(append([]string{"down"}, args...), &bytes.Buffer{}, &bytes.Buffer{}) })

	out, rc := flurmup(t, append([]string{"up"}, args...)...)
	wantExport := "export SLURM_CONF=" + filepath.Join(dir, confName) + "\n"
	if rc != 0 || out != wantExport {
		t.Fatalf("up: rc %d, output %q, want %q", rc, out, wantExport)
	}
	key1, _ := os.ReadFile(filepath.Join(dir, keyName))
	conf1, _ := os.ReadFile(filepath.Join(dir, confName))
	c, err := newCluster(dir, bin)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.readConf()
	if err != nil {
		t.Fatal(err)
	}
	client := c.rpcClient(cfg)
	body, err := loadgen.SubmitBody(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	jobID, code, err := client.Submit(ctx, body)
	if err != nil || code != 0 {
		t.Fatalf("submit: job %d code %d: %v", jobID, code, err)
	}

	// up while up changes nothing and prints the line again.
	ctldPid := c.flurmctld().running()
	if out, rc := flurmup(t, append([]string{"up"}, args...)...); rc != 0 || out != wantExport || c.flurmctld().running() != ctldPid {
		t.Fatalf("second up: rc %d %q, pid %d -> %d", rc, out, ctldPid, c.flurmctld().running())
	}
	if out, rc := flurmup(t, append([]string{"status"}, args...)...); rc != 0 || !strings.Contains(out, "serving") {
		t.Fatalf("status while up: rc %d\n%s", rc, out)
	}

	mungedPid := c.munged().running()
	out, rc = flurmup(t, append([]string{"down"}, args...)...)
	if rc != 0 || out != strings.Repeat("flurmnd stopped\n", 4)+"flurmctld stopped\nmunged stopped\n" {
		t.Fatalf("down: rc %d %q", rc, out)
	}
	for _, pid := range []int{ctldPid, mungedPid} {
		if isProcess(pid, "flurmctld") || isProcess(pid, "munged") {
			t.Fatalf("pid %d still runs after down", pid)
		}
	}
	if out, rc := flurmup(t, append([]string{"status"}, args...)...); rc != exitNotRunning || !strings.Contains(out, "flurmctld: not running") {
		t.Fatalf("status while down: rc %d\n%s", rc, out)
	}
	if out, rc := flurmup(t, append([]string{"down"}, args...)...); rc != 0 || !strings.Contains(out, "flurmctld was not running") {
		t.Fatalf("down while down: rc %d %q", rc, out)
	}

	if out, rc := flurmup(t, append([]string{"up"}, args...)...); rc != 0 || out != wantExport {
		t.Fatalf("up after down: rc %d %q", rc, out)
	}
	key2, _ := os.ReadFile(filepath.Join(dir, keyName))
	conf2, _ := os.ReadFile(filepath.Join(dir, confName))
	if !bytes.Equal(key1, key2) || !bytes.Equal(conf1, conf2) {
		t.Fatal("up after down changed the munge key or slurm.conf")
	}
	if !jobKnown(t, ctx, client, jobID) {
		t.Fatalf("job %d lost across down/up", jobID)
	}
	// Slurm's own client sees it too, when installed, and sees it run to
	// the end: the job may be pending, running or already completed at
	// this point, depending on whether the four flurmnd ran it before
	// down. squeue shows a finished job only when asked for all states.
	if squeue, err := exec.LookPath("squeue"); err == nil {
		var state string
		for deadline := time.Now().Add(30 * time.Second); state != "COMPLETED"; time.Sleep(100 * time.Millisecond) {
			cmd := exec.Command(squeue, "-h", "-t", "all", "-o", "%i %T", "-j", strconv.Itoa(int(jobID)))
			cmd.Env = append(os.Environ(), "SLURM_CONF="+filepath.Join(dir, confName))
			got, err := cmd.CombinedOutput()
			fields := strings.Fields(string(got))
			if err != nil || len(fields) != 2 || fields[0] != strconv.Itoa(int(jobID)) {
				t.Fatalf("squeue -j %d: %v\n%s", jobID, err, got)
			}
			if state = fields[1]; time.Now().After(deadline) {
				t.Fatalf("job %d still %s 30 s after up", jobID, state)
			}
		}
	}
}

func jobKnown(t *testing.T, ctx context.Context, c *loadgen.Client, id uint32) bool {
	t.Helper()
	body, err := slurmproto.EncodeBody(slurmproto.RequestJobInfoSingle, &slurmproto.JobIDRequest{JobID: id})
	if err != nil {
		t.Fatal(err)
	}
	typ, b, err := c.Call(ctx, slurmproto.RequestJobInfoSingle, body)
	if err != nil {
		t.Fatal(err)
	}
	rep, ok := b.(*slurmproto.JobInfoResponse)
	if typ != slurmproto.ResponseJobInfo || !ok {
		return false
	}
	return len(rep.Jobs) == 1 && rep.Jobs[0].JobID == id
}

// A pid file naming a process that is not the daemon (a stale file after
// pid reuse) must never get that process signalled.
func TestStalePidFileSignalsNothing(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "flurmctld.pid")
	if err := writePid(pidFile, os.Getpid()); err != nil {
		t.Fatal(err)
	}
	d := daemonProc{name: "flurmctld", pidFile: pidFile, stopMax: time.Second}
	if pid := d.running(); pid != 0 {
		t.Fatalf("running() = %d for a pid that is the test binary", pid)
	}
	stopped, err := d.stop()
	if stopped || err != nil {
		t.Fatalf("stop: %v %v", stopped, err)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatal("stale pid file kept")
	}
	if err := os.WriteFile(pidFile, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.readPid(); err == nil {
		t.Fatal("garbage pid file accepted")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"sideways"}, {"up", "extra"}, {"status", "-nope"}} {
		if rc := run(args, &bytes.Buffer{}, &bytes.Buffer{}); rc != 2 {
			t.Errorf("%q: rc %d, want 2", args, rc)
		}
	}
	long := "/tmp/" + strings.Repeat("d", 120)
	if rc := run([]string{"status", "-dir", long}, &bytes.Buffer{}, &bytes.Buffer{}); rc != 1 {
		t.Errorf("over-long dir: rc %d, want 1", rc)
	}
}
