package slurmrpc

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/io/slurmproto"
)

// Messages this server sends on its own: an allocation granted after the
// client was told it is queued (to salloc/srun's alloc_resp_port),
// SRUN_JOB_COMPLETE when an allocation or step ends (to srun's ports), and
// REQUEST_SIGNAL_TASKS to node daemons (step cancel, scancel --signal).
// Each goes on a fresh connection, as slurmctld's agent sends them, with a
// credential from Auth over the body, and is best effort: a peer that is
// gone is logged and forgotten.

// sendMsg sends one message to addr and, if wantReply, waits for the
// peer's RESPONSE_SLURM_RC and returns its code.
func (s *Server) sendMsg(ctx context.Context, addr string, t slurmproto.MsgType, body slurmproto.Body, wantReply bool) (uint32, error) {
	raw, err := slurmproto.EncodeBody(t, body)
	if err != nil {
		return 0, err
	}
	auth, err := s.Auth.Credential(t, raw)
	if err != nil {
		return 0, fmt.Errorf("credential: %w", err)
	}
	frame, err := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: t}, auth, raw)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.DialTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	if _, err := c.Write(frame); err != nil {
		return 0, err
	}
	if !wantReply {
		return 0, nil
	}
	f, err := slurmproto.ReadFrame(c, 1<<20)
	if err != nil {
		return 0, err
	}
	env, err := slurmproto.DecodeEnvelope(f)
	if err != nil {
		return 0, err
	}
	if _, err := s.Auth.Verify(env); err != nil {
		return 0, fmt.Errorf("reply credential: %w", err)
	}
	b, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		return 0, err
	}
	switch rc := b.(type) {
	case *slurmproto.ReturnCode:
		return rc.ReturnCode, nil
	case *slurmproto.ReturnCodeMsg:
		return rc.ReturnCode, nil
	}
	return 0, fmt.Errorf("reply %v, want RESPONSE_SLURM_RC", env.Header.MsgType)
}

// sendAsync sends a message in the background, logging failures. The
// server's Shutdown aborts it through stopCtx.
func (s *Server) sendAsync(addr string, t slurmproto.MsgType, body slurmproto.Body, wantReply bool) {
	go func() {
		rc, err := s.sendMsg(s.stopCtx, addr, t, body, wantReply)
		if err != nil || rc != 0 {
			s.Logger.Info("slurmrpc: message not delivered", "to", addr, "type", t, "rc", rc, "err", err)
		}
	}()
}

// srunContact is where a client of an allocation or a step listens.
type srunContact struct {
	host      string // the client's IP, as the connection saw it
	allocPort uint16 // salloc/srun alloc_resp_port (allocation grants)
	otherPort uint16 // srun other_port (SRUN_JOB_COMPLETE for the job)
}

// srunRegistry remembers, on this controller only, how to reach the
// clients that made allocations and steps. It is not replicated: after a
// failover the new leader cannot notify them, and clients fall back on
// their own polling (REQUEST_JOB_READY, task exit).
type srunRegistry struct {
	mu       sync.Mutex
	allocs   map[uint32]srunContact
	steps    map[[2]uint32]srunContact // (job, step) -> host and step port (in otherPort)
	watchers int
}

// Bounds on the registry.
const (
	maxSrunContacts = 1 << 16
	maxAllocWaiters = 1024
)

func newSrunRegistry() *srunRegistry {
	return &srunRegistry{allocs: map[uint32]srunContact{}, steps: map[[2]uint32]srunContact{}}
}

func (r *srunRegistry) addAlloc(job uint32, c srunContact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.allocs) < maxSrunContacts {
		r.allocs[job] = c
	}
}

func (r *srunRegistry) addStep(job, step uint32, c srunContact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.steps) < maxSrunContacts {
		r.steps[[2]uint32{job, step}] = c
	}
}

// takeJob forgets and returns the contacts of a job and all its steps.
func (r *srunRegistry) takeJob(job uint32) (alloc *srunContact, steps []srunContact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.allocs[job]; ok {
		alloc = &c
		delete(r.allocs, job)
	}
	for k, c := range r.steps {
		if k[0] == job {
			steps = append(steps, c)
			delete(r.steps, k)
		}
	}
	return alloc, steps
}

func (r *srunRegistry) takeStep(job, step uint32) (srunContact, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]uint32{job, step}
	c, ok := r.steps[k]
	delete(r.steps, k)
	return c, ok
}

