package slurmrpc

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Job operations: REQUEST_KILL_JOB, REQUEST_UPDATE_JOB, REQUEST_JOB_REQUEUE.

const sigKill = 9

// parseJobID accepts the plain decimal job ids FLURM has (no array or
// het-job suffixes: those name jobs that cannot exist here).
func parseJobID(s string) (state.JobID, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v == 0 {
		return 0, false
	}
	return state.JobID(v), true
}

// requestJobID picks the job a request names: the text id when present,
// else the numeric one.
func requestJobID(text slurmproto.Str, num uint32) (state.JobID, bool) {
	if s, ok := text.Get(); ok {
		return parseJobID(s)
	}
	if num == slurmproto.NoVal || num == 0 {
		return 0, false
	}
	return state.JobID(num), true
}

// jobAccess looks a job up for uid: the return code slurmctld gives when
// the job is unknown or belongs to someone else, and the job's state.
func (s *Server) jobAccess(id state.JobID, uid uint32) (code uint32, st state.JobState, spec state.JobSpec) {
	s.Backend.Read(func(v View) {
		j := v.State.Job(id)
		switch {
		case j == nil:
			code = slurmproto.RCInvalidJobID
		case j.Spec.UID != uid && !isOperator(v, uid):
			code = slurmproto.RCAccessDenied
		default:
			st, spec = j.State, j.Spec
		}
	})
	return code, st, spec
}

// handleKillJob is scancel. SIGKILL cancels the job (job_signal). Another
// signal cannot reach a pending job (ESLURM_TRANSITION_STATE_NO_UPDATE, as
// in Slurm); to a running job it goes to the batch script's processes
// (msg.OpSignal: the node agents deliver it) and to the job's srun steps
// (REQUEST_SIGNAL_TASKS to their node daemons), as Slurm does: by default
// only to the steps, with KILL_JOB_BATCH (scancel -b) only to the batch
// script, with KILL_FULL_JOB (--full) to both.
func handleKillJob(s *Server, r *request) reply {
	req := r.body.(*slurmproto.KillJobRequest)
	id, whole, code := s.killTarget(req)
	if code != 0 {
		return rcReply(code)
	}
	if req.StepID.StepID != slurmproto.NoVal {
		return rcReply(rcNotSupported) // a step named in a kill-job request
	}
	if req.Signal != sigKill {
		return s.signalJob(r, id, req)
	}
	if req.Flags&(slurmproto.KillStepsOnly|slurmproto.KillJobBatch) != 0 {
		return rcReply(rcNotSupported) // SIGKILL to parts of a job only
	}
	_, code = s.do(r, msg.OpCancel{ID: id, Array: whole})
	if code == slurmproto.RCSuccess {
		s.notifyJobComplete(uint32(id))
	}
	return rcReply(code)
}

// signalJob delivers a signal other than SIGKILL to a running job.
func (s *Server) signalJob(r *request, id state.JobID, req *slurmproto.KillJobRequest) reply {
	code, st, _ := s.jobAccess(id, r.id.UID)
	switch {
	case code != 0:
		return rcReply(code)
	case st.Terminal():
		return rcReply(slurmproto.RCAlreadyDone)
	case st == state.JobPending:
		return rcReply(slurmproto.RCTransitionStateNoUpdate)
	case req.Signal == 0 || int(req.Signal) > msg.MaxSignal:
		return rcReply(slurmproto.RCEInval)
	}
	if req.Flags&(slurmproto.KillJobBatch|slurmproto.KillFullJob) != 0 {
		if _, code := s.do(r, msg.OpSignal{Job: id, Signal: int(req.Signal)}); code != slurmproto.RCSuccess {
			return rcReply(code)
		}
	}
	if req.Flags&slurmproto.KillJobBatch == 0 {
		type stepNodes struct {
			id    uint32
			nodes []nodeEndpoint
		}
		var steps []stepNodes
		s.Backend.Read(func(v View) {
			if j := v.State.Job(id); j != nil {
				for i := range j.Steps {
					steps = append(steps, stepNodes{j.Steps[i].ID, stepEndpoints(v, &j.Steps[i])})
				}
			}
		})
		for _, st := range steps {
			s.signalTasks(uint32(id), st.id, req.Signal, st.nodes)
		}
	}
	return rcReply(slurmproto.RCSuccess)
}

