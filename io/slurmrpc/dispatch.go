package slurmrpc

import (
	"context"
	"errors"
	"strings"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// request is one decoded, authenticated request.
type request struct {
	ctx  context.Context
	env  *slurmproto.Envelope
	body slurmproto.Body
	id   Identity
	peer string
}

// reply is what a handler answers. after, if set, runs once the reply was
// written (shutdown must not cut its own answer).
type reply struct {
	msgType slurmproto.MsgType
	body    slurmproto.Body
	after   func()
}

func rcReply(code uint32) reply {
	return reply{msgType: slurmproto.ResponseSlurmRC, body: &slurmproto.ReturnCode{ReturnCode: code}}
}

type handler func(s *Server, r *request) reply

// handlers maps the request types FLURM implements. standbyOK marks those a
// controller that is not the leader still answers itself, as a Slurm
// backup in standby does.
var handlers map[slurmproto.MsgType]handler

var standbyOK = map[slurmproto.MsgType]bool{
	slurmproto.RequestPing:          true,
	slurmproto.RequestControlStatus: true,
	slurmproto.RequestShutdown:      true,
}

func init() {
	handlers = map[slurmproto.MsgType]handler{
		slurmproto.RequestPing:            handlePing,
		slurmproto.RequestFedInfo:         handleFedInfo,
		slurmproto.RequestControlStatus:   handleControlStatus,
		slurmproto.RequestBuildInfo:       handleBuildInfo,
		slurmproto.RequestStatsInfo:       handleStats,
		slurmproto.RequestShutdown:        handleShutdown,
		slurmproto.RequestReconfigure:     handleReconfigure,
		slurmproto.RequestJobInfo:         handleJobInfo,
		slurmproto.RequestJobUserInfo:     handleJobUserInfo,
		slurmproto.RequestJobInfoSingle:   handleJobInfoSingle,
		slurmproto.RequestNodeInfo:        handleNodeInfo,
		slurmproto.RequestNodeInfoSingle:  handleNodeInfoSingle,
		slurmproto.RequestPartitionInfo:   handlePartitionInfo,
		slurmproto.RequestSubmitBatchJob:  handleSubmit,
		slurmproto.RequestKillJob:         handleKillJob,
		slurmproto.RequestUpdateJob:       handleUpdateJob,
		slurmproto.RequestJobRequeue:      handleRequeue,
		slurmproto.RequestUpdateNode:      handleUpdateNode,
		slurmproto.RequestJobReady:        handleJobReady,
		slurmproto.RequestReservationInfo: handleReservationInfo,
		slurmproto.RequestLicenseInfo:     handleLicenseInfo,
		slurmproto.RequestJobStepInfo:     handleJobStepInfo,

		slurmproto.RequestResourceAllocation:    handleResourceAllocation,
		slurmproto.RequestJobAllocationInfo:     handleJobAllocationInfo,
		slurmproto.RequestHetJobAllocInfo:       handleHetJobAllocInfo,
		slurmproto.RequestJobStepCreate:         handleStepCreate,
		slurmproto.RequestStepComplete:          handleStepComplete,
		slurmproto.RequestCompleteJobAllocation: handleCompleteAllocation,
		slurmproto.RequestCancelJobStep:         handleCancelStep,
	}
}

// ctldRPCs lists the message types slurmctld 22.05 has a handler for
// (proc_req.c slurmctld_rpcs). A type that decodes but is not on it gets
// EINVAL, as slurmctld_req answers; one on it that FLURM does not
// implement gets ESLURM_NOT_SUPPORTED.
var ctldRPCs = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range strings.Fields(`REQUEST_RESOURCE_ALLOCATION REQUEST_HET_JOB_ALLOCATION
		REQUEST_BUILD_INFO REQUEST_JOB_INFO REQUEST_JOB_USER_INFO REQUEST_JOB_INFO_SINGLE
		REQUEST_BATCH_SCRIPT REQUEST_SHARE_INFO REQUEST_PRIORITY_FACTORS REQUEST_JOB_END_TIME
		REQUEST_FED_INFO REQUEST_FRONT_END_INFO REQUEST_NODE_INFO REQUEST_NODE_INFO_SINGLE
		REQUEST_PARTITION_INFO MESSAGE_EPILOG_COMPLETE REQUEST_CANCEL_JOB_STEP
		REQUEST_COMPLETE_JOB_ALLOCATION REQUEST_COMPLETE_PROLOG REQUEST_COMPLETE_BATCH_SCRIPT
		REQUEST_JOB_STEP_CREATE REQUEST_JOB_STEP_INFO REQUEST_JOB_WILL_RUN REQUEST_SIB_JOB_LOCK
		REQUEST_SIB_JOB_UNLOCK REQUEST_CTLD_MULT_MSG MESSAGE_NODE_REGISTRATION_STATUS
		REQUEST_JOB_ALLOCATION_INFO REQUEST_HET_JOB_ALLOC_INFO REQUEST_JOB_SBCAST_CRED
		REQUEST_PING REQUEST_RECONFIGURE REQUEST_CONTROL REQUEST_TAKEOVER REQUEST_SHUTDOWN
		REQUEST_SUBMIT_BATCH_JOB REQUEST_SUBMIT_BATCH_HET_JOB REQUEST_UPDATE_FRONT_END
		REQUEST_UPDATE_JOB REQUEST_CREATE_NODE REQUEST_UPDATE_NODE REQUEST_DELETE_NODE
		REQUEST_CREATE_PARTITION REQUEST_UPDATE_PARTITION REQUEST_DELETE_PARTITION
		REQUEST_CREATE_RESERVATION REQUEST_UPDATE_RESERVATION REQUEST_DELETE_RESERVATION
		REQUEST_RESERVATION_INFO REQUEST_NODE_REGISTRATION_STATUS REQUEST_SUSPEND REQUEST_TOP_JOB
		REQUEST_AUTH_TOKEN REQUEST_JOB_REQUEUE REQUEST_JOB_READY REQUEST_BURST_BUFFER_INFO
		REQUEST_STEP_COMPLETE REQUEST_STEP_LAYOUT REQUEST_UPDATE_JOB_STEP REQUEST_CONFIG
		REQUEST_TRIGGER_SET REQUEST_TRIGGER_GET REQUEST_TRIGGER_CLEAR REQUEST_TRIGGER_PULL
		REQUEST_JOB_NOTIFY REQUEST_SET_DEBUG_FLAGS REQUEST_SET_DEBUG_LEVEL
		REQUEST_SET_SCHEDLOG_LEVEL ACCOUNTING_UPDATE_MSG ACCOUNTING_FIRST_REG
		ACCOUNTING_REGISTER_CTLD REQUEST_TOPO_INFO REQUEST_REBOOT_NODES REQUEST_STATS_INFO
		REQUEST_LICENSE_INFO REQUEST_KILL_JOB REQUEST_ASSOC_MGR_INFO REQUEST_PERSIST_INIT
		REQUEST_SET_FS_DAMPENING_FACTOR REQUEST_CONTROL_STATUS REQUEST_BURST_BUFFER_STATUS
		REQUEST_CRONTAB REQUEST_UPDATE_CRONTAB`) {
		m[name] = true
	}
	return m
}()

