package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
)

// clients are the slurm-client binaries the suite drives.
var clients = []string{"sbatch", "squeue", "sinfo", "scancel", "scontrol", "sdiag"}

// Bounds on one client run and on the daemon's start and stop.
const (
	clientTimeout = 30 * time.Second
	startTimeout  = 20 * time.Second
	stopTimeout   = 15 * time.Second
)

// nobodyUID is the unprivileged user the permission cases run as.
const nobodyUID = 65534

// cluster is one flurmctld with its private munged and slurm.conf.
type cluster struct {
	dir       string // everything lives here
	work      string // the clients' working directory (world-writable)
	bin       string // the flurmctld built for the suite
	conf      string
	state     string // StateSaveLocation
	log       string
	port      int
	socket    string // munged's socket
	auth      *munge.SlurmAuth
	stopMunge func()
	cmd       *exec.Cmd
	exited    chan error
	oracle    bool // c.bin is a real slurmctld (see oracleEnv)
	used      bool // TestCompat ran on it already
}

// oracleEnv names a real slurmctld binary to run the cases against
// instead of flurmctld (FLURM_COMPAT_ORACLE=/usr/sbin/slurmctld): the
// failures are then exactly the places where FLURM's expected output
// differs from Slurm's, which DIFFERENCES.md lists and explains.
const oracleEnv = "FLURM_COMPAT_ORACLE"

// lab is the cluster TestMain started, or nil with skipReason set.
var (
	lab        *cluster
	skipReason string
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	if missing := missingTools(); missing != "" {
		msg := "!!! SKIPPING the Slurm client compatibility suite: " + missing +
			" (it needs root and apt-get install -y slurm-client munge). Nothing was tested. !!!"
		fmt.Fprintln(os.Stderr, msg)
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "CI is set: a missing prerequisite is a failure")
			return 1
		}
		skipReason = msg
		return m.Run()
	}
	c, err := newCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, "compat: setting up:", err)
		if c != nil {
			c.teardown()
		}
		return 1
	}
	lab = c
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "compat: flurmctld log (tail):\n%s\n", c.logTail(6000))
	}
	c.teardown()
	return code
}

// missingTools names the prerequisites that are not installed.
func missingTools() string {
	var missing []string
	for _, c := range clients {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if _, err := mungetest.MungedBinary(); err != nil {
		missing = append(missing, "munged")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		missing = append(missing, "setpriv")
	}
	switch {
	case len(missing) > 0:
		return "not installed: " + strings.Join(missing, ", ")
	case os.Geteuid() != 0:
		// The permission cases switch to nobody, and the clients'
		// credentials are restricted to SlurmUser=root.
		return "the suite must run as root"
	}
	return ""
}

// need skips (or, under CI, TestMain already failed) when the suite
// cannot run.
func need(t *testing.T) *cluster {
	t.Helper()
	if lab == nil {
		t.Skip(skipReason)
	}
	return lab
}

// needOwnDaemons is need for the labs that start their own flurmctld and
// flurmnd: they also skip when the cases run against a real slurmctld.
func needOwnDaemons(t testing.TB) {
	t.Helper()
	if lab == nil {
		t.Skip(skipReason)
	}
	if lab.oracle {
		t.Skip("runs against flurmctld and flurmnd only")
	}
}

func newCluster() (*cluster, error) {
	// A short directory under /tmp: munged's socket path must stay below
	// sizeof(sun_path), and nobody must be able to reach the socket and
	// slurm.conf, which t.TempDir under a private TMPDIR may not allow.
	dir, err := os.MkdirTemp("/tmp", "compat")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, work: filepath.Join(dir, "work"), bin: filepath.Join(dir, "flurmctld"),
		conf: filepath.Join(dir, "slurm.conf"), state: filepath.Join(dir, "state"), log: filepath.Join(dir, "flurmctld.log")}
	if err := os.Chmod(dir, 0o755); err != nil {
		return c, err
	}
	if err := os.Mkdir(c.work, 0o777); err != nil {
		return c, err
	}
	if err := os.Chmod(c.work, 0o1777); err != nil {
		return c, err
	}
	if oracle := os.Getenv(oracleEnv); oracle != "" {
		c.bin, c.oracle = oracle, true
		fmt.Fprintf(os.Stderr, "compat: %s is set: running the cases against %s, not flurmctld\n", oracleEnv, oracle)
	} else {
		build := exec.Command("go", "build", "-o", c.bin, "github.com/flurm/flurm/daemons/flurmctld")
		if out, err := build.CombinedOutput(); err != nil {
			return c, fmt.Errorf("building flurmctld: %v\n%s", err, out)
		}
	}
	c.socket, c.stopMunge, err = mungetest.StartDaemon(filepath.Join(dir, "munge"))
	if err != nil {
		return c, err
	}
	c.auth = &munge.SlurmAuth{Client: munge.Client{Socket: c.socket, Timeout: 5 * time.Second}}
	if c.port, err = freePort(); err != nil {
		return c, err
	}
	if err := os.WriteFile(c.conf, []byte(c.slurmConf()), 0o644); err != nil {
		return c, err
	}
	return c, c.start()
}