// watcherSlot reserves one of the bounded allocation waiters.
func (r *srunRegistry) watcherSlot() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.watchers >= maxAllocWaiters {
		return false
	}
	r.watchers++
	return true
}

func (r *srunRegistry) releaseWatcher() {
	r.mu.Lock()
	r.watchers--
	r.mu.Unlock()
}

// notifyJobComplete sends SRUN_JOB_COMPLETE to the srun of an allocation
// (other_port) and to the step ports of its steps, as slurmctld's
// srun_job_complete does when a job ends.
func (s *Server) notifyJobComplete(job uint32) {
	alloc, steps := s.sruns.takeJob(job)
	body := &slurmproto.StepIDMsg{StepID: slurmproto.StepID{JobID: job, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal}}
	if alloc != nil && alloc.otherPort != 0 {
		s.sendAsync(net.JoinHostPort(alloc.host, strconv.Itoa(int(alloc.otherPort))), slurmproto.SrunJobComplete, body, false)
	}
	for _, c := range steps {
		s.sendAsync(net.JoinHostPort(c.host, strconv.Itoa(int(c.otherPort))), slurmproto.SrunJobComplete, body, false)
	}
}

// peerHost is the IP of a connection's remote end ("1.2.3.4:5" -> "1.2.3.4").
func peerHost(peer string) string {
	host, _, err := net.SplitHostPort(peer)
	if err != nil {
		return peer
	}
	return host
}

// nodeEndpoint is a node daemon's Slurm address before resolution.
type nodeEndpoint struct {
	host string
	port int
}

func (e nodeEndpoint) String() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// nodeSlurmdAddr is where a node's daemon listens for Slurm messages:
// NodeAddr (default NodeHostname, default the name) and Port (default
// SlurmdPort, default 6818) from slurm.conf.
func nodeSlurmdAddr(c *conf.Config, name string) (host string, port int) {
	host, port = name, 0
	if c != nil {
		port = c.SlurmdPort
		for i := range c.Nodes {
			n := &c.Nodes[i]
			if n.Name != name {
				continue
			}
			switch {
			case n.Addr != "":
				host = n.Addr
			case n.Hostname != "":
				host = n.Hostname
			}
			if n.Port != 0 {
				port = n.Port
			}
			break
		}
	}
	if port == 0 {
		port = 6818
	}
	return host, port
}

// hostCache resolves names both ways for the records this server fills,
// remembering answers so a busy controller does not ask DNS per request.
type hostCache struct {
	mu      sync.Mutex
	names   map[netip.Addr]string
	addrs   map[string]netip.Addr
	resolve *net.Resolver
}

const maxCachedHosts = 4096

func newHostCache() *hostCache {
	return &hostCache{names: map[netip.Addr]string{}, addrs: map[string]netip.Addr{}, resolve: net.DefaultResolver}
}

// name returns the short host name of ip: the local host name for a
// loopback address, else the reverse lookup's first name without its
// domain, or "" when there is none.
func (h *hostCache) name(ip netip.Addr) string {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return ""
	}
	h.mu.Lock()
	n, ok := h.names[ip]
	h.mu.Unlock()
	if ok {
		return n
	}
	if ip.IsLoopback() {
		n, _ = os.Hostname()
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		names, err := h.resolve.LookupAddr(ctx, ip.String())
		cancel()
		if err == nil && len(names) > 0 {
			n = strings.TrimSuffix(names[0], ".")
		}
	}
	n, _, _ = strings.Cut(n, ".")
	h.mu.Lock()
	if len(h.names) < maxCachedHosts {
		h.names[ip] = n
	}
	h.mu.Unlock()
	return n
}

// addr resolves a node address to an IP (IPv4 preferred), or the zero
// Addr.
func (h *hostCache) addr(host string) netip.Addr {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap()
	}
	h.mu.Lock()
	ip, ok := h.addrs[host]
	h.mu.Unlock()
	if ok {
		return ip
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	ips, err := h.resolve.LookupNetIP(ctx, "ip", host)
	cancel()
	if err == nil {
		for _, a := range ips {
			if a = a.Unmap(); a.Is4() || !ip.IsValid() {
				ip = a
			}
			if ip.Is4() {
				break
			}
		}
	}
	if ip.IsValid() { // a failed lookup is asked again next time
		h.mu.Lock()
		if len(h.addrs) < maxCachedHosts {
			h.addrs[host] = ip
		}
		h.mu.Unlock()
	}
	return ip
}
