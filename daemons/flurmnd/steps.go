package main

import (
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/nodeagent"
	"github.com/flurm/flurm/io/taskd"
)

// agentHost answers io/taskd's "is this job allocated here?" from the node
// agent runtime. taskd must exist before the runtime starts (the runtime
// signals and ends steps through it), so the runtime is set afterwards;
// until then every job is "not here", and taskd waits a moment for a
// brand-new allocation anyway.
type agentHost struct {
	mu sync.Mutex
	rt *nodeagent.Runtime
}

func (h *agentHost) set(rt *nodeagent.Runtime) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rt = rt
}

func (h *agentHost) JobOnNode(id uint32) (uint32, bool) {
	h.mu.Lock()
	rt := h.rt
	h.mu.Unlock()
	if rt == nil {
		return 0, false
	}
	return rt.JobOnNode(id)
}

// newStepServer listens on the node's slurmd port (Port=, else SlurmdPort)
// for srun's task launches.
func newStepServer(c *conf.Config, node *conf.Node, confPath string, m *munge.Client, slurmUID uint32,
	host taskd.Host, log *slog.Logger) (*taskd.Server, error) {
	addr := node.Addr
	if addr == "" {
		addr = node.Name
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(node.Port)))
	if err != nil {
		return nil, err
	}
	var ctls []string
	for _, h := range c.ControlHosts {
		a := h.Addr
		if a == "" {
			a = h.Name
		}
		ctls = append(ctls, net.JoinHostPort(a, strconv.Itoa(c.SlurmctldPort)))
	}
	killWait := c.KillWait
	if killWait <= 0 {
		killWait = defaultKillWait
	}
	srv, err := taskd.New(taskd.Config{NodeName: node.Name, Listener: ln, Munge: m, SlurmUID: slurmUID,
		Controllers: ctls, Host: host, Log: log, SlurmConf: confPath, KillWait: killWait})
	if err != nil {
		ln.Close()
	}
	return srv, err
}