// slurmConf is the cluster the cases expect: 4 nodes of 4 CPUs and
// 4000 MB, partitions debug (all nodes, default, 1 h) and long (n3, n4,
// 1 day). EnforcePartLimits=ALL makes slurmctld refuse what FLURM
// always refuses (a time limit over MaxTime), so the two agree.
func (c *cluster) slurmConf() string {
	host, _ := os.Hostname()
	return fmt.Sprintf(`ClusterName=compat
SlurmctldHost=%s(127.0.0.1)
SlurmctldPort=%d
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=%s
StateSaveLocation=%s
SlurmctldPidFile=%s
MailProg=/bin/true
EnforcePartLimits=ALL
ReturnToService=2
NodeName=n[1-4] NodeHostname=%s NodeAddr=127.0.0.1 CPUs=4 RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=n[1-4] Default=YES MaxTime=60 State=UP
PartitionName=long Nodes=n[3-4] MaxTime=1-00:00:00 State=UP
`, host, c.port, c.socket, c.state, filepath.Join(c.dir, "slurmctld.pid"), host)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (c *cluster) addr() string { return fmt.Sprintf("127.0.0.1:%d", c.port) }

// start runs flurmctld and waits until it serves as the leader: scontrol
// ping is answered UP even while the single controller is still electing
// itself, when other requests get ESLURM_IN_STANDBY_MODE, so the check is
// a squeue that succeeds.
func (c *cluster) start() error {
	if c.oracle {
		c.cmd = exec.Command(c.bin, "-D", "-f", c.conf)
		logFile, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer logFile.Close() // the child has its own descriptor
		c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	} else {
		c.cmd = exec.Command(c.bin, "-f", c.conf, "-L", c.log)
	}
	c.cmd.Env = scrubbedEnv(c)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		return err
	}
	c.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(c.cmd, c.exited)
	deadline := time.Now().Add(startTimeout)
	for {
		out, rc := c.run("", "squeue", "-h", "-j", "1")
		if rc == 0 || strings.Contains(out, "Invalid job id") {
			return nil
		}
		select {
		case err := <-c.exited:
			return fmt.Errorf("flurmctld exited during start: %v\n%s", err, c.logTail(4000))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("flurmctld not up after %v: %s\n%s", startTimeout, out, c.logTail(4000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reset stops the daemon (if it still runs), wipes its state and starts
// it again on an empty cluster.
func (c *cluster) reset() error {
	if c.running() {
		if err := c.kill9(); err != nil && !strings.Contains(err.Error(), "killed") {
			return err
		}
	}
	if err := os.RemoveAll(c.state); err != nil {
		return err
	}
	return c.start()
}

// kill9 kills the daemon without any chance to save anything.
func (c *cluster) kill9() error {
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	return c.waitExit()
}

func (c *cluster) waitExit() error {
	select {
	case err := <-c.exited:
		c.exited <- err // later waiters see it too
		return err
	case <-time.After(stopTimeout):
		return errors.New("flurmctld did not exit")
	}
}

func (c *cluster) running() bool {
	select {
	case err := <-c.exited:
		c.exited <- err
		return false
	default:
		return true
	}
}

func (c *cluster) teardown() {
	if c.cmd != nil && c.cmd.Process != nil && c.running() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		if c.waitExit() != nil {
			_ = c.cmd.Process.Kill()
			_ = c.waitExit()
		}
	}
	if c.stopMunge != nil {
		c.stopMunge()
	}
	if os.Getenv("COMPAT_KEEP") == "" {
		_ = os.RemoveAll(c.dir)
	} else {
		fmt.Fprintln(os.Stderr, "compat: kept", c.dir)
	}
}

func (c *cluster) logTail(n int) string {
	b, _ := os.ReadFile(c.log)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// scrubbedEnv is all a client gets: no SLURM_* or SBATCH_* from the
// caller, UTC times, the C locale.
func scrubbedEnv(c *cluster) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		"SLURM_CONF=" + c.conf,
		"HOME=" + c.work,
		"TZ=UTC",
		"LANG=C",
		"LC_ALL=C",
	}
}

// run runs one client as root (user "") or as nobody and returns its
// combined output (stdout and stderr share one pipe, so their order is
// the order the client wrote them) and exit code.
func (c *cluster) run(user string, args ...string) (string, int) {
	return c.runFor(0, user, args...)
}

// runFor is run with a time limit other than clientTimeout (0: that).
func (c *cluster) runFor(limit time.Duration, user string, args ...string) (string, int) {
	if limit <= 0 {
		limit = clientTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if user == "nobody" {
		args = append([]string{"setpriv", fmt.Sprintf("--reuid=%d", nobodyUID), fmt.Sprintf("--regid=%d", nobodyUID), "--clear-groups"}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = scrubbedEnv(c)
	cmd.Dir = c.work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return out.String(), exit.ExitCode()
	case ctx.Err() != nil:
		return out.String(), -1 // killed when the time was up
	}
	return out.String() + "\n[" + err.Error() + "]", -1
}