// killTarget resolves the job a kill names, as job_str_signal reads
// sjob_id: "N" and "N_*" name job N and, when N is an array's id, the
// whole array (whole is then true); "N_T" names task T of array N alone.
// A task list "N_[...]" is refused as not supported.
func (s *Server) killTarget(req *slurmproto.KillJobRequest) (id state.JobID, whole bool, code uint32) {
	text, set := req.SJobID.Get()
	if !set {
		id, ok := requestJobID(req.SJobID, req.StepID.JobID)
		if !ok {
			return 0, false, slurmproto.RCInvalidJobID
		}
		return id, true, 0
	}
	jobText, taskText, hasTask := strings.Cut(text, "_")
	id, ok := parseJobID(jobText)
	if !ok {
		return 0, false, slurmproto.RCInvalidJobID
	}
	switch {
	case !hasTask || taskText == "*":
		return id, true, 0
	case strings.HasPrefix(taskText, "["):
		return 0, false, rcNotSupported
	}
	task, err := strconv.ParseUint(taskText, 10, 32)
	if err != nil {
		return 0, false, slurmproto.RCInvalidJobID
	}
	var target state.JobID
	s.Backend.Read(func(v View) {
		if j := v.State.ArrayTask(id, uint32(task)); j != nil {
			target = j.ID
		}
	})
	if target == 0 {
		return 0, false, slurmproto.RCInvalidJobID
	}
	return target, false, 0
}

// blankJobDesc is a job description as slurm_init_job_desc_msg leaves it:
// what scontrol sends for every field it was not asked to change.
func blankJobDesc() slurmproto.JobDesc {
	return slurmproto.JobDesc{
		AllocSID: slurmproto.NoVal, Contiguous: slurmproto.NoVal16, CoreSpec: slurmproto.NoVal16,
		CoresPerSocket: slurmproto.NoVal16, CPUBindType: slurmproto.NoVal16,
		CPUFreqMin: slurmproto.NoVal, CPUFreqMax: slurmproto.NoVal, CPUFreqGov: slurmproto.NoVal,
		CPUsPerTask: slurmproto.NoVal16, DelayBoot: slurmproto.NoVal, GroupID: slurmproto.NoVal,
		JobID: slurmproto.NoVal, KillOnNodeFail: slurmproto.NoVal16, MaxCPUs: slurmproto.NoVal,
		MaxNodes: slurmproto.NoVal, MemBindType: slurmproto.NoVal16, MailType: slurmproto.NoVal16,
		MinCPUs: slurmproto.NoVal, MinNodes: slurmproto.NoVal, Nice: slurmproto.NoVal,
		NTasksPerCore: slurmproto.NoVal16, NTasksPerTRES: slurmproto.NoVal16,
		NTasksPerNode: slurmproto.NoVal16, NTasksPerSocket: slurmproto.NoVal16,
		NumTasks: slurmproto.NoVal, Overcommit: slurmproto.NoVal8, PlaneSize: slurmproto.NoVal16,
		PnMinCPUs: slurmproto.NoVal16, PnMinMemory: slurmproto.NoVal64, PnMinTmpDisk: slurmproto.NoVal,
		Priority: slurmproto.NoVal, Reboot: slurmproto.NoVal16, Requeue: slurmproto.NoVal16,
		ReqSwitch: slurmproto.NoVal, Shared: slurmproto.NoVal16, SiteFactor: slurmproto.NoVal,
		SocketsPerNode: slurmproto.NoVal16, TaskDist: slurmproto.NoVal,
		ThreadsPerCore: slurmproto.NoVal16, TimeLimit: slurmproto.NoVal, TimeMin: slurmproto.NoVal,
		UserID: slurmproto.NoVal, WaitAllNodes: slurmproto.NoVal16, Wait4Switch: slurmproto.NoVal,
	}
}

