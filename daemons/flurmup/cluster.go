package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/conf"
)

// Files under the cluster directory.
const (
	confName       = "slurm.conf"
	keyName        = "munge.key"
	socketName     = "munge.socket"
	mungedPidName  = "munged.pid" // written by munged itself
	mungedLogName  = "munged.log"
	mungedSeedName = "munged.seed"
	ctldPidName    = "flurmctld.pid"
	ctldLogName    = "flurmctld.log" // the daemon's log (-L)
	ctldOutName    = "flurmctld.out" // its stdout and stderr
	stateName      = "state"
)

const (
	mungeKeyLen   = 1024 // munge's MUNGE_KEY_LEN_MAX_BYTES
	maxSocketPath = 107  // sizeof(sun_path) less the NUL
	// The controller port is the first free one of these, chosen when
	// slurm.conf is written and kept in it: Slurm's default first.
	firstPort, portStep, portTries = 6817, 100, 20
)

// cluster is one cluster directory and the binaries that run it.
type cluster struct {
	dir    string // absolute
	binDir string
}

func newCluster(dir, bin string) (*cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := binDir(bin)
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: abs, binDir: b}
	if n := len(c.path(socketName)); n > maxSocketPath {
		return nil, fmt.Errorf("munged socket path %s is %d bytes, more than %d: use a shorter -dir", c.path(socketName), n, maxSocketPath)
	}
	return c, nil
}

func (c *cluster) path(name string) string { return filepath.Join(c.dir, name) }

// prepare creates the directory, key and slurm.conf if they are missing;
// existing ones are kept as they are.
func (c *cluster) prepare() error {
	// munged wants the socket's directory reachable by everyone; it runs
	// with --force, which turns the remaining ownership checks into warnings.
	if err := os.MkdirAll(c.path(stateName), 0o755); err != nil {
		return err
	}
	if err := os.Chmod(c.dir, 0o755); err != nil {
		return err
	}
	if err := writeKeyOnce(c.path(keyName)); err != nil {
		return err
	}
	if _, err := os.Stat(c.path(confName)); err == nil {
		return nil
	}
	port, err := pickPort()
	if err != nil {
		return err
	}
	text, err := c.confText(port)
	if err != nil {
		return err
	}
	return writeFileAtomic(c.path(confName), []byte(text), 0o644)
}

// readConf parses the cluster's slurm.conf.
func (c *cluster) readConf() (*conf.Config, error) {
	cfg, err := conf.Parse(c.path(confName), os.ReadFile)
	if err != nil {
		return nil, err
	}
	if len(cfg.ControlHosts) == 0 {
		return nil, fmt.Errorf("%s has no SlurmctldHost", c.path(confName))
	}
	return cfg, nil
}

// confText is the generated slurm.conf. SlurmUser is whoever runs
// flurmup: flurmctld runs as that user, and Slurm's clients restrict their
// credentials to SlurmUser's uid, so only that uid can decode them.
func (c *cluster) confText(port int) (string, error) {
	me, err := user.Current()
	if err != nil {
		return "", err
	}
	host, err := os.Hostname()
	if err != nil {
		return "", err
	}
	host, _, _ = strings.Cut(host, ".")
	if host == "" {
		host = "localhost"
	}
	return fmt.Sprintf(`# Written once by flurmup for a local FLURM cluster on loopback; kept
# across "flurmup down" and "up" (edit it while the cluster is down).
ClusterName=flurm
SlurmctldHost=%[1]s(127.0.0.1)
SlurmctldPort=%[2]d
SlurmdPort=%[3]d
SlurmUser=%[4]s
SlurmdUser=%[4]s
AuthType=auth/munge
AuthInfo=socket=%[5]s
CredType=cred/munge
StateSaveLocation=%[6]s
SlurmdSpoolDir=%[7]s
SlurmctldLogFile=%[8]s
SlurmctldDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MaxJobCount=1000000
MinJobAge=300
# Four node daemons (flurmnd) on this host, each on its own port.
NodeName=n[1-4] NodeHostname=%[1]s NodeAddr=127.0.0.1 Port=[%[3]d-%[9]d] CPUs=%[10]d RealMemory=%[11]d State=UNKNOWN
PartitionName=debug Nodes=n[1-4] Default=YES MaxTime=INFINITE State=UP
PartitionName=long Nodes=n[1-4] MaxTime=INFINITE State=UP
`, host, port, port+1, me.Username, c.path(socketName), c.path(stateName),
		filepath.Join(c.dir, "slurmd", "%n"), c.path(ctldLogName), port+4, runtime.NumCPU(), nodeMemoryMB()), nil
}

// nodeMemoryMB is a quarter of this machine's memory: the four nodes share
// it, and memory limits of jobs are enforced for real.
func nodeMemoryMB() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 1000
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil && kb > 0 {
				return max(kb/1024/4, 1)
			}
		}
	}
	return 1000
}

// pickPort returns the first of Slurm's default port and its successors
// whose controller, peer and four node ports are all free on loopback. The choice
// is made once and kept in slurm.conf, so it is stable across up/down.
func pickPort() (int, error) {
	for i := range portTries {
		p := firstPort + i*portStep
		if portFree(p) && portFree(p+1) && portFree(p+2) && portFree(p+3) && portFree(p+4) && portFree(p+1000) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free port pair among %d..%d (step %d)", firstPort, firstPort+(portTries-1)*portStep, portStep)
}

func portFree(p int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// writeKeyOnce writes a random munge key unless the file exists.
func writeKeyOnce(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	key := make([]byte, mungeKeyLen)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return writeFileAtomic(path, key, 0o600)
}

// writeFileAtomic writes through a temporary file and a rename, so an
// interrupted first "up" never leaves a half-written key or config.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
