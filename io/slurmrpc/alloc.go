package slurmrpc

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Allocations for salloc and srun: REQUEST_RESOURCE_ALLOCATION (a job
// without a script), REQUEST_JOB_ALLOCATION_INFO and
// REQUEST_HET_JOB_ALLOC_INFO (srun inside an existing allocation).

// allocPollInterval is how often a waiting allocation looks at the state.
const allocPollInterval = 50 * time.Millisecond

// allocWatchInterval is how often a queued allocation is checked for its
// start, to grant it to the waiting client.
const allocWatchInterval = 250 * time.Millisecond

// handleResourceAllocation submits a job without a script, waits briefly
// (AllocationWait, one or two scheduling passes) for it to start and
// answers with the allocation. A job that has not started by then is
// answered with node_cnt 0 ("queued and waiting for resources"); when it
// starts, this controller connects to the client's alloc_resp_port and
// sends the allocation there, as slurmctld's srun_allocate does.
func handleResourceAllocation(s *Server, r *request) reply {
	d := r.body.(*slurmproto.JobDesc)
	rep, spec, rejection, ok := s.submitJob(r, d, false)
	if !ok {
		return rejection
	}
	// slurmctld records the connection's peer as resp_host, whatever the
	// request says.
	contact := srunContact{host: peerHost(r.peer), allocPort: d.AllocRespPort, otherPort: d.OtherPort}
	s.sruns.addAlloc(uint32(rep.Job), contact)

	wait := s.AllocationWait
	if dl, ok := r.ctx.Deadline(); ok {
		// Leave time to answer within the message timeout.
		wait = min(wait, time.Until(dl)/2)
	}
	resp, st := s.waitAllocation(r.ctx, rep.Job, wait)
	if st.Terminal() {
		return rcReply(slurmproto.RCAlreadyDone) // cancelled before it could start
	}
	if st != state.JobRunning {
		resp.NodeCnt, resp.NodeAddrs = 0, nil
		if st == state.JobPending {
			s.grantLater(rep.Job, contact)
		}
		if spec.Hold {
			resp.ErrorCode = slurmproto.RCJobHeld
		}
	}
	return reply{msgType: slurmproto.ResponseResourceAllocation, body: &resp}
}

// waitAllocation polls the state until the job runs, ends or wait passes,
// and returns its allocation and state.
func (s *Server) waitAllocation(ctx context.Context, id state.JobID, wait time.Duration) (slurmproto.AllocationResponse, state.JobState) {
	deadline := time.Now().Add(wait)
	for {
		resp, st, found := s.allocation(id)
		if !found || st != state.JobPending || !time.Now().Before(deadline) {
			return resp, st
		}
		t := time.NewTimer(allocPollInterval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return resp, st
		}
	}
}

// allocation builds the allocation message of job id from the applied
// state, with node addresses resolved outside the state's lock.
func (s *Server) allocation(id state.JobID) (resp slurmproto.AllocationResponse, st state.JobState, found bool) {
	var addrs []nodeEndpoint
	s.Backend.Read(func(v View) {
		j := v.State.Job(id)
		if j == nil {
			return
		}
		found, st = true, j.State
		resp = allocationRecord(v, j)
		if j.Running() {
			nodes := v.State.Nodes()
			for _, n := range j.Nodes {
				addrs = append(addrs, nodeEndpointOf(v, &nodes[n]))
			}
		}
	})
	if len(addrs) > 0 {
		out := make([]slurmproto.Addr, 0, len(addrs))
		for _, a := range addrs {
			ip := s.hosts.addr(a.host)
			if !ip.IsValid() {
				out = nil // clients look the nodes up themselves
				break
			}
			out = append(out, slurmproto.AddrFromAddrPort(netip.AddrPortFrom(ip, uint16(a.port))))
		}
		resp.NodeAddrs = out
	}
	return resp, st, found
}

// allocationRecord is RESPONSE_RESOURCE_ALLOCATION for a job, as
// slurmctld's build_alloc_msg fills it. Node addresses (node_addr) are
// added by the caller: slurmctld sends them only to other clusters'
// clients, FLURM always, from slurm.conf's NodeAddr and Port; the clients
// of this cluster ignore them and read their own slurm.conf.
func allocationRecord(v View, j *state.Job) slurmproto.AllocationResponse {
	resp := slurmproto.AllocationResponse{
		JobID: uint32(j.ID), NTasksPerCore: slurmproto.Infinite16, NTasksPerSocket: slurmproto.Infinite16,
		SelectPluginID: selectPluginID(v.Conf),
	}
	if p := v.State.Partitions(); j.Partition >= 0 && j.Partition < len(p) {
		resp.Partition = slurmproto.S(p[j.Partition].Name)
	}
	switch {
	case j.Spec.MemPerNode > 0:
		resp.PnMinMemory = uint64(j.Spec.MemPerNode)
	case j.Spec.MemPerCPU > 0:
		resp.PnMinMemory = uint64(j.Spec.MemPerCPU) | memPerCPUBit
	}
	if !j.Running() {
		return resp
	}
	nodes := v.State.Nodes()
	names := make([]string, len(j.Nodes))
	for i, n := range j.Nodes {
		names[i] = nodes[n].Name
		cpus, _ := j.HoldSize(&nodes[n])
		resp.CPUGroups = appendCPUGroup(resp.CPUGroups, uint16(min(cpus, 0xffff)))
	}
	resp.NodeCnt = uint32(len(names))
	resp.NodeList = slurmproto.S(orderedList(names))
	resp.AliasList = optStr(aliasList(nodes, j.Nodes))
	resp.BatchHost = slurmproto.S(names[0])
	return resp
}

// grantLater watches a queued allocation and sends it to the client's
// alloc_resp_port once the job runs; if the job ends first, the client
// gets SRUN_JOB_COMPLETE there instead (srun_allocate_abort). At most
// maxAllocWaiters allocations are watched; beyond that the client must ask
// (REQUEST_JOB_ALLOCATION_INFO) or be cancelled.
func (s *Server) grantLater(id state.JobID, c srunContact) {
	if c.allocPort == 0 || !s.sruns.watcherSlot() {
		return
	}
	addr := net.JoinHostPort(c.host, strconv.Itoa(int(c.allocPort)))
	go func() {
		defer s.sruns.releaseWatcher()
		t := time.NewTicker(allocWatchInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-s.quit:
				return
			}
			resp, st, found := s.allocation(id)
			switch {
			case found && st == state.JobPending:
				continue
			case found && st == state.JobRunning:
				if rc, err := s.sendMsg(s.stopCtx, addr, slurmproto.ResponseResourceAllocation, &resp, true); err != nil || rc != 0 {
					s.Logger.Info("slurmrpc: allocation grant not delivered", "job", id, "to", addr, "rc", rc, "err", err)
				}
			default:
				body := &slurmproto.StepIDMsg{StepID: slurmproto.StepID{JobID: uint32(id), StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal}}
				s.sendAsync(addr, slurmproto.SrunJobComplete, body, false)
			}
			return
		}
	}()
}

