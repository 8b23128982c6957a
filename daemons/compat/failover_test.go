package compat

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
)

// TestFailoverWithRunningJobs: three flurmctld (127.0.0.1-3) and two
// flurmnd. A job runs; the leader is killed with SIGKILL; the job's end
// reaches the new leader with its exit code, and Slurm's clients, which
// try the SlurmctldHost entries in order, go on submitting and running
// jobs and srun steps.
func TestFailoverWithRunningJobs(t *testing.T) {
	f := newFailoverLab(t)
	gate := filepath.Join(f.work, "fo.gate")
	out, rc := f.run("nobody", "sbatch", "--parsable", "-o", "fo-%j.out", "--wrap",
		"while [ ! -e "+gate+" ]; do sleep 0.1; done; echo done; exit 4")
	id, err := strconv.Atoi(strings.TrimSpace(out))
	if rc != 0 || err != nil {
		t.Fatalf("sbatch: rc %d %s", rc, out)
	}
	f.waitJob(t, id, "RUNNING")

	leader := f.leader(t)
	killed := time.Now()
	f.ctl[leader].Process.Signal(syscall.SIGKILL)
	f.ctl[leader].Wait()
	t.Logf("killed leader ctl%d", leader)

	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	show := f.waitJob(t, id, "FAILED")
	if !strings.Contains(show, "ExitCode=4:0") {
		t.Errorf("job across a leader failover:\n%s", show)
	}
	if b, _ := os.ReadFile(filepath.Join(f.work, fmt.Sprintf("fo-%d.out", id))); string(b) != "done\n" {
		t.Errorf("output %q", b)
	}
	out, rc = f.run("nobody", "sbatch", "--parsable", "-o", "/dev/null", "--wrap", "true")
	id2, err := strconv.Atoi(strings.TrimSpace(out))
	if rc != 0 || err != nil || id2 <= id {
		t.Fatalf("sbatch after failover: rc %d %q (first job %d)", rc, out, id)
	}
	t.Logf("first sbatch after the kill acknowledged %v after it", time.Since(killed).Round(time.Millisecond))
	f.waitJob(t, id2, "COMPLETED")
	host, _ := os.Hostname()
	if out, rc := f.run("nobody", "srun", "-N2", "hostname"); rc != 0 || out != host+"\n"+host+"\n" {
		t.Errorf("srun after failover: rc %d\n%s", rc, out)
	}
}

type failoverLab struct {
	*cluster
	ctl  map[int]*exec.Cmd
	logs map[int]string
}

