package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/daemons/benchsubmit/loadgen"
	"github.com/flurm/flurm/io/munge"
)

// Bounds on the real slurmctld's lifetime.
const (
	slurmctldReadyTimeout = 60 * time.Second
	slurmctldStopTimeout  = 20 * time.Second // as shared/slurm-lab/stop.sh
)

// keysReplaced are slurm.conf keys the comparison slurmctld sets itself:
// where it listens and keeps state, who it runs as, and room for the load.
var keysReplaced = map[string]bool{
	"slurmctldhost": true, "controlmachine": true, "controladdr": true, "backupcontroller": true,
	"backupaddr": true, "slurmctldport": true, "slurmdport": true, "statesavelocation": true,
	"slurmctldpidfile": true, "slurmctldlogfile": true, "slurmuser": true, "maxjobcount": true,
	"clustername": true, "mailprog": true, "authinfo": true, "authtype": true, "include": true,
	"slurmdspooldir": true, "slurmdpidfile": true, "slurmdlogfile": true,
}

// defaultNodes stands in for the cluster when there is no -conf: flurmup's.
const defaultNodes = `NodeName=n[1-4] NodeAddr=127.0.0.1 CPUs=4 RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=n[1-4] Default=YES MaxTime=INFINITE State=UP
PartitionName=long Nodes=n[1-4] MaxTime=INFINITE State=UP
`

type realCtld struct {
	client  *loadgen.Client
	cmd     *exec.Cmd
	exited  chan struct{}
	dir     string
	logPath string
}

// startSlurmctld runs the real slurmctld in the foreground with a
// temporary StateSaveLocation, on a free port, with the nodes and
// partitions of c (flurmup's when c is nil) and the same munged, and
// waits until it serves. No slurmd runs, so submitted jobs stay pending.
func startSlurmctld(ctx context.Context, bin string, c *conf.Config, socket string) (*realCtld, error) {
	dir, err := os.MkdirTemp("", "benchsubmit-slurmctld-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	me, err := user.Current()
	if err != nil {
		return nil, err
	}
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	host, _, _ = strings.Cut(host, ".")
	var b strings.Builder
	fmt.Fprintf(&b, `# benchsubmit -compare: a real slurmctld for the same load
ClusterName=benchref
SlurmctldHost=%s(127.0.0.1)
SlurmctldPort=%d
SlurmdPort=%d
SlurmUser=%s
StateSaveLocation=%s
SlurmctldPidFile=%s
SlurmdSpoolDir=%s
AuthType=auth/munge
AuthInfo=socket=%s
MaxJobCount=1000000
MailProg=/bin/true
`, host, port, port+1, me.Username, filepath.Join(dir, "state"), filepath.Join(dir, "slurmctld.pid"),
		filepath.Join(dir, "slurmd-%n"), socket)
	if err := appendCluster(&b, c); err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, "slurm.conf")
	if err := os.WriteFile(confPath, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o755); err != nil {
		return nil, err
	}
	r := &realCtld{dir: dir, logPath: filepath.Join(dir, "slurmctld.log"), exited: make(chan struct{})}
	out, err := os.Create(filepath.Join(dir, "slurmctld.out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	r.cmd = exec.Command(bin, "-D", "-f", confPath, "-L", r.logPath)
	r.cmd.Env = append(os.Environ(), "SLURM_CONF="+confPath)
	r.cmd.Stdout, r.cmd.Stderr = out, out
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { r.cmd.Wait(); close(r.exited) }()
	r.client = &loadgen.Client{Addr: hostPort("127.0.0.1", port),
		Auth: &munge.SlurmAuth{Client: munge.Client{Socket: socket}}, Restrict: munge.Only(uint32(os.Getuid()))}
	wctx, cancel := context.WithTimeout(ctx, slurmctldReadyTimeout)
	defer cancel()
	if err := r.client.WaitReady(wctx, r.exited); err != nil {
		r.stop()
		logText, _ := os.ReadFile(r.logPath)
		return nil, fmt.Errorf("real slurmctld: %w\nlog %s:\n%s", err, r.logPath, tail(logText, 2048))
	}
	return r, nil
}

// appendCluster copies c's lines except those keysReplaced names.
func appendCluster(b *strings.Builder, c *conf.Config) error {
	if c == nil {
		b.WriteString(defaultNodes)
		return nil
	}
	if len(c.Files) > 1 {
		return fmt.Errorf("compare: %s uses Include; give a self-contained slurm.conf", c.Files[0])
	}
	data, err := os.ReadFile(c.Files[0])
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, _, _ := strings.Cut(strings.TrimSpace(line), "=")
		if keysReplaced[strings.ToLower(strings.TrimSpace(key))] {
			continue
		}
		b.WriteString(line + "\n")
	}
	return nil
}

// stop sends SIGTERM, waits, then kills; the temporary directory goes too.
func (r *realCtld) stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(slurmctldStopTimeout):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
	_ = os.RemoveAll(r.dir)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// authSocket is the socket= option of AuthInfo, "" when absent.
func authSocket(authInfo string) string {
	for _, opt := range strings.Split(authInfo, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
		if strings.EqualFold(k, "socket") {
			return v
		}
	}
	return ""
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
