package ctld

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/msg"
)

// RaftPortOffset places each controller's peer (Raft) listener at
// SlurmctldPort+RaftPortOffset on its SlurmctldHost address. slurm.conf is
// also read by the unmodified Slurm client tools, which reject keys they
// do not know, so the port is derived rather than configured there.
const RaftPortOffset = 1000

// Controller ids: the i-th SlurmctldHost line (primary first) is Raft id i+1.

// ControllerIDs returns the Raft ids of every controller in c.
func ControllerIDs(c *conf.Config) []uint64 {
	ids := make([]uint64, len(c.ControlHosts))
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	return ids
}

// PeerAddrs returns every controller's peer address (host:port), by id,
// at SlurmctldPort+offset on its SlurmctldHost address.
func PeerAddrs(c *conf.Config, offset int) (map[uint64]string, error) {
	port := c.SlurmctldPort + offset
	if port <= 0 || port > 65535 {
		return nil, fmt.Errorf("ctld: peer port %d out of range (SlurmctldPort %d + %d)", port, c.SlurmctldPort, offset)
	}
	addrs := make(map[uint64]string, len(c.ControlHosts))
	for i, h := range c.ControlHosts {
		host := h.Addr
		if host == "" {
			host = h.Name
		}
		addrs[uint64(i+1)] = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return addrs, nil
}

// SelfID finds this host's controller id: the SlurmctldHost whose name is
// hostname or its short form (as slurmctld matches it). Several matches
// (controllers sharing a host) need an explicit id.
func SelfID(c *conf.Config, hostname string) (uint64, error) {
	short, _, _ := strings.Cut(hostname, ".")
	var found []uint64
	for i, h := range c.ControlHosts {
		if h.Name == hostname || h.Name == short {
			found = append(found, uint64(i+1))
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("ctld: host %q is not a SlurmctldHost (%s); use -n to pick a controller", hostname, hostNames(c))
	case 1:
		return found[0], nil
	}
	return 0, fmt.Errorf("ctld: host %q is SlurmctldHost %v; use -n to pick one", hostname, found)
}

func hostNames(c *conf.Config) string {
	var names []string
	for _, h := range c.ControlHosts {
		names = append(names, h.Name)
	}
	return strings.Join(names, ",")
}

// controllerID parses "ctl/<id>"; ok is false for any other address.
func controllerID(a msg.Addr) (uint64, bool) {
	s, ok := strings.CutPrefix(string(a), "ctl/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 || msg.ControllerAddr(id) != a {
		return 0, false // reject "ctl/007" so one peer has one spelling
	}
	return id, true
}