// allocationInfo answers REQUEST_JOB_ALLOCATION_INFO and
// REQUEST_HET_JOB_ALLOC_INFO: the allocation of a running job of the
// caller (job_alloc_info's checks and codes).
func (s *Server) allocationInfo(r *request, id uint32) (*slurmproto.AllocationResponse, uint32) {
	var code uint32
	s.Backend.Read(func(v View) {
		j := v.State.Job(state.JobID(id))
		switch {
		case j == nil:
			code = slurmproto.RCInvalidJobID
		case j.Spec.UID != r.id.UID && !isOperator(v, r.id.UID):
			code = slurmproto.RCAccessDenied
		case j.State == state.JobPending:
			code = slurmproto.RCJobPending
		case !j.Running():
			code = slurmproto.RCAlreadyDone
		}
	})
	if code != 0 {
		return nil, code
	}
	resp, st, found := s.allocation(state.JobID(id))
	if !found || st != state.JobRunning {
		return nil, slurmproto.RCAlreadyDone // ended in between
	}
	return &resp, 0
}

func handleJobAllocationInfo(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobAllocInfoRequest)
	resp, code := s.allocationInfo(r, req.JobID)
	if code != 0 {
		return rcReply(code)
	}
	return reply{msgType: slurmproto.ResponseJobAllocationInfo, body: resp}
}

// handleHetJobAllocInfo answers srun inside an allocation (sbatch script,
// salloc shell): one component, FLURM having no heterogeneous jobs.
func handleHetJobAllocInfo(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobAllocInfoRequest)
	resp, code := s.allocationInfo(r, req.JobID)
	if code != 0 {
		return rcReply(code)
	}
	return reply{msgType: slurmproto.ResponseHetJobAllocation,
		body: &slurmproto.HetJobAllocationResponse{Components: []slurmproto.AllocationResponse{*resp}}}
}