// handleUpdateJob is scontrol update job / hold / release. The fields
// core can change become one OpUpdate; a request touching anything else is
// refused whole, so nothing is half-applied.
func handleUpdateJob(s *Server, r *request) reply {
	d := *r.body.(*slurmproto.JobDesc)
	id, ok := requestJobID(d.JobIDStr, d.JobID)
	if !ok {
		return rcReply(slurmproto.RCInvalidJobID)
	}
	op := msg.OpUpdate{ID: id}
	rest := d // what is left once the supported fields are taken out
	blank := blankJobDesc()
	rest.JobID, rest.JobIDStr = blank.JobID, blank.JobIDStr
	// Not requests: the client's identity, set by the API, and the
	// USE_DEFAULT_* bits it adds for NULL strings.
	rest.UserID, rest.GroupID, rest.BitFlags, rest.SelectPluginID = blank.UserID, blank.GroupID, 0, 0

	if d.TimeLimit != slurmproto.NoVal {
		var limit int64 // INFINITE: as long as the partition allows
		if d.TimeLimit != slurmproto.Infinite {
			limit = int64(d.TimeLimit) * 60
		}
		if d.TimeLimit == 0 {
			return rcReply(slurmproto.RCInvalidTimeLimit)
		}
		op.TimeLimit = &limit
		rest.TimeLimit = blank.TimeLimit
	}
	switch d.Priority {
	case slurmproto.NoVal:
	case 0: // hold; alloc_sid tells uhold (ALLOC_SID_USER_HOLD) from hold
		hold := true
		op.Hold = &hold
		rest.Priority, rest.AllocSID = blank.Priority, blank.AllocSID
	case slurmproto.Infinite: // release
		hold := false
		op.Hold = &hold
		rest.Priority = blank.Priority
	default:
		p := d.Priority
		op.Priority = &p
		rest.Priority = blank.Priority
	}
	if d.Nice != slurmproto.NoVal {
		n := int(int64(d.Nice) - int64(slurmproto.NiceOffset))
		op.Nice = &n
		rest.Nice = blank.Nice
	}
	if name, set := d.Name.Get(); set {
		op.Name = &name
		rest.Name = blank.Name
	}
	if part, set := d.Partition.Get(); set {
		op.Partition = &part
		rest.Partition = blank.Partition
	}
	if d.MinNodes != slurmproto.NoVal {
		if d.MinNodes == 0 || d.MinNodes == slurmproto.Infinite || d.MinNodes > state.MaxNodesPerJob ||
			(d.MaxNodes != slurmproto.NoVal && d.MaxNodes < d.MinNodes) {
			return rcReply(rcInvalidNodeCount)
		}
		n := int(d.MinNodes)
		op.NumNodes = &n
		rest.MinNodes, rest.MaxNodes = blank.MinNodes, blank.MaxNodes
	}
	for _, l := range []struct {
		in  slurmproto.Str
		out **[]int
		cut *slurmproto.Str
	}{{d.ReqNodes, &op.ReqNodes, &rest.ReqNodes}, {d.ExcNodes, &op.ExcNodes, &rest.ExcNodes}} {
		expr, set := l.in.Get()
		if !set {
			continue
		}
		var nodes []int
		var serr *submitError
		s.Backend.Read(func(v View) { nodes, serr = resolveNodes(v.State, expr) })
		if serr != nil {
			return serr.reply()
		}
		*l.out, *l.cut = &nodes, slurmproto.Str{} // "" clears the list
	}
	if !reflect.DeepEqual(rest, blank) {
		return rcReply(rcNotSupported)
	}
	_, code := s.do(r, op)
	if code == slurmproto.RCAccessDenied {
		// update_job_str answers a non-owner ESLURM_USER_ID_MISSING
		// ("Invalid user id"), unlike scancel and requeue.
		code = slurmproto.RCUserIDMissing
	}
	return rcReply(code)
}

// Requeue flags (slurm.h job state flags reused by REQUEST_JOB_REQUEUE).
const (
	requeueHold        uint32 = 1 << 11 // JOB_REQUEUE_HOLD
	requeueSpecialExit uint32 = 1 << 12 // JOB_SPECIAL_EXIT
)

// handleRequeue is scontrol requeue / requeuehold. A running job goes
// back to pending; a pending one gets ESLURM_JOB_PENDING and a job with
// --no-requeue ESLURM_DISABLED, as in _job_requeue_op. Requeueing finished
// jobs, which Slurm allows, core does not.
func handleRequeue(s *Server, r *request) reply {
	req := r.body.(*slurmproto.RequeueRequest)
	id, ok := requestJobID(req.JobIDStr, req.JobID)
	if !ok {
		return rcReply(slurmproto.RCInvalidJobID)
	}
	if req.Flags&requeueSpecialExit != 0 {
		return rcReply(rcNotSupported)
	}
	code, st, spec := s.jobAccess(id, r.id.UID)
	switch {
	case code != 0:
		return rcReply(code)
	case st == state.JobPending:
		return rcReply(slurmproto.RCJobPending)
	case st.Terminal():
		return rcReply(rcNotSupported)
	case !spec.Requeue:
		return rcReply(slurmproto.RCDisabled)
	}
	if _, code = s.do(r, msg.OpRequeue{ID: id}); code != slurmproto.RCSuccess {
		return rcReply(code)
	}
	if req.Flags&requeueHold != 0 {
		hold := true
		_, code = s.do(r, msg.OpUpdate{ID: id, Hold: &hold})
	}
	return rcReply(code)
}
