package taskd

import (
	"fmt"
	"net"
	"net/netip"
	"os/user"
	"slices"
	"strconv"
	"time"

	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/io/slurmproto"
)

// Launch flags (slurm_protocol_defs.h LAUNCH_*).
const (
	launchMultiProg     = 1 << 1
	launchPTY           = 1 << 2
	launchBufferedIO    = 1 << 3
	launchUserManagedIO = 1 << 5
	launchNoAlloc       = 1 << 6
)

// Bounds on what one launch may name.
const (
	maxTaskID    = 0xffff  // task ids travel as u16 in I/O frames
	maxStepNodes = 1 << 16 // nodes of one step
	maxGroups    = 1 << 16 // NGROUPS_MAX
	maxArgs      = 1 << 12
	maxEnvVars   = 1 << 13
	maxArgvEnv   = 1 << 21 // argv + env bytes, about execve's limit
)

// handleLaunch serves REQUEST_LAUNCH_TASKS: every check slurmd makes
// before forking slurmstepd, then the reply, then the step runs on its
// own. A refusal is logged and sent back with its code and reason.
func (s *Server) handleLaunch(r *request, m *slurmproto.LaunchTasksRequest) {
	st, ref := s.prepareLaunch(r, m)
	if ref != nil {
		s.log.Warn("taskd: launch refused", "step", fmtStep(m.StepID), "peer", r.peer, "uid", r.uid, "rc", ref.rc, "reason", ref.text)
		s.reply(r, ref.rc, ref.text)
		return
	}
	if err := s.reply(r, slurmproto.RCSuccess, ""); err != nil {
		// srun did not hear that we accepted: do not run, and let it
		// retry with the same credential.
		s.unregister(st)
		s.creds.release(st.credKey)
		return
	}
	s.log.Info("taskd: launching", "step", fmtStep(st.id), "uid", st.uid, "tasks", len(st.tasks), "srun", st.srunIP)
	go st.run()
}

func fmtStep(id slurmproto.StepID) string {
	return fmt.Sprintf("%d.%d", id.JobID, id.StepID)
}

// prepareLaunch validates m and, if it may run, registers its step.
func (s *Server) prepareLaunch(r *request, m *slurmproto.LaunchTasksRequest) (*step, *refusal) {
	super := s.superUser(r.uid)
	if !super && r.uid != m.UID {
		return nil, refuse(slurmproto.RCUserIDMissing, "launch for uid %d requested by uid %d", m.UID, r.uid)
	}
	switch {
	case m.Flags&launchNoAlloc != 0:
		return nil, refuse(slurmproto.RCAccessDenied, "launching outside an allocation (--no-allocate) is not supported")
	case m.Flags&launchMultiProg != 0:
		return nil, refuse(rcNotSupported, "--multi-prog is not supported by flurmnd")
	case m.Flags&launchUserManagedIO != 0:
		return nil, refuse(rcNotSupported, "user-managed I/O is not supported by flurmnd")
	case m.Container.String() != "":
		return nil, refuse(rcNotSupported, "--container is not supported by flurmnd")
	case m.X11 != 0:
		return nil, refuse(rcNotSupported, "--x11 is not supported by flurmnd")
	case len(m.Argv) == 0 || m.Argv[0] == "":
		return nil, refuse(slurmproto.RCError, "no program to run")
	}
	nodeID, ref := s.nodeIndex(m.CompleteNodes.String(), "step node list")
	if ref != nil {
		return nil, ref
	}
	if nodeID >= len(m.GlobalTaskIDs) {
		return nil, refuse(slurmproto.RCError, "node %d has no task list (%d lists)", nodeID, len(m.GlobalTaskIDs))
	}
	gtids := m.GlobalTaskIDs[nodeID]
	if ref := s.checkTaskIDs(gtids, m.NTasks); ref != nil {
		return nil, ref
	}
	if ref := checkArgvEnv(m.Argv, m.Env); ref != nil {
		return nil, ref
	}

	now := time.Now()
	cred := &m.Credential
	if ref := s.verifyJobCredential(r.ctx, cred, now); ref != nil {
		return nil, ref
	}
	f := &cred.Fields
	switch {
	case f.StepID.JobID != m.StepID.JobID || f.StepID.StepID != m.StepID.StepID:
		return nil, refuse(rcInvalidJobCredential, "credential is for step %s, launch for %s", fmtStep(f.StepID), fmtStep(m.StepID))
	case f.UID != m.UID:
		return nil, refuse(rcInvalidJobCredential, "credential for uid %d, launch for uid %d", f.UID, m.UID)
	case f.GID != m.GID:
		return nil, refuse(rcInvalidJobCredential, "credential for gid %d, launch for gid %d", f.GID, m.GID)
	}
	if _, ref := s.nodeIndex(f.StepHostList.String(), "credential's step host list"); ref != nil {
		ref.rc = rcInvalidJobCredential
		return nil, ref
	}
	key := credKey{step: keyOf(m.StepID), ctime: int64(f.CTime)}
	if ref := s.creds.claim(key, now); ref != nil {
		return nil, ref
	}
	st, ref := s.newStep(r, m, nodeID, gtids)
	if ref == nil {
		ref = s.waitAllocation(r, m.StepID.JobID, f.UID)
	}
	if ref == nil {
		ref = s.register(st)
	}
	if ref != nil {
		s.creds.release(key)
		return nil, ref
	}
	st.credKey = key
	return st, nil
}

