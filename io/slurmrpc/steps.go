package slurmrpc

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Job steps: REQUEST_JOB_STEP_CREATE (srun), REQUEST_STEP_COMPLETE (node
// daemons), REQUEST_CANCEL_JOB_STEP (scancel N.M, srun abort) and
// REQUEST_COMPLETE_JOB_ALLOCATION (srun, salloc at their end).

// Step flags of job_step_create_request_msg_t (slurm.h SSF_*).
const ssfInteractive = 1 << 4

// maxNormalStepID is SLURM_MAX_NORMAL_STEP_ID: ids above it name the
// batch, extern and other special steps.
const maxNormalStepID = 0xfffffff0

// maxStepCount caps counts taken from a step request before core's own
// checks, so a huge value is refused rather than truncated to a valid one.
const maxStepCount = state.MaxTasksPerJob + 1

func clampCount(v uint32) int {
	if v == slurmproto.NoVal || v == slurmproto.Infinite {
		return 0
	}
	return int(min(v, maxStepCount))
}

// newRequestID is a random non-zero id for one step creation (see
// msg.OpStepCreate.Request).
func newRequestID() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]); v != 0 {
			return v
		}
	}
}

func handleStepCreate(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobStepCreateRequest)
	if s.Signer == nil {
		return rcReply(rcNotSupported)
	}
	var operator bool
	jobNodes := 0
	s.Backend.Read(func(v View) {
		operator = isOperator(v, r.id.UID)
		if j := v.State.Job(state.JobID(req.StepID.JobID)); j != nil {
			jobNodes = len(j.Nodes)
		}
	})
	switch {
	case req.UserID != r.id.UID && !operator:
		// _slurm_rpc_job_step_create: a step for another uid only from
		// root or SlurmUser.
		return rcReply(slurmproto.RCUserIDMissing)
	case req.StepID.StepID != slurmproto.NoVal || req.Flags&ssfInteractive != 0 ||
		(req.StepHetCompCnt != 0 && req.StepHetCompCnt != slurmproto.NoVal):
		// A chosen step id (het steps, salloc's interactive step).
		return rcReply(rcNotSupported)
	}
	op := msg.OpStepCreate{Job: state.JobID(req.StepID.JobID), Request: newRequestID(), Name: req.Name.String(),
		NumNodes: clampCount(req.MinNodes), Tasks: clampCount(req.NumTasks), CPUs: clampCount(req.CPUCount),
		SrunHost: req.Host.String(), SrunPID: req.SrunPID}
	if list := req.NodeList.String(); list != "" {
		if n, err := hostlist.Count(list); err != nil || n > state.MaxNodesPerJob {
			return rcReply(slurmproto.RCInvalidNodeName)
		}
		names, err := hostlist.Expand(list)
		if err != nil {
			return rcReply(slurmproto.RCInvalidNodeName)
		}
		op.Nodes = names
	}
	if op.Nodes == nil && op.Tasks > 0 && op.NumNodes > op.Tasks && op.NumNodes <= jobNodes {
		op.NumNodes = op.Tasks // srun asks for all nodes by default; fewer tasks use fewer
	}
	if t := req.TimeLimit; t != slurmproto.NoVal && t != slurmproto.Infinite && t != 0 {
		op.TimeLimit = int64(t) * 60
	}
	rep, code := s.do(r, op)
	if code != slurmproto.RCSuccess {
		return rcReply(code)
	}
	var grant stepGrant
	found := false
	var plugin uint32
	s.Backend.Read(func(v View) {
		plugin = selectPluginID(v.Conf)
		if j := v.State.Job(rep.Job); j != nil {
			if st := j.StepByRequest(op.Request); st != nil {
				grant, found = newStepGrant(v, j, st), true
			}
		}
	})
	if !found {
		return rcReply(slurmproto.RCAlreadyDone) // the job ended in between
	}
	cred, err := grant.credential(time.Now())
	if err == nil {
		err = s.sign(r.ctx, cred)
	}
	if err != nil {
		s.Logger.Error("slurmrpc: step credential", "job", grant.job, "step", grant.step, "err", err)
		s.endStep(r, grant.job, grant.step) // srun cannot use the step: do not leave it running
		return rcReply(slurmproto.RCError)
	}
	s.sruns.addStep(grant.job, grant.step, srunContact{host: peerHost(r.peer), otherPort: req.Port})
	return reply{msgType: slurmproto.ResponseJobStepCreate, body: &slurmproto.JobStepCreateResponse{
		JobStepID: grant.step, StepLayout: slurmproto.OptStepLayout{Layout: grant.layout()}, Credential: *cred,
		SelectPluginID: plugin, SwitchPluginID: slurmproto.SwitchPluginNone, UseProtocolVer: slurmproto.ProtocolVersion,
	}}
}

// endStep cancels a step this server created but could not hand out.
func (s *Server) endStep(r *request, job, step uint32) {
	if _, code := s.do(r, msg.OpStepEnd{Job: state.JobID(job), Step: step, All: true}); code != slurmproto.RCSuccess {
		s.Logger.Warn("slurmrpc: could not end unusable step", "job", job, "step", step, "rc", code)
	}
}