// dispatch answers one request.
func (s *Server) dispatch(r *request) reply {
	t := r.env.Header.MsgType
	h, ok := handlers[t]
	if !ok {
		if ctldRPCs[t.String()] {
			return rcReply(rcNotSupported)
		}
		return rcReply(slurmproto.RCEInval)
	}
	if !standbyOK[t] && !s.isLeader() {
		return rcReply(slurmproto.RCInStandbyMode)
	}
	return h(s, r)
}

func (s *Server) isLeader() bool {
	leader := false
	s.Backend.Read(func(v View) { leader = v.Leader })
	return leader
}

// Return codes this package uses beyond slurmproto's list (slurm_errno.h
// at 22.05.8).
const (
	rcNotSupported     uint32 = 2036 // ESLURM_NOT_SUPPORTED
	rcInvalidNodeState uint32 = 2028 // ESLURM_INVALID_NODE_STATE
	rcInvalidNice      uint32 = 2123 // ESLURM_INVALID_NICE
	rcInvalidNodeCount uint32 = 2006 // ESLURM_INVALID_NODE_COUNT
	rcPathnameTooLong  uint32 = 2012 // ESLURM_PATHNAME_TOO_LONG
	rcEnvMissing       uint32 = 2127 // ESLURM_ENVIRONMENT_MISSING
)

// errorCode turns a core rejection into the Slurm return code a client
// expects. Core uses Slurm's numbers; only its FLURM-internal code and
// SLURM_ERROR (-1) need translating to the wire's unsigned form.
func errorCode(e *state.Error) uint32 {
	switch {
	case e == nil:
		return slurmproto.RCSuccess
	case e.Code == state.ErrStale || e.Code == state.ErrGeneric || e.Code <= 0:
		return slurmproto.RCError
	}
	return uint32(e.Code)
}

// do runs op through the backend and turns the outcome into a return code.
func (s *Server) do(r *request, op msg.Op) (msg.ClientReply, uint32) {
	rep, err := s.Backend.Do(r.ctx, r.id.UID, op)
	switch {
	case errors.Is(err, ErrNotLeader):
		return rep, slurmproto.RCInStandbyMode
	case err != nil:
		s.Logger.Warn("slurmrpc: operation outcome unknown", "op", opName(op), "uid", r.id.UID, "err", err)
		// Whether the change happened is unknown. Not EAGAIN: sbatch
		// would resubmit and might create the job twice.
		return rep, slurmproto.RCError
	case rep.Err != nil:
		return rep, errorCode(rep.Err)
	}
	return rep, slurmproto.RCSuccess
}

func opName(op msg.Op) string {
	switch op.(type) {
	case msg.OpSubmit:
		return "submit"
	case msg.OpCancel:
		return "cancel"
	case msg.OpUpdate:
		return "update"
	case msg.OpRequeue:
		return "requeue"
	case msg.OpNodeAdmin:
		return "node-admin"
	case msg.OpStepCreate:
		return "step-create"
	case msg.OpStepEnd:
		return "step-end"
	case msg.OpCompleteAllocation:
		return "complete-allocation"
	case msg.OpSignal:
		return "signal"
	}
	return "unknown"
}

// isOperator reports whether uid may act as an administrator: root or
// SlurmUser (validate_super_user without accounting).
func isOperator(v View, uid uint32) bool {
	return uid == 0 || (v.State != nil && uid == v.State.Options().SlurmUID)
}
