package compat

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
)

// The jobs cluster: a flurmctld and four flurmnd on loopback that really
// run what Slurm's clients submit. It is separate from TestCompat's
// controller-only cluster, whose expected outputs rely on nodes that
// never register.

// jobsCluster extends cluster with node daemons.
type jobsCluster struct {
	*cluster
	ndBin    string
	nodes    []string
	ports    []int
	nodeCmds map[string]*exec.Cmd
	nodeLogs map[string]string
	// slurmdPort is SlurmdPort: the static nodes each have their own
	// Port=, so it is only where dynamic nodes (flurmnd -Z) listen. Real
	// srun reaches a dynamic node at SlurmdPort: the alias list it gets
	// carries addresses, not ports.
	slurmdPort int
	dynamic    []string // dynamic nodes started, in start order
}

// jobWait bounds the wait for a job to reach a state.
const jobWait = 30 * time.Second

func newJobsCluster(t *testing.T) *jobsCluster {
	t.Helper()
	needOwnDaemons(t)
	dir, err := os.MkdirTemp("/tmp", "jobs")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{dir: dir, work: filepath.Join(dir, "work"), bin: filepath.Join(dir, "flurmctld"),
		conf: filepath.Join(dir, "slurm.conf"), state: filepath.Join(dir, "state"), log: filepath.Join(dir, "flurmctld.log")}
	j := &jobsCluster{cluster: c, ndBin: filepath.Join(dir, "flurmnd"), nodes: []string{"n1", "n2", "n3", "n4"},
		nodeCmds: map[string]*exec.Cmd{}, nodeLogs: map[string]string{}}
	t.Cleanup(j.teardown)
	for _, step := range []func() error{
		func() error { return os.Chmod(dir, 0o755) },
		func() error { return os.Mkdir(c.work, 0o1777) },
		func() error { return os.Chmod(c.work, 0o1777) },
		func() error {
			build := exec.Command("go", "build", "-o", dir+"/", "github.com/flurm/flurm/daemons/flurmctld",
				"github.com/flurm/flurm/daemons/flurmnd")
			if out, err := build.CombinedOutput(); err != nil {
				return fmt.Errorf("building daemons: %v\n%s", err, out)
			}
			return nil
		},
		func() (err error) {
			c.socket, c.stopMunge, err = mungetest.StartDaemon(filepath.Join(dir, "munge"))
			c.auth = &munge.SlurmAuth{Client: munge.Client{Socket: c.socket, Timeout: 5 * time.Second}}
			return err
		},
		func() (err error) { return j.pickPorts() },
		func() error { return os.WriteFile(c.conf, []byte(j.slurmConf()), 0o644) },
		c.start,
		j.startNodes,
		j.waitIdle,
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

// pickPorts finds a controller port whose peer port (+1000) is free too,
// and one port per node.
func (j *jobsCluster) pickPorts() error {
	for range 20 {
		p, err := freePort()
		if err != nil {
			return err
		}
		if p+1000 > 65535 || !portIsFree(p+1000) {
			continue
		}
		j.port = p
		for range j.nodes {
			np, err := freePort()
			if err != nil {
				return err
			}
			j.ports = append(j.ports, np)
		}
		sp, err := freePort()
		if err != nil {
			return err
		}
		j.slurmdPort = sp
		return nil
	}
	return fmt.Errorf("no free controller port with a free peer port")
}

func portIsFree(p int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// slurmConf: four nodes with this machine's CPUs (so none is drained for
// reporting fewer than configured), each flurmnd on its own port, and a
// short KillWait so time-limit and cancel cases end quickly. MaxNodeCount
// and the Nodes=ALL partition let dynamic nodes join (TestDynamic).
func (j *jobsCluster) slurmConf() string {
	host, _ := os.Hostname()
	var nodes strings.Builder
	for i, n := range j.nodes {
		fmt.Fprintf(&nodes, "NodeName=%s NodeHostname=%s NodeAddr=127.0.0.1 Port=%d CPUs=%d RealMemory=1000 State=UNKNOWN\n",
			n, host, j.ports[i], runtime.NumCPU())
	}
	return fmt.Sprintf(`ClusterName=jobs
SlurmctldHost=%s(127.0.0.1)
SlurmctldPort=%d
SlurmdPort=%d
MaxNodeCount=8
SelectType=select/cons_tres
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=%s
StateSaveLocation=%s
SlurmdSpoolDir=%s/spool/%%n
MailProg=/bin/true
ReturnToService=2
KillWait=2
SlurmdTimeout=30
%sPartitionName=debug Nodes=ALL Default=YES MaxTime=60 State=UP
`, host, j.port, j.slurmdPort, j.socket, j.state, j.dir, nodes.String())
}

func (j *jobsCluster) startNodes() error {
	for _, n := range j.nodes {
		if err := j.startNode(n); err != nil {
			return err
		}
	}
	return nil
}

func (j *jobsCluster) startNode(n string) error {
	return j.startDaemon(n, "-f", j.conf, "-N", n)
}

// startDynamicNode starts flurmnd -Z for node n, which slurm.conf does not
// declare, with --conf nodeConf (its CPUs, memory...).
func (j *jobsCluster) startDynamicNode(n, nodeConf string) error {
	if !slices.Contains(j.dynamic, n) {
		j.dynamic = append(j.dynamic, n)
	}
	return j.startDaemon(n, "-f", j.conf, "-Z", "-N", n, "--conf", nodeConf)
}

func (j *jobsCluster) startDaemon(n string, args ...string) error {
	log := filepath.Join(j.dir, "flurmnd-"+n+".log")
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(j.ndBin, args...)
	cmd.Env = scrubbedEnv(j.cluster)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, but no Pdeathsig: batch jobs' supervisors
	// must outlive a killed flurmnd, which the restart case relies on.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	j.nodeCmds[n], j.nodeLogs[n] = cmd, log
	return nil
}

// killNode kills flurmnd n with SIGKILL, leaving its jobs running.
func (j *jobsCluster) killNode(n string) {
	if cmd := j.nodeCmds[n]; cmd != nil && cmd.Process != nil {
		cmd.Process.Kill()
		for range 100 {
			if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// waitIdle waits until sinfo shows every node idle.
func (j *jobsCluster) waitIdle() error {
	deadline := time.Now().Add(jobWait)
	for {
		out, rc := j.run("", "sinfo", "-h", "-N", "-o", "%N %T")
		if rc == 0 && strings.Count(out, " idle\n") == len(j.nodes) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nodes not idle after %v:\n%s\n%s", jobWait, out, j.nodeLogTails())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (j *jobsCluster) nodeLogTails() string {
	var b strings.Builder
	for _, n := range append(slices.Clone(j.nodes), j.dynamic...) {
		data, _ := os.ReadFile(j.nodeLogs[n])
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		fmt.Fprintf(&b, "--- flurmnd %s:\n%s", n, data)
	}
	return b.String()
}

func (j *jobsCluster) teardown() {
	for _, n := range append(slices.Clone(j.nodes), j.dynamic...) {
		if cmd := j.nodeCmds[n]; cmd != nil && cmd.Process != nil {
			cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	// Jobs still running under their supervisors are killed with their
	// process groups' sessions: find them by the spool directories.
	exec.Command("pkill", "-9", "-f", j.ndBin).Run()
	j.cluster.teardown()
}

// sbatch submits as user (or root) and returns the job id.
func (j *jobsCluster) sbatch(t *testing.T, user string, args ...string) int {
	t.Helper()
	out, rc := j.run(user, append([]string{"sbatch", "--parsable"}, args...)...)
	id, err := strconv.Atoi(strings.TrimSpace(out))
	if rc != 0 || err != nil {
		t.Fatalf("sbatch %q: rc %d: %s", args, rc, out)
	}
	return id
}

// waitState polls scontrol until job id is in one of states, and returns
// the scontrol show job text.
func (j *jobsCluster) waitState(t *testing.T, id int, states ...string) string {
	t.Helper()
	return j.waitShow(t, id, fmt.Sprintf("in %v", states), func(out string) bool {
		return slices.ContainsFunc(states, func(s string) bool { return strings.Contains(out, "JobState="+s+" ") })
	})
}

// waitShow polls `scontrol show job id` until ok accepts it, and returns it.
func (j *jobsCluster) waitShow(t *testing.T, id int, what string, ok func(show string) bool) string {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for {
		out, _ := j.run("", "scontrol", "show", "job", strconv.Itoa(id))
		if ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d not %s after %v:\n%s\n%s", id, what, jobWait, out, j.nodeLogTails())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readFile waits briefly for path to exist and returns its content and
// owner uid.
func readOwned(t *testing.T, path string) (string, uint32) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			fi, _ := os.Stat(path)
			return string(b), fi.Sys().(*syscall.Stat_t).Uid
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readPID waits for a script's "echo $pid > file" to be complete (RUNNING
// comes before the script's first line runs, and the shell creates the
// file before it writes it) and returns the pid.
func readPID(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for {
		b, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(b), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid <= 0 {
				t.Fatalf("%s holds %q, not a pid", path, b)
			}
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no pid after %v (%q, %v)", path, jobWait, b, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
