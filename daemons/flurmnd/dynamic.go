package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// Dynamic nodes: flurmnd -Z [-N name] [--conf "CPUs=N RealMemory=M ..."]
// serves a node slurm.conf does not declare, as slurmd -Z does. Its
// heartbeats carry msg.DynamicNode; the leader creates the node, which
// then registers like any other. Slurm needs MaxNodeCount in slurm.conf
// for this and so does FLURM: without it the controller ignores the
// daemon, so flurmnd refuses to start and says why.

// dynamicKeys are the --conf keys used; the other node line keys Slurm
// accepts there are ignored with a warning (FLURM schedules CPUs and
// memory only).
var dynamicKeys = map[string]bool{"cpus": true, "realmemory": true, "port": true, "nodeaddr": true, "nodehostname": true}

var ignoredDynamicKeys = map[string]bool{"boards": true, "sockets": true, "socketsperboard": true,
	"corespersocket": true, "threadspercore": true, "tmpdisk": true, "weight": true, "feature": true,
	"features": true, "gres": true, "state": true, "reason": true, "corespeccount": true, "cpuspeclist": true,
	"memspeclimit": true, "comment": true, "extra": true}

const maxDynamicConfLen = 4096

// dynamicConf is a parsed --conf line.
type dynamicConf struct {
	cpus     int
	memMB    int64
	port     int
	addr     string
	hostname string
	ignored  []string
}

func parseDynamicConf(line string) (dynamicConf, error) {
	var d dynamicConf
	if len(line) > maxDynamicConfLen {
		return d, fmt.Errorf("--conf is longer than %d bytes", maxDynamicConfLen)
	}
	seen := map[string]bool{}
	for _, field := range strings.Fields(line) {
		k, v, ok := strings.Cut(field, "=")
		key := strings.ToLower(k)
		switch {
		case !ok || v == "":
			return d, fmt.Errorf("--conf: %q is not key=value", field)
		case seen[key]:
			return d, fmt.Errorf("--conf: %s given twice", k)
		case ignoredDynamicKeys[key]:
			d.ignored = append(d.ignored, k)
			continue
		case !dynamicKeys[key]:
			return d, fmt.Errorf("--conf: unknown node option %q", k)
		}
		seen[key] = true
		var err error
		switch key {
		case "cpus":
			d.cpus, err = boundedInt(v, 1, 0xffff) // conf.Node.CPUs is a uint16, as in Slurm
		case "realmemory":
			var m int
			m, err = boundedInt(v, 1, state.MaxNodeMemMB)
			d.memMB = int64(m)
		case "port":
			d.port, err = boundedInt(v, 1, 0xffff)
		case "nodeaddr":
			d.addr = v
		case "nodehostname":
			d.hostname = v
		}
		if err != nil {
			return d, fmt.Errorf("--conf: %s=%s: %v", k, v, err)
		}
	}
	return d, nil
}

func boundedInt(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("want a number from %d to %d", lo, hi)
	}
	return n, nil
}

// dynamicNode builds the node this daemon serves as a dynamic node: its
// name (-N, else the short host name, as slurmd -Z), the resources --conf
// declares (else what the machine has), its slurmd port (Port=, else
// SlurmdPort) and its address (NodeAddr=, else the local address this
// host uses to reach the first controller: what slurmctld would see as
// the registration's peer address).
func dynamicNode(c *conf.Config, o options, cpus int, memMB int64, ctl string, log *slog.Logger) (*conf.Node, *msg.DynamicNode, error) {
	v, ok := c.Lookup("MaxNodeCount")
	if n, err := strconv.Atoi(strings.TrimSpace(v)); !ok || err != nil || n <= 0 {
		return nil, nil, errors.New("flurmnd -Z: slurm.conf sets no MaxNodeCount, and the controller accepts no dynamic node without it (Slurm requires MaxNodeCount for dynamic nodes)")
	}
	d, err := parseDynamicConf(o.dynamicConf)
	if err != nil {
		return nil, nil, err
	}
	if len(d.ignored) > 0 {
		log.Warn("--conf: node options FLURM does not use are ignored", "keys", strings.Join(d.ignored, ","))
	}
	name := o.node
	if name == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, nil, err
		}
		name, _, _ = strings.Cut(host, ".")
	}
	if !state.ValidNodeName(name) {
		return nil, nil, fmt.Errorf("flurmnd -Z: %q cannot name a node", name)
	}
	if d.cpus == 0 {
		d.cpus = cpus
	}
	if d.memMB == 0 {
		d.memMB = memMB
	}
	if d.port == 0 {
		d.port = c.SlurmdPort
	}
	if d.port == 0 {
		d.port = 6818
	}
	if d.hostname == "" {
		if d.hostname, err = os.Hostname(); err != nil {
			return nil, nil, err
		}
	}
	if d.addr == "" {
		if d.addr, err = localAddrToward(ctl); err != nil {
			return nil, nil, fmt.Errorf("flurmnd -Z: finding this node's address (give NodeAddr= in --conf): %w", err)
		}
	}
	node := &conf.Node{Name: name, Hostname: d.hostname, Addr: d.addr, Port: d.port, CPUs: uint16(min(d.cpus, 0xffff)), RealMemory: uint64(d.memMB)}
	return node, &msg.DynamicNode{CPUs: d.cpus, MemMB: d.memMB, Addr: d.addr, Hostname: d.hostname, Port: d.port}, nil
}

// localAddrToward is the local IP the kernel routes to addr from. A UDP
// "connection" sends nothing; it only picks the route.
func localAddrToward(addr string) (string, error) {
	conn, err := net.DialTimeout("udp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	ua, ok := conn.LocalAddr().(*net.UDPAddr)
	if !ok || ua.IP.IsUnspecified() {
		return "", fmt.Errorf("no route to %s", addr)
	}
	return ua.IP.String(), nil
}