// handleStepComplete records that a step's tasks ended on the sending
// node daemon's nodes (range_first..range_last of the step's layout).
// Only root and SlurmUser may send it (slurmctld: ESLURM_USER_ID_MISSING
// otherwise), so a user cannot end another's step by forging reports.
func handleStepComplete(s *Server, r *request) reply {
	req := r.body.(*slurmproto.StepCompleteRequest)
	var operator bool
	s.Backend.Read(func(v View) { operator = isOperator(v, r.id.UID) })
	if !operator {
		s.Logger.Warn("slurmrpc: step complete from a user, refused", "uid", r.id.UID, "job", req.StepID.JobID)
		return rcReply(slurmproto.RCUserIDMissing)
	}
	if req.StepID.StepID > maxNormalStepID {
		// The batch and extern steps are the node agent's to report.
		return rcReply(slurmproto.RCInvalidJobID)
	}
	op := msg.OpStepEnd{Job: state.JobID(req.StepID.JobID), Step: req.StepID.StepID,
		First: clampCount(req.RangeFirst), Last: clampCount(req.RangeLast), ExitCode: int(min(req.StepRC, 1<<31-1))}
	_, code := s.do(r, op)
	if code == slurmproto.RCSuccess {
		gone := false
		s.Backend.Read(func(v View) {
			j := v.State.Job(op.Job)
			gone = j == nil || j.FindStep(op.Step) == nil
		})
		if gone {
			s.sruns.takeStep(req.StepID.JobID, req.StepID.StepID)
		}
	}
	return rcReply(code)
}

// handleCompleteAllocation ends a job whose srun or salloc is finished
// with it. job_rc is a wait status; NO_VAL means the client gave up
// (cancelled). The clients of the job get SRUN_JOB_COMPLETE, as slurmctld
// sends it, once the reply is written: salloc marks its allocation
// relinquished when it has the reply, and says "revoked" for a
// SRUN_JOB_COMPLETE that comes first.
func handleCompleteAllocation(s *Server, r *request) reply {
	req := r.body.(*slurmproto.CompleteJobAllocationRequest)
	op := msg.OpCompleteAllocation{Job: state.JobID(req.JobID)}
	if req.JobRC == slurmproto.NoVal {
		op.Cancel = true
	} else {
		op.ExitCode, op.Signal = int(req.JobRC>>8&0xff), int(req.JobRC&0x7f)
	}
	_, code := s.do(r, op)
	rep := rcReply(code)
	if code == slurmproto.RCSuccess {
		rep.after = func() {
			go func() { // without holding this connection's slot
				t := time.NewTimer(completeNoticeDelay)
				defer t.Stop()
				select {
				case <-t.C:
					s.notifyJobComplete(req.JobID)
				case <-s.quit:
				}
			}()
		}
	}
	return rep
}

// completeNoticeDelay gives the client of a completed allocation time to
// take in the reply before SRUN_JOB_COMPLETE reaches it.
const completeNoticeDelay = 200 * time.Millisecond

// handleCancelStep signals a step (scancel N.M, srun aborting): the step's
// node daemons get REQUEST_SIGNAL_TASKS, as slurmctld's signal_step_tasks
// sends it. SIGKILL also ends the step in the state at once, so it no
// longer shows; its tasks are the node daemons' to kill, and their late
// REQUEST_STEP_COMPLETE finds the step gone.
func handleCancelStep(s *Server, r *request) reply {
	req := r.body.(*slurmproto.KillJobRequest)
	job, step := req.StepID.JobID, req.StepID.StepID
	if job == slurmproto.NoVal || job == 0 {
		return rcReply(slurmproto.RCInvalidJobID)
	}
	if step > maxNormalStepID {
		return rcReply(rcNotSupported) // the batch and extern steps
	}
	var code uint32
	var nodes []nodeEndpoint
	s.Backend.Read(func(v View) {
		j := v.State.Job(state.JobID(job))
		switch {
		case j == nil:
			code = slurmproto.RCInvalidJobID
		case j.Spec.UID != r.id.UID && !isOperator(v, r.id.UID):
			code = slurmproto.RCUserIDMissing // job_step_signal
		case j.State.Terminal():
			code = slurmproto.RCAlreadyDone
		case !j.Running():
			code = slurmproto.RCTransitionStateNoUpdate
		case j.FindStep(step) == nil:
			code = slurmproto.RCInvalidJobID
		default:
			nodes = stepEndpoints(v, j.FindStep(step))
		}
	})
	if code != 0 {
		return rcReply(code)
	}
	if req.Signal == sigKill {
		if _, code := s.do(r, msg.OpStepEnd{Job: state.JobID(job), Step: step, All: true}); code != slurmproto.RCSuccess {
			return rcReply(code)
		}
		if c, ok := s.sruns.takeStep(job, step); ok && c.otherPort != 0 {
			body := &slurmproto.StepIDMsg{StepID: slurmproto.StepID{JobID: job, StepID: step, StepHetComp: slurmproto.NoVal}}
			s.sendAsync(nodeEndpoint{c.host, int(c.otherPort)}.String(), slurmproto.SrunJobComplete, body, false)
		}
	}
	s.signalTasks(job, step, req.Signal, nodes)
	return rcReply(slurmproto.RCSuccess)
}

// stepEndpoints lists the node daemons of a step.
func stepEndpoints(v View, st *state.Step) []nodeEndpoint {
	nodes := v.State.Nodes()
	out := make([]nodeEndpoint, 0, len(st.Nodes))
	for _, n := range st.Nodes {
		out = append(out, nodeEndpointOf(v, &nodes[n]))
	}
	return out
}

// signalTasks sends REQUEST_SIGNAL_TASKS for a step to its node daemons,
// in the background.
func (s *Server) signalTasks(job, step uint32, signal uint16, nodes []nodeEndpoint) {
	body := &slurmproto.SignalTasksRequest{StepID: slurmproto.StepID{JobID: job, StepID: step, StepHetComp: slurmproto.NoVal},
		Signal: signal}
	for _, n := range nodes {
		s.sendAsync(n.String(), slurmproto.RequestSignalTasks, body, true)
	}
}
