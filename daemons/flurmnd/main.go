// Command flurmnd is FLURM's node daemon, the counterpart of slurmd: it
// registers the node with the controllers, reports what the machine
// really has, runs batch jobs (io/jobexec) and srun tasks (io/taskd), and
// reports how they ended. Its logic is core/agent; io/nodeagent hosts it,
// io/jobexec runs batch scripts and io/taskd serves srun on the node's
// slurmd port (Port=, else SlurmdPort).
//
//	flurmnd [-f slurm.conf] [-N nodename] [-D] [-v] [-Z [--conf "CPUs=N RealMemory=M Port=P NodeAddr=A"]]
//
// With -Z the node need not be in slurm.conf: it joins dynamically, as
// slurmd -Z does (dynamic.go), if slurm.conf sets MaxNodeCount.
//
// Several flurmnd may run on one host for different nodes when slurm.conf
// gives each node its own Port=. Batch jobs outlive a restart of flurmnd
// (their supervisors keep running) and are adopted by the next start.
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flurm/flurm/core/agent"
	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/ctld"
	"github.com/flurm/flurm/io/jobexec"
	"github.com/flurm/flurm/io/nodeagent"
	"github.com/flurm/flurm/io/peerwire"
	"github.com/flurm/flurm/io/slurmconf"
)

const (
	defaultKillWait = 30 * time.Second // slurm.conf KillWait's default
)

type options struct {
	confPath    string
	node        string
	verbose     bool
	dynamic     bool   // -Z
	dynamicConf string // --conf
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("flurmnd", flag.ContinueOnError)
	o := options{}
	fs.StringVar(&o.confPath, "f", "", "slurm.conf (default $SLURM_CONF or "+slurmconf.DefaultPath+")")
	fs.StringVar(&o.node, "N", "", "node name (default: the NodeName whose NodeHostname is this host)")
	fs.Bool("D", true, "run in the foreground (always)")
	fs.BoolVar(&o.verbose, "v", false, "debug logging")
	fs.BoolVar(&o.dynamic, "Z", false, "join as a dynamic node (the node need not be in slurm.conf)")
	fs.StringVar(&o.dynamicConf, "conf", "", `with -Z: the node's "CPUs=N RealMemory=M Port=P NodeAddr=A NodeHostname=H"`)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.dynamicConf != "" && !o.dynamic {
		return o, errors.New("--conf is only for dynamic nodes (-Z)")
	}
	o.confPath = slurmconf.Path(o.confPath)
	return o, nil
}

func main() {
	jobexec.MaybeRunStepd() // a job supervisor re-executes this binary
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "flurmnd:", err)
		os.Exit(2)
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(o, log); err != nil {
		log.Error("flurmnd failed", "err", err)
		os.Exit(1)
	}
}

func run(o options, log *slog.Logger) error {
	c, err := slurmconf.Load(o.confPath)
	if err != nil {
		return err
	}
	peers, err := ctld.PeerAddrs(c, ctld.RaftPortOffset)
	if err != nil {
		return err
	}
	cpus, memMB, err := machineResources()
	if err != nil {
		return err
	}
	node, dynamic, err := pickNode(c, o, cpus, memMB, peers, log)
	if err != nil {
		return err
	}
	log = log.With("node", node.Name)
	slurmUID, err := slurmconf.SlurmUID(c.SlurmUser)
	if err != nil {
		return err
	}
	auth, err := slurmconf.MungeAuth(c.AuthInfo)
	if err != nil {
		return err
	}
	spool := spoolDir(c.SlurmdSpoolDir, node.Name)
	if err := os.MkdirAll(spool, 0o755); err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	jobs, err := jobexec.New(filepath.Join(spool, "jobs"), log.With("component", "jobexec"))
	if err != nil {
		return err
	}
	defer jobs.Close()
	absConf, _ := filepath.Abs(o.confPath)
	exec := nodeagent.NewBatchExecutor(node.Name, jobs, []string{"SLURM_CONF=" + absConf}, log.With("component", "batch"))
	sealer := peerwire.MungeSealer{Munge: &auth.Client, Trusted: func(u uint32) bool { return u == 0 || u == slurmUID }}
	killWait := c.KillWait
	if killWait <= 0 {
		killWait = defaultKillWait
	}
	host := &agentHost{}
	steps, err := newStepServer(c, node, absConf, &auth.Client, slurmUID, host, log.With("component", "taskd"))
	if err != nil {
		return fmt.Errorf("slurmd port for srun: %w", err)
	}
	defer steps.Close()
	rt, err := nodeagent.Start(nodeagent.Options{Steps: steps,
		Agent: agent.Config{Name: node.Name, CPUs: cpus, MemMB: memMB, Incarnation: bootID(),
			HeartbeatInterval: heartbeatInterval(c.SlurmdTimeout), KillWait: killWait, Dynamic: dynamic},
		Controllers: peers, Sealer: sealer, Exec: exec, SpoolDir: spool, Logger: log.With("component", "agent"),
	})
	if err != nil {
		return err
	}
	log.Info("flurmnd started", "cpus", cpus, "memory_mb", memMB, "configured_cpus", node.CPUs,
		"configured_memory_mb", node.RealMemory, "controllers", len(peers), "spool", spool, "dynamic", dynamic != nil)

	host.set(rt)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		if err := steps.Serve(ctx); err != nil && ctx.Err() == nil {
			log.Error("srun task server stopped", "err", err)
			stop()
		}
	}()
	<-ctx.Done()
	log.Info("flurmnd stopping; batch jobs keep running and are adopted at the next start; srun tasks end")
	rt.Stop()
	return nil
}

