package slurmrpc

import (
	"errors"
	"fmt"
	"net/netip"
	"os/user"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// REQUEST_SUBMIT_BATCH_JOB: job_desc_msg_t to state.JobSpec, resolving
// unset fields as slurmctld does. Options core cannot carry are refused
// with RESPONSE_SLURM_RC_MSG naming the option, so sbatch prints why,
// instead of being dropped silently.

// maxPathLen is Slurm's limit on path options (MAXPATHLEN):
// ESLURM_PATHNAME_TOO_LONG beyond it.
const maxPathLen = 4096

// submitError is a rejection with an optional text for RESPONSE_SLURM_RC_MSG.
type submitError struct {
	code uint32
	msg  string
}

func refuse(code uint32, format string, args ...any) *submitError {
	return &submitError{code: code, msg: fmt.Sprintf(format, args...)}
}

func unsupported(option string) *submitError {
	return refuse(rcNotSupported, "FLURM does not support %s", option)
}

func (e *submitError) reply() reply {
	if e.msg == "" {
		return rcReply(e.code)
	}
	return reply{msgType: slurmproto.ResponseSlurmRCMsg, body: &slurmproto.ReturnCodeMsg{ReturnCode: e.code, ErrMsg: slurmproto.S(e.msg)}}
}

// submitJob turns a job description into a job: sbatch's (batch, with a
// script) or salloc's and srun's (an allocation). ok false means the
// returned reply is the rejection to send.
func (s *Server) submitJob(r *request, d *slurmproto.JobDesc, batch bool) (msg.ClientReply, state.JobSpec, reply, bool) {
	var opts state.Options
	s.Backend.Read(func(v View) { opts = v.State.Options() })
	operator := r.id.UID == 0 || r.id.UID == opts.SlurmUID
	spec, serr := jobSpec(d, r.id, operator, opts, batch)
	if serr == nil {
		serr = s.nodeListSpec(&spec, d)
	}
	if serr != nil {
		return msg.ClientReply{}, spec, serr.reply(), false
	}
	spec.User = userName(r.id.UID)
	spec.SubmitHost = s.allocNode(r, spec.Env)
	rep, code := s.do(r, msg.OpSubmit{Spec: spec})
	if code != slurmproto.RCSuccess {
		return rep, spec, s.submitRejection(code, &spec).reply(), false
	}
	s.stats.addSubmit()
	return rep, spec, reply{}, true
}

func handleSubmit(s *Server, r *request) reply {
	rep, spec, rejection, ok := s.submitJob(r, r.body.(*slurmproto.JobDesc), true)
	if !ok {
		return rejection
	}
	resp := &slurmproto.SubmitBatchJobResponse{JobID: uint32(rep.Job), StepID: slurmproto.BatchScript}
	if spec.Hold {
		// slurmctld reports a job submitted held with ESLURM_JOB_HELD;
		// sbatch prints "Submitted batch job N" all the same.
		resp.ErrorCode = slurmproto.RCJobHeld
	}
	return reply{msgType: slurmproto.ResponseSubmitBatchJob, body: resp}
}

// userName looks the submitter up, as slurmctld fills job->user_name; an
// unknown uid leaves it empty and clients print the number.
func userName(uid uint32) string {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return ""
	}
	return u.Username
}

