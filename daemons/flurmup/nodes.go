package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/flurm/flurm/core/conf"
)

// nodesReadyTimeout bounds the wait for every node to register.
const nodesReadyTimeout = 30 * time.Second

func (c *cluster) flurmnd(node string) daemonProc {
	return daemonProc{name: "flurmnd", pidFile: c.path("flurmnd-" + node + ".pid"), stopMax: 10 * time.Second}
}

// startNodes runs one flurmnd per NodeName of slurm.conf (each in its own
// session, with its own pid and log file) unless it already runs.
func (c *cluster) startNodes(cfg *conf.Config) error {
	bin := c.binDir + "/flurmnd"
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("flurmnd not found (%v): build it next to flurmup or pass -bin", err)
	}
	for _, n := range cfg.Nodes {
		d := c.flurmnd(n.Name)
		if d.running() != 0 {
			continue
		}
		out, err := os.OpenFile(c.path("flurmnd-"+n.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		cmd := exec.Command(bin, "-f", c.path(confName), "-N", n.Name)
		cmd.Dir = c.dir
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		err = cmd.Start()
		out.Close()
		if err != nil {
			return err
		}
		if err := writePid(d.pidFile, cmd.Process.Pid); err != nil {
			cmd.Process.Kill()
			return err
		}
		go cmd.Wait() // reap it if it exits while flurmup still runs
	}
	return nil
}

// waitNodes waits until sinfo (when installed) shows no node in an unknown
// or down state, so jobs submitted right after "up" run at once.
func (c *cluster) waitNodes(ctx context.Context) error {
	bin, err := exec.LookPath("sinfo")
	if err != nil {
		return nil
	}
	deadline := time.Now().Add(nodesReadyTimeout)
	for {
		cmd := exec.CommandContext(ctx, bin, "-h", "-N", "-o", "%N %T")
		cmd.Env = append(os.Environ(), "SLURM_CONF="+c.path(confName))
		text, err := cmd.CombinedOutput()
		if err == nil && nodesReady(string(text)) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nodes did not register within %v:\n%s(see %s)", nodesReadyTimeout, text, c.path("flurmnd-*.log"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// nodesReady reports whether every line of `sinfo -N -o "%N %T"` shows a
// node that can take work or already runs some.
func nodesReady(text string) bool {
	if strings.TrimSpace(text) == "" {
		return false
	}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			return false
		}
		switch strings.TrimRight(f[1], "*~#!%$@^-") {
		case "idle", "mixed", "allocated", "completing", "drained", "draining":
		default:
			return false
		}
	}
	return true
}
