package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/daemons/benchsubmit/loadgen"
	"github.com/flurm/flurm/io/munge"
)

// Bounds on start-up and on the checks.
const (
	mungedReadyTimeout = 10 * time.Second
	ctldReadyTimeout   = 60 * time.Second // a restart replays the Raft log first
	scontrolTimeout    = 30 * time.Second
	statusTimeout      = 3 * time.Second
	logTail            = 2048
)

func (c *cluster) munged() daemonProc {
	return daemonProc{name: "munged", pidFile: c.path(mungedPidName), stopMax: 10 * time.Second}
}

// The controller's flush bound is 30 s and its drain 5 s; allow both.
func (c *cluster) flurmctld() daemonProc {
	return daemonProc{name: "flurmctld", pidFile: c.path(ctldPidName), stopMax: 40 * time.Second}
}

// rpcClient reaches the first SlurmctldHost with credentials restricted to
// SlurmUser's uid, as Slurm's clients send them.
func (c *cluster) rpcClient(cfg *conf.Config) *loadgen.Client {
	h := cfg.ControlHosts[0]
	host := h.Addr
	if host == "" {
		host = h.Name
	}
	return &loadgen.Client{
		Addr:     net.JoinHostPort(host, strconv.Itoa(cfg.SlurmctldPort)),
		Auth:     &munge.SlurmAuth{Client: munge.Client{Socket: c.path(socketName), Timeout: 5 * time.Second}},
		Timeout:  5 * time.Second,
		Restrict: munge.Only(uint32(os.Getuid())),
	}
}

func (c *cluster) up(ctx context.Context, out io.Writer) error {
	if err := c.prepare(); err != nil {
		return err
	}
	cfg, err := c.readConf()
	if err != nil {
		return err
	}
	if err := c.startMunged(); err != nil {
		return err
	}
	if err := c.startFlurmctld(ctx, cfg); err != nil {
		return err
	}
	if err := c.checkWithScontrol(ctx); err != nil {
		return err
	}
	if err := c.startNodes(cfg); err != nil {
		return err
	}
	if err := c.waitNodes(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "export SLURM_CONF=%s\n", c.path(confName))
	return nil
}