// findNode picks the node this daemon serves: -N, or the node whose
// NodeHostname (or name) is this host, as slurmd does.
func findNode(c *conf.Config, name string) (*conf.Node, error) {
	if name == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, err
		}
		short, _, _ := strings.Cut(host, ".")
		for i := range c.Nodes {
			if n := &c.Nodes[i]; n.Hostname == host || n.Hostname == short || n.Name == short {
				return n, nil
			}
		}
		return nil, fmt.Errorf("no NodeName in slurm.conf matches this host %q; use -N", host)
	}
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i], nil
		}
	}
	return nil, fmt.Errorf("node %q is not in slurm.conf (start it with -Z to join as a dynamic node)", name)
}

// pickNode is the node this daemon serves: a slurm.conf node, or with -Z a
// dynamic node (a -Z daemon for a name slurm.conf declares runs as that
// static node, as slurmd -Z finds the existing record).
func pickNode(c *conf.Config, o options, cpus int, memMB int64, peers map[uint64]string, log *slog.Logger) (*conf.Node, *msg.DynamicNode, error) {
	if o.dynamic && o.node != "" {
		if n, ok := c.Node(o.node); ok {
			log.Warn("-Z for a node slurm.conf declares: running it as that node", "node", n.Name)
			return n, nil, nil
		}
	}
	if !o.dynamic {
		n, err := findNode(c, o.node)
		return n, nil, err
	}
	first := uint64(0)
	for id := range peers {
		if first == 0 || id < first {
			first = id
		}
	}
	return dynamicNode(c, o, cpus, memMB, peers[first], log)
}

// spoolDir expands SlurmdSpoolDir's %n (node name) and %h (host name); a
// directory without %n gets the node name appended, so several daemons on
// one host never share a spool.
func spoolDir(pattern, node string) string {
	if pattern == "" {
		pattern = "/var/spool/slurmd"
	}
	host, _ := os.Hostname()
	dir := strings.ReplaceAll(strings.ReplaceAll(pattern, "%n", node), "%h", host)
	if !strings.Contains(pattern, "%n") {
		dir = filepath.Join(dir, "flurmnd-"+node)
	}
	return dir
}

// heartbeatInterval is a third of SlurmdTimeout, at most 5 s, so a missed
// heartbeat or two never looks like a dead node.
func heartbeatInterval(timeout time.Duration) time.Duration {
	d := 5 * time.Second
	if timeout > 0 && timeout/3 < d {
		d = max(timeout/3, 500*time.Millisecond)
	}
	return d
}

// machineResources reports the CPUs this process may use and the memory
// the machine has, in MB, as slurmd reports them at registration.
func machineResources() (cpus int, memMB int64, err error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("/proc/meminfo: %w", err)
			}
			return runtime.NumCPU(), kb / 1024, nil
		}
	}
	return 0, 0, errors.New("/proc/meminfo has no MemTotal")
}

// bootID is a fresh random incarnation for this start of the daemon.
func bootID() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint64(time.Now().UnixNano())
	}
	return binary.BigEndian.Uint64(b[:]) | 1 // never 0, which means "never registered"
}