// nodeIndex is this node's position in a hostlist expression.
func (s *Server) nodeIndex(expr, what string) (int, *refusal) {
	n, err := hostlist.Count(expr)
	if err != nil || n > maxStepNodes {
		return 0, refuse(slurmproto.RCInvalidNodeName, "%s %q: bad or too long (%v)", what, expr, err)
	}
	names, err := hostlist.Expand(expr)
	if err != nil {
		return 0, refuse(slurmproto.RCInvalidNodeName, "%s %q: %v", what, expr, err)
	}
	i := slices.Index(names, s.cfg.NodeName)
	if i < 0 {
		return 0, refuse(slurmproto.RCInvalidNodeName, "node %s is not in the %s %q", s.cfg.NodeName, what, expr)
	}
	return i, nil
}

func (s *Server) checkTaskIDs(gtids []uint32, ntasks uint32) *refusal {
	if len(gtids) == 0 {
		return refuse(slurmproto.RCError, "no tasks to launch on this node")
	}
	if len(gtids) > s.cfg.MaxTasksPerNode {
		return refuse(slurmproto.RCError, "%d tasks on one node, at most %d", len(gtids), s.cfg.MaxTasksPerNode)
	}
	seen := make(map[uint32]bool, len(gtids))
	for _, id := range gtids {
		if id > maxTaskID || id >= ntasks || seen[id] {
			return refuse(slurmproto.RCError, "bad task id %d (step of %d tasks)", id, ntasks)
		}
		seen[id] = true
	}
	return nil
}

func checkArgvEnv(argv, env []string) *refusal {
	if len(argv) > maxArgs || len(env) > maxEnvVars {
		return refuse(rcSetupEnvironment, "%d arguments and %d environment variables: too many", len(argv), len(env))
	}
	total := 0
	for _, a := range argv {
		total += len(a) + 1
	}
	for _, e := range env {
		total += len(e) + 1
	}
	if total > maxArgvEnv {
		return refuse(rcSetupEnvironment, "arguments and environment of %d bytes: too large", total)
	}
	return nil
}