// jobSpec converts a job description. id is the verified caller; the
// description's user_id/group_id only have to agree with it. A batch job
// needs a script and an environment; an allocation (salloc, srun) has
// neither: its node daemons hold the resources and run only the steps
// srun launches.
func jobSpec(d *slurmproto.JobDesc, id Identity, operator bool, opts state.Options, batch bool) (state.JobSpec, *submitError) {
	var spec state.JobSpec
	if d.UserID != slurmproto.NoVal && d.UserID != id.UID {
		// slurmctld lets root/SlurmUser submit for others; FLURM runs a
		// job as the authenticated user only.
		return spec, refuse(slurmproto.RCUserIDMissing, "user_id %d does not match the credential's uid %d", d.UserID, id.UID)
	}
	if d.GroupID != slurmproto.NoVal && d.GroupID != id.GID {
		return spec, refuse(slurmproto.RCUserIDMissing, "group_id %d does not match the credential's gid %d", d.GroupID, id.GID)
	}
	if e := checkUnsupported(d); e != nil {
		return spec, e
	}
	script, _ := d.Script.Get()
	switch {
	case batch && script == "":
		return spec, &submitError{code: slurmproto.RCJobScriptMissing}
	case !batch:
		script = "" // salloc and srun send none; nothing else may run
	case len(script) > state.MaxScriptLen:
		return spec, refuse(slurmproto.RCError, "batch script of %d bytes is larger than %d", len(script), state.MaxScriptLen)
	case len(d.Environment) == 0:
		return spec, &submitError{code: rcEnvMissing}
	}
	for _, p := range []slurmproto.Str{d.WorkDir, d.StdOut, d.StdErr, d.StdIn} {
		if len(p.String()) > maxPathLen {
			return spec, &submitError{code: rcPathnameTooLong}
		}
	}
	if d.Partition.String() != "" && strings.ContainsAny(d.Partition.String(), ", ") {
		return spec, unsupported("more than one partition per job")
	}

	spec = state.JobSpec{
		Name:      d.Name.String(),
		UID:       id.UID,
		GID:       id.GID,
		Partition: d.Partition.String(),
		WorkDir:   d.WorkDir.String(),
		StdOut:    d.StdOut.String(),
		StdErr:    d.StdErr.String(),
		Comment:   d.Comment.String(),
		Script:    script,
		Env:       d.Environment,
		Argv:      d.Argv, // argv[0] is the script's name as the user gave it
		StdIn:     stdinPath(d.StdIn.String()),
		// Slurm's OPEN_MODE_APPEND is 1; 0 (unset) and 2 truncate.
		OpenAppend: d.OpenMode == 1,
		BeginTime:  int64(d.BeginTime),
		Requeue:    opts.JobRequeue,
	}
	if !batch {
		spec.Argv, spec.StdIn = nil, "" // the command is srun's to run, as a step
	}
	if e := dependencySpec(&spec, d.Dependency.String()); e != nil {
		return spec, e
	}
	if e := arraySpec(&spec, d.ArrayInx, opts.MaxArraySize); e != nil {
		return spec, e
	}
	if d.MinNodes != slurmproto.NoVal {
		spec.NumNodes = int(min(d.MinNodes, state.MaxNodesPerJob+1))
	}
	if d.NumTasks != slurmproto.NoVal {
		spec.NumTasks = int(min(d.NumTasks, state.MaxTasksPerJob+1))
	}
	if d.CPUsPerTask != slurmproto.NoVal16 {
		spec.CPUsPerTask = int(d.CPUsPerTask)
	}
	if d.PnMinCPUs != slurmproto.NoVal16 && int(d.PnMinCPUs) > max(spec.CPUsPerTask, 1) {
		// sbatch sends pn_min_cpus = cpus_per_task with -c; a larger
		// --mincpus is a per-node constraint core cannot express.
		return spec, unsupported("--mincpus")
	}
	if d.NTasksPerNode != slurmproto.NoVal16 && d.NTasksPerNode != 0 && spec.NumTasks == 0 {
		// slurmctld derives num_tasks from ntasks_per_node × min_nodes.
		spec.NumTasks = int(d.NTasksPerNode) * max(spec.NumNodes, 1)
	}
	if e := memorySpec(&spec, d.PnMinMemory); e != nil {
		return spec, e
	}
	switch d.TimeLimit {
	case slurmproto.NoVal, slurmproto.Infinite:
		// Unset and UNLIMITED both mean as long as the partition allows.
	case 0:
		return spec, &submitError{code: slurmproto.RCInvalidTimeLimit}
	default:
		spec.TimeLimit = int64(d.TimeLimit) * 60
	}
	if d.Nice != slurmproto.NoVal {
		spec.Nice = int(int64(d.Nice) - int64(slurmproto.NiceOffset))
		if spec.Nice < 0 && !operator {
			return spec, &submitError{code: rcInvalidNice}
		}
	}
	switch d.Priority {
	case slurmproto.NoVal, slurmproto.Infinite:
	case 0:
		spec.Hold = true // sbatch -H
	default:
		// slurmctld quietly drops a priority set by anyone but an
		// operator (_job_create), so does FLURM.
		if operator {
			spec.Priority = d.Priority
		}
	}
	switch d.Requeue {
	case slurmproto.NoVal16:
	case 0:
		spec.Requeue = false
	default:
		spec.Requeue = true
	}
	switch d.Shared {
	case slurmproto.NoVal16:
	case 0:
		spec.Exclusive = true // --exclusive
	default:
		return spec, unsupported("--oversubscribe and --exclusive=user|mcs")
	}
	return spec, nil
}