// mungedBinary is $FLURM_MUNGED, else Debian's /usr/sbin/munged, else
// munged on $PATH (as io/munge/mungetest finds it).
func mungedBinary() (string, error) {
	path := os.Getenv("FLURM_MUNGED")
	if path == "" {
		path = "/usr/sbin/munged"
	}
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if p, err := exec.LookPath("munged"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("munged is not installed (%s missing; make up installs the munge package)", path)
}

// startMunged runs munged unless the recorded one runs. munged forks into
// the background itself and returns once its socket is ready; it writes
// its own pid file.
func (c *cluster) startMunged() error {
	if c.munged().running() != 0 {
		return nil
	}
	bin, err := mungedBinary()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(c.path(mungedLogName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--force",
		"--socket="+c.path(socketName),
		"--key-file="+c.path(keyName),
		"--pid-file="+c.path(mungedPidName),
		"--log-file="+c.path(mungedLogName),
		"--seed-file="+c.path(mungedSeedName),
		"--num-threads=4")
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("munged: %w\n%s", err, tailFile(c.path(mungedLogName), logTail))
	}
	client := munge.Client{Socket: c.path(socketName), Timeout: time.Second}
	deadline := time.Now().Add(mungedReadyTimeout)
	for {
		_, err := client.Encode(context.Background(), nil, munge.EncodeOptions{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("munged at %s not answering: %w\n%s", c.path(socketName), err, tailFile(c.path(mungedLogName), logTail))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startFlurmctld runs flurmctld as controller 1 in its own session unless
// the recorded one runs, then waits until it serves requests.
func (c *cluster) startFlurmctld(ctx context.Context, cfg *conf.Config) error {
	client := c.rpcClient(cfg)
	ready := func(exited <-chan struct{}) error {
		wctx, cancel := context.WithTimeout(ctx, ctldReadyTimeout)
		defer cancel()
		return client.WaitReady(wctx, exited)
	}
	if c.flurmctld().running() != 0 {
		return ready(nil)
	}
	bin := c.binDir + "/flurmctld"
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("flurmctld not found (%v): build it next to flurmup or pass -bin", err)
	}
	outFile, err := os.OpenFile(c.path(ctldOutName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer outFile.Close()
	cmd := exec.Command(bin, "-f", c.path(confName), "-id", "1", "-L", c.path(ctldLogName))
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.path(confName))
	cmd.Stdout, cmd.Stderr = outFile, outFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := writePid(c.path(ctldPidName), cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		return err
	}
	// Wait only to notice an early exit; the daemon outlives flurmup.
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if err := ready(exited); err != nil {
		c.flurmctld().stop()
		return fmt.Errorf("flurmctld: %w\n%s\n%s", err, tailFile(c.path(ctldOutName), logTail), tailFile(c.path(ctldLogName), logTail))
	}
	return nil
}

// checkWithScontrol asks Slurm's own client, when installed, whether it
// reaches the controller with the generated slurm.conf.
func (c *cluster) checkWithScontrol(ctx context.Context) error {
	bin, err := exec.LookPath("scontrol")
	if err != nil {
		return nil // no Slurm clients here; the raw check passed
	}
	ctx, cancel := context.WithTimeout(ctx, scontrolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "ping")
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.path(confName))
	text, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(text), "is UP") {
		return fmt.Errorf("the cluster runs but `scontrol ping` does not reach it (%v):\n%s", err, text)
	}
	return nil
}

// down stops the node daemons (their batch jobs keep running and are
// adopted at the next up), then flurmctld (it needs munged to answer
// until the end), then munged.
func (c *cluster) down(out io.Writer) error {
	procs := []daemonProc{c.flurmctld(), c.munged()}
	if cfg, err := c.readConf(); err == nil {
		var nodes []daemonProc
		for _, n := range cfg.Nodes {
			nodes = append(nodes, c.flurmnd(n.Name))
		}
		procs = append(nodes, procs...)
	}
	for _, d := range procs {
		stopped, err := d.stop()
		if err != nil {
			return err
		}
		if stopped {
			fmt.Fprintf(out, "%s stopped\n", d.name)
		} else {
			fmt.Fprintf(out, "%s was not running\n", d.name)
		}
	}
	return nil
}

// status prints what runs and whether the controller serves; it reports
// true when the cluster is fully up.
func (c *cluster) status(ctx context.Context, out io.Writer) bool {
	up := true
	procs := []daemonProc{c.munged(), c.flurmctld()}
	if cfg, err := c.readConf(); err == nil {
		for _, n := range cfg.Nodes {
			procs = append(procs, c.flurmnd(n.Name))
		}
	}
	for _, d := range procs {
		if pid := d.running(); pid != 0 {
			fmt.Fprintf(out, "%s: running, pid %d\n", d.name, pid)
		} else {
			fmt.Fprintf(out, "%s: not running\n", d.name)
			up = false
		}
	}
	cfg, err := c.readConf()
	if err != nil {
		fmt.Fprintf(out, "slurm.conf: %v\n", err)
		return false
	}
	if up {
		client := c.rpcClient(cfg)
		sctx, cancel := context.WithTimeout(ctx, statusTimeout)
		defer cancel()
		if err := client.WaitReady(sctx, nil); err != nil {
			fmt.Fprintf(out, "controller %s: not serving: %v\n", client.Addr, err)
			up = false
		} else {
			fmt.Fprintf(out, "controller %s: serving\n", client.Addr)
		}
	}
	fmt.Fprintf(out, "export SLURM_CONF=%s\n", c.path(confName))
	return up
}