// waitAllocation asks the host, for up to AllocationWait, whether the job
// has a live allocation here owned by uid: a launch can race the node
// learning of a brand-new allocation.
func (s *Server) waitAllocation(r *request, jobID, uid uint32) *refusal {
	deadline := time.Now().Add(s.cfg.AllocationWait)
	for {
		owner, ok := s.cfg.Host.JobOnNode(jobID)
		if ok && owner == uid {
			return nil
		}
		if ok {
			return refuse(rcInvalidJobCredential, "job %d belongs to uid %d, credential names uid %d", jobID, owner, uid)
		}
		if time.Now().After(deadline) {
			return refuse(slurmproto.RCInvalidJobID, "job %d has no allocation on node %s", jobID, s.cfg.NodeName)
		}
		select {
		case <-r.ctx.Done():
			return refuse(slurmproto.RCInvalidJobID, "job %d has no allocation on node %s", jobID, s.cfg.NodeName)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// newStep builds the step record of a validated launch.
func (s *Server) newStep(r *request, m *slurmproto.LaunchTasksRequest, nodeID int, gtids []uint32) (*step, *refusal) {
	f := &m.Credential.Fields
	ap, err := netip.ParseAddrPort(r.peer.String())
	if err != nil {
		return nil, refuse(slurmproto.RCError, "peer address %v: %v", r.peer, err)
	}
	st := &step{
		srv:    s,
		id:     m.StepID,
		nodeID: nodeID,
		uid:    f.UID,
		gid:    f.GID,
		user:   f.PwName.String(),
		srunIP: ap.Addr().Unmap(),
		cwd:    m.Cwd.String(),
		req:    m,
		ioKey:  m.Credential.Signature,
		done:   make(chan struct{}),
	}
	if st.cwd == "" {
		st.cwd = "/tmp"
	}
	if st.user == "" {
		if u, err := user.LookupId(strconv.FormatUint(uint64(st.uid), 10)); err == nil {
			st.user = u.Username
		}
	}
	st.groups, err = groupsOf(f.GIDs, st.user, st.gid)
	if err != nil {
		return nil, refuse(rcSetupEnvironment, "groups of uid %d: %v", st.uid, err)
	}
	if n := len(m.RespPorts); n > 0 {
		st.respAddr = net.JoinHostPort(st.srunIP.String(), strconv.Itoa(int(m.RespPorts[nodeID%n])))
	}
	if n := len(m.IOPorts); n > 0 {
		st.ioAddr = net.JoinHostPort(st.srunIP.String(), strconv.Itoa(int(m.IOPorts[nodeID%n])))
	}
	st.tasks = make([]*task, len(gtids))
	for i, g := range gtids {
		st.tasks[i] = &task{local: i, gtid: g, exited: make(chan struct{}), pumps: make(chan struct{})}
	}
	return st, nil
}

// groupsOf is the supplementary group list: the credential's, or the
// user's from the group database (what slurmd's group cache does).
func groupsOf(gids []uint32, name string, gid uint32) ([]uint32, error) {
	if len(gids) > maxGroups {
		return nil, fmt.Errorf("%d groups", len(gids))
	}
	if len(gids) > 0 {
		return gids, nil
	}
	out := []uint32{gid}
	if name == "" {
		return out, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return out, nil // a user unknown here keeps only the primary group
	}
	ids, err := u.GroupIds()
	if err != nil {
		return out, nil
	}
	for _, s := range ids {
		if g, err := strconv.ParseUint(s, 10, 32); err == nil && uint32(g) != gid && len(out) < maxGroups {
			out = append(out, uint32(g))
		}
	}
	return out, nil
}

// register adds st to the running steps, within the limits.
func (s *Server) register(st *step) *refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keyOf(st.id)
	switch {
	case s.closed:
		return refuse(rcJobNotRunning, "node daemon is shutting down")
	case s.steps[k] != nil:
		return refuse(rcStepExists, "step %s already runs on this node", fmtStep(st.id))
	case len(s.steps) >= s.cfg.MaxSteps:
		return refuse(rcTooManySteps, "%d steps already run on this node", len(s.steps))
	case s.tasks+len(st.tasks) > s.cfg.MaxTasks:
		return refuse(rcTooManySteps, "%d tasks already run on this node, at most %d", s.tasks, s.cfg.MaxTasks)
	}
	s.steps[k] = st
	s.tasks += len(st.tasks)
	s.active.Add(1)
	return nil
}

func (s *Server) unregister(st *step) {
	s.mu.Lock()
	if s.steps[keyOf(st.id)] == st {
		delete(s.steps, keyOf(st.id))
		s.tasks -= len(st.tasks)
		s.active.Done()
	}
	s.mu.Unlock()
}

// stepCPUs is the CPU count of the step on this node, from the
// credential's core bitmaps as slurmd's _check_job_credential computes it
// (node_cpus, SLURM_CPUS_ON_NODE): the step's cores within this node's
// range of the job's core bitmap, at least 1.
func stepCPUs(f *slurmproto.JobCredentialFields, node string) int {
	names, err := hostlist.Expand(f.JobHostList.String())
	if err != nil || f.JobNHosts == 0 {
		return 1
	}
	host := slices.Index(names, node)
	if host < 0 || host >= int(f.JobNHosts) {
		return 1
	}
	first, last := uint64(0), uint64(0)
	left := uint64(host) + 1
	for _, l := range f.CoreLayouts {
		per := uint64(l.SocketsPerNode) * uint64(l.CoresPerSocket)
		if left > uint64(l.Reps) {
			first += per * uint64(l.Reps)
			left -= uint64(l.Reps)
			continue
		}
		first += per * (left - 1)
		last = first + per
		break
	}
	n := 0
	for i := first; i < last && i < uint64(f.StepCoreBitmap.Len()); i++ {
		if f.StepCoreBitmap.IsSet(uint32(i)) {
			n++
		}
	}
	return max(n, 1)
}