// newFailoverLab starts the lab (or skips, as needOwnDaemons).
func newFailoverLab(t testing.TB) *failoverLab {
	needOwnDaemons(t)
	dir, err := os.MkdirTemp("/tmp", "failover")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{dir: dir, work: filepath.Join(dir, "work"), conf: filepath.Join(dir, "slurm.conf"),
		state: filepath.Join(dir, "state"), log: filepath.Join(dir, "ctl1.log")}
	f := &failoverLab{cluster: c, ctl: map[int]*exec.Cmd{}, logs: map[int]string{}}
	var nodes map[string]*exec.Cmd
	t.Cleanup(func() {
		for _, cmd := range append(mapValues(nodes), mapValues(f.ctl)...) {
			if cmd.Process != nil {
				cmd.Process.Kill()
			}
		}
		exec.Command("pkill", "-9", "-f", filepath.Join(dir, "flurmnd")).Run()
		if c.stopMunge != nil {
			c.stopMunge()
		}
		if os.Getenv("COMPAT_KEEP") == "" {
			os.RemoveAll(dir)
		}
	})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o755))
	must(os.Mkdir(c.work, 0o1777))
	must(os.Chmod(c.work, 0o1777))
	build := exec.Command("go", "build", "-o", dir+"/", "github.com/flurm/flurm/daemons/flurmctld",
		"github.com/flurm/flurm/daemons/flurmnd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building daemons: %v\n%s", err, out)
	}
	c.socket, c.stopMunge, err = mungetest.StartDaemon(filepath.Join(dir, "munge"))
	must(err)
	c.auth = &munge.SlurmAuth{Client: munge.Client{Socket: c.socket, Timeout: 5 * time.Second}}
	j := &jobsCluster{cluster: c, nodes: []string{"n1", "n2"}}
	must(j.pickPorts())
	host, _ := os.Hostname()
	conf := fmt.Sprintf(`ClusterName=failover
SlurmctldHost=ctl1(127.0.0.1)
SlurmctldHost=ctl2(127.0.0.2)
SlurmctldHost=ctl3(127.0.0.3)
SlurmctldPort=%d
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=%s
StateSaveLocation=%s
SlurmdSpoolDir=%s/spool/%%n
MailProg=/bin/true
ReturnToService=2
KillWait=2
SlurmdTimeout=30
NodeName=n1 NodeHostname=%s NodeAddr=127.0.0.1 Port=%d CPUs=1 RealMemory=500 State=UNKNOWN
NodeName=n2 NodeHostname=%s NodeAddr=127.0.0.1 Port=%d CPUs=1 RealMemory=500 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=60 State=UP
`, j.port, c.socket, c.state, dir, host, j.ports[0], host, j.ports[1])
	must(os.WriteFile(c.conf, []byte(conf), 0o644))
	for id := 1; id <= 3; id++ {
		f.logs[id] = filepath.Join(dir, fmt.Sprintf("ctl%d.log", id))
		must(f.startController(id))
	}
	// The node daemons as TestJobs runs them.
	j.ndBin, j.nodeCmds, j.nodeLogs = filepath.Join(dir, "flurmnd"), map[string]*exec.Cmd{}, map[string]string{}
	nodes = j.nodeCmds
	must(j.startNodes())
	if err := j.waitIdle(); err != nil {
		t.Fatalf("%v\n%s", err, f.logTails())
	}
	return f
}

// startController starts flurmctld -id id, appending to its logs.
func (f *failoverLab) startController(id int) error {
	cmd := exec.Command(filepath.Join(f.dir, "flurmctld"), "-f", f.conf, "-id", strconv.Itoa(id), "-L", f.logs[id])
	cmd.Env = scrubbedEnv(f.cluster)
	errLog, err := os.OpenFile(f.logs[id]+".err", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer errLog.Close()
	cmd.Stdout, cmd.Stderr = errLog, errLog
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	f.ctl[id] = cmd
	return nil
}

var leaderLine = regexp.MustCompile(`msg="raft leadership" term=(\d+) leader=(\d+) self=(\d+) state=StateLeader`)

// leader is the controller that last logged itself leader in the highest
// term.
func (f *failoverLab) leader(t testing.TB) int {
	best, bestTerm := 0, -1
	for id, path := range f.logs {
		b, _ := os.ReadFile(path)
		for _, m := range leaderLine.FindAllStringSubmatch(string(b), -1) {
			if term, _ := strconv.Atoi(m[1]); term > bestTerm {
				best, bestTerm = id, term
			}
		}
	}
	if best == 0 {
		t.Fatal("no controller logged leadership")
	}
	return best
}

func (f *failoverLab) waitJob(t *testing.T, id int, state string) string {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for {
		out, rc := f.run("", "scontrol", "show", "job", strconv.Itoa(id))
		if strings.Contains(out, "JobState="+state+" ") {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d not %s: rc %d\n%s\n%s", id, state, rc, out, f.logTails())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (f *failoverLab) logTails() string {
	var b strings.Builder
	for id := 1; id <= 3; id++ {
		data, _ := os.ReadFile(f.logs[id])
		errs, _ := os.ReadFile(f.logs[id] + ".err")
		data = append(errs, data...)
		if len(data) > 1500 {
			data = data[len(data)-1500:]
		}
		fmt.Fprintf(&b, "--- ctl%d:\n%s", id, data)
	}
	return b.String()
}