// rcDependency is ESLURM_DEPENDENCY: slurmctld's answer to a dependency it
// cannot parse or that names a job it does not know.
const rcDependency = uint32(state.ErrDependency)

// dependencySpec parses --dependency. Malformed syntax gets slurmctld's
// plain ESLURM_DEPENDENCY; valid Slurm forms FLURM does not implement
// (singleton, aftercorr, +time, array tasks) are refused by name.
func dependencySpec(spec *state.JobSpec, dep string) *submitError {
	deps, anyOf, err := state.ParseDependency(dep)
	switch {
	case errors.Is(err, state.ErrDependencyUnsupported):
		return unsupported("this dependency (--dependency=" + dep + "); FLURM has after, afterany, afterok and afternotok")
	case err != nil:
		return &submitError{code: rcDependency}
	}
	spec.Dependencies, spec.DependAny = deps, anyOf
	return nil
}

// arraySpec parses --array (job_desc array_inx). A malformed list or a
// task id not below MaxArraySize gets slurmctld's ESLURM_INVALID_ARRAY;
// the "%N" throttle, valid Slurm, is refused by name.
func arraySpec(spec *state.JobSpec, inx slurmproto.Str, maxSize int) *submitError {
	text, set := inx.Get()
	if !set {
		return nil
	}
	if maxSize <= 0 {
		maxSize = state.DefaultMaxArraySize
	}
	tasks, err := state.ParseArray(text, maxSize)
	switch {
	case errors.Is(err, state.ErrArrayUnsupported):
		return unsupported("the job array task throttle (--array=...%N)")
	case err != nil:
		return &submitError{code: uint32(state.ErrInvalidArray)}
	}
	spec.ArrayTasks = tasks
	return nil
}

// memorySpec applies pn_min_memory: MB per node, or per CPU with the
// MEM_PER_CPU bit.
func memorySpec(spec *state.JobSpec, v uint64) *submitError {
	if v == slurmproto.NoVal64 || v == 0 {
		return nil // none, or --mem=0 (all of each node's memory)
	}
	mb := v &^ memPerCPUBit
	if mb >= 1<<40 {
		return &submitError{code: slurmproto.RCRequestedNodeConfigUnavailable}
	}
	if v&memPerCPUBit != 0 {
		spec.MemPerCPU = int64(mb)
	} else {
		spec.MemPerNode = int64(mb)
	}
	return nil
}

// checkUnsupported refuses options that core has no field for: running
// the job without them would quietly give the user something else.
func checkUnsupported(d *slurmproto.JobDesc) *submitError {
	strs := []struct {
		v    slurmproto.Str
		what string
	}{
		{d.Features, "node features (--constraint)"},
		{d.Prefer, "--prefer"},
		{d.ClusterFeatures, "--cluster-constraint"},
		{d.BatchFeatures, "--batch"},
		{d.Clusters, "--clusters"},
		{d.Container, "--container"},
		{d.Account, "accounts (--account)"},
		{d.QOS, "QOS (--qos)"},
		{d.Reservation, "reservations (--reservation)"},
		{d.WCKey, "--wckey"},
		{d.Licenses, "licenses (--licenses)"},
		{d.BurstBuffer, "burst buffers (--bb)"},
		{d.Network, "--network"},
		{d.MailUser, "mail notification (--mail-user)"},
		{d.AdminComment, "--admin-comment"},
		{d.Extra, "--extra"},
		{d.MCSLabel, "--mcs-label"},
		{d.CPUsPerTRES, "--cpus-per-gpu"},
		{d.MemPerTRES, "--mem-per-gpu"},
		{d.TRESBind, "--gpu-bind"},
		{d.TRESFreq, "--gpu-freq"},
		{d.TRESPerJob, "GRES/TRES requests (--gpus)"},
		{d.TRESPerNode, "GRES requests (--gres)"},
		{d.TRESPerSocket, "--gpus-per-socket"},
		{d.TRESPerTask, "--gpus-per-task"},
		{d.AcctgFreq, "--acctg-freq"},
		{d.CPUBind, "--cpu-bind"},
		{d.MemBind, "--mem-bind"},
	}
	for _, s := range strs {
		if v, set := s.v.Get(); set && v != "" {
			return unsupported(s.what)
		}
	}
	u16 := []struct {
		v    uint16
		ok   []uint16
		what string
	}{
		{d.SocketsPerNode, nil, "--sockets-per-node"},
		{d.CoresPerSocket, nil, "--cores-per-socket"},
		{d.ThreadsPerCore, nil, "--threads-per-core"},
		{d.NTasksPerSocket, nil, "--ntasks-per-socket"},
		{d.NTasksPerCore, nil, "--ntasks-per-core"},
		{d.NTasksPerBoard, []uint16{0}, "--ntasks-per-board"},
		{d.NTasksPerTRES, nil, "--ntasks-per-gpu"},
		{d.CoreSpec, nil, "--core-spec"},
		{d.Reboot, []uint16{0}, "--reboot"},
		{d.KillOnNodeFail, nil, "--no-kill"},
		{d.Contiguous, []uint16{0}, "--contiguous"},
		{d.Immediate, []uint16{0}, "--immediate"},
		{d.MailType, []uint16{0}, "mail notification (--mail-type)"},
		{d.WarnSignal, []uint16{0}, "--signal"},
		{d.X11, []uint16{0}, "--x11"},
		{d.MemBindType, []uint16{0}, "--mem-bind"},
		{d.BoardsPerNode, []uint16{0}, "--boards-per-node"},
		{d.SocketsPerBoard, []uint16{0}, "--sockets-per-board"},
	}
	for _, f := range u16 {
		if f.v == slurmproto.NoVal16 || contains(f.ok, f.v) {
			continue
		}
		return unsupported(f.what)
	}
	switch {
	case d.PnMinTmpDisk != slurmproto.NoVal && d.PnMinTmpDisk != 0:
		return unsupported("--tmp")
	case d.TimeMin != slurmproto.NoVal && d.TimeMin != 0:
		return unsupported("--time-min")
	case d.Deadline != 0:
		return unsupported("--deadline")
	case d.CPUFreqMin != slurmproto.NoVal || d.CPUFreqMax != slurmproto.NoVal || d.CPUFreqGov != slurmproto.NoVal:
		return unsupported("--cpu-freq")
	case d.MaxNodes != slurmproto.NoVal && d.MinNodes != slurmproto.NoVal && d.MaxNodes < d.MinNodes:
		return &submitError{code: rcInvalidNodeCount}
	case d.MaxNodes != slurmproto.NoVal && d.MaxNodes != 0 && d.MinNodes != slurmproto.NoVal && d.MaxNodes > d.MinNodes:
		// A job gets exactly its node count in core: taking the
		// minimum of -N min-max silently would change the job.
		return unsupported("node count ranges (-N min-max)")
	case d.Overcommit != slurmproto.NoVal8 && d.Overcommit != 0:
		return unsupported("--overcommit")
	case d.CronEntry != nil:
		return unsupported("scrontab jobs")
	case d.ReqSwitch != slurmproto.NoVal && d.ReqSwitch != 0:
		return unsupported("--switches")
	case d.PowerFlags != 0:
		return unsupported("--power")
	}
	return nil
}

func contains(list []uint16, v uint16) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// stdinPath maps sbatch's default input, /dev/null, to the spec's "none".
func stdinPath(p string) string {
	if p == "/dev/null" {
		return ""
	}
	return p
}

// allocNode is where a job was submitted from (Slurm's alloc_node): the
// host of the credential's origin, or of the connection's peer when the
// authenticator does not say, by name; failing that the SLURM_SUBMIT_HOST
// the client put in the job's environment.
func (s *Server) allocNode(r *request, env []string) string {
	ip := r.id.Origin
	if !ip.IsValid() {
		ip, _ = netip.ParseAddr(peerHost(r.peer))
	}
	if n := s.hosts.name(ip); n != "" {
		return n
	}
	return submitHost(env)
}
