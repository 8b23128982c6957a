package slurmproto

import (
	"fmt"
	"reflect"
)

// Body is a decoded message body: a pointer to one of the body structs of
// this package (*Empty, *ReturnCode, *JobDesc, *JobInfoResponse...).
type Body any

// bodyTypes maps each supported message type to its body struct. Several
// types share a layout (e.g. JobDesc for 4001/4003/4012/3001).
var bodyTypes = map[MsgType]reflect.Type{}

func register[T any](types ...MsgType) {
	for _, t := range types {
		if _, dup := bodyTypes[t]; dup {
			panic("slurmproto: body registered twice for " + t.String())
		}
		bodyTypes[t] = reflect.TypeFor[T]()
	}
}

func init() {
	register[Empty](RequestNodeRegistrationStatus, RequestReconfigure, RequestPing,
		RequestControl, RequestControlStatus, RequestTakeover, RequestDaemonStatus,
		RequestHealthCheck, RequestAcctGatherUpdate, AccountingFirstReg,
		AccountingRegisterCtld, RequestTopoInfo, RequestBurstBufferInfo,
		RequestFedInfo, SrunPing)
	register[ReturnCode](ResponseSlurmRC, ResponseJobReady, ResponsePrologExecuting)
	register[ReturnCodeMsg](ResponseSlurmRCMsg)
	register[JobInfoRequest](RequestJobInfo)
	register[JobUserInfoRequest](RequestJobUserInfo)
	register[JobIDRequest](RequestJobInfoSingle, RequestJobReady)
	register[NodeInfoRequest](RequestNodeInfo)
	register[NodeInfoSingleRequest](RequestNodeInfoSingle)
	register[PartitionInfoRequest](RequestPartitionInfo)
	register[LastUpdateRequest](RequestBuildInfo, RequestReservationInfo)
	register[JobStepInfoRequest](RequestJobStepInfo)
	register[KillJobRequest](RequestKillJob, RequestCancelJobStep)
	register[StatsInfoRequest](RequestStatsInfo)
	register[ShutdownRequest](RequestShutdown)
	register[JobAllocInfoRequest](RequestJobAllocationInfo, RequestJobEndTime, RequestHetJobAllocInfo)
	register[CompleteJobAllocationRequest](RequestCompleteJobAllocation)
	register[SubmitBatchJobResponse](ResponseSubmitBatchJob)
	register[JobArrayErrorsResponse](ResponseJobArrayErrors)
	register[ControlStatusResponse](ResponseControlStatus)
	register[UpdateNodeRequest](RequestUpdateNode)
	register[SetDebugLevelRequest](RequestSetDebugLevel, RequestSetSchedlogLevel)
	register[SetDebugFlagsRequest](RequestSetDebugFlags)
	register[SuspendRequest](RequestSuspend, RequestTopJob)
	register[RequeueRequest](RequestJobRequeue)
	register[RebootNodesRequest](RequestRebootNodes)
	register[BatchScriptResponse](ResponseBatchScript)
	register[WillRunResponse](ResponseJobWillRun)
	register[FedInfoResponse](ResponseFedInfo)
	register[StepIDMsg](SrunJobComplete, RequestStepLayout, RequestJobStepStat, RequestJobStepPids)
	register[SrunNodeFailMsg](SrunNodeFail)
	register[SrunTimeoutMsg](SrunTimeout)
	register[SrunUserMsgBody](SrunUserMsg)
	register[JobDesc](RequestSubmitBatchJob, RequestResourceAllocation, RequestJobWillRun, RequestUpdateJob)
	register[JobInfoResponse](ResponseJobInfo)
	register[NodeInfoResponse](ResponseNodeInfo)
	register[PartitionInfoResponse](ResponsePartitionInfo)
	register[StatsInfoResponse](ResponseStatsInfo)
	register[BuildInfoResponse](ResponseBuildInfo)
	register[AllocationResponse](ResponseResourceAllocation, ResponseJobAllocationInfo)
	register[HetJobAllocationResponse](ResponseHetJobAllocation)
	registerStepBodies()
	registerInfoBodies()
	registerMoreBodies()
}

// SupportedTypes lists the message types with a body codec, for tests and
// for a server deciding between "unknown" and "not handled".
func SupportedTypes() []MsgType {
	out := make([]MsgType, 0, len(bodyTypes))
	for t := range bodyTypes {
		out = append(out, t)
	}
	return out
}

// NewBody returns a pointer to a zero body for t, or an error wrapping
// ErrUnknownMessageType.
func NewBody(t MsgType) (Body, error) {
	bt, ok := bodyTypes[t]
	if !ok {
		return nil, fmt.Errorf("%w: %v (%d)", ErrUnknownMessageType, t, uint16(t))
	}
	return reflect.New(bt).Interface(), nil
}

// DecodeBody decodes a protocol-38 body of type t. All bytes must be
// consumed (ErrTrailingBytes otherwise).
func DecodeBody(t MsgType, body []byte) (Body, error) {
	if len(body) > MaxMessageSize {
		return nil, fmt.Errorf("%w: body of %d bytes", ErrTooLarge, len(body))
	}
	b, err := NewBody(t)
	if err != nil {
		return nil, err
	}
	v := reflect.ValueOf(b).Elem()
	r := &reader{buf: body, path: []string{v.Type().Name()}}
	decodeValue(r, v, "")
	if r.err != nil {
		return nil, r.err
	}
	if r.remaining() != 0 {
		r.fail(ErrTrailingBytes, "%d bytes left after %v", r.remaining(), t)
		return nil, r.err
	}
	return b, nil
}

// EncodeBody encodes b as the body of a message of type t. b must be a
// pointer to the body struct registered for t.
func EncodeBody(t MsgType, b Body) ([]byte, error) {
	bt, ok := bodyTypes[t]
	if !ok {
		return nil, fmt.Errorf("%w: %v (%d)", ErrUnknownMessageType, t, uint16(t))
	}
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Type() != bt {
		return nil, fmt.Errorf("%w: %v needs *%s, got %T", ErrInvalidValue, t, bt.Name(), b)
	}
	w := &writer{path: []string{bt.Name()}}
	encodeValue(w, v.Elem(), "")
	if w.err != nil {
		return nil, w.err
	}
	if len(w.buf) > MaxMessageSize {
		return nil, fmt.Errorf("%w: body of %d bytes", ErrInvalidValue, len(w.buf))
	}
	return w.buf, nil
}

// Message is a fully decoded message.
type Message struct {
	Header Header
	Auth   Auth
	Body   Body
	// RawBody holds the exact body bytes (what the MUNGE payload hash
	// covers). Set by DecodeMessage; ignored by EncodeMessage.
	RawBody []byte
}

// DecodeMessage decodes a frame (bytes after the length prefix): envelope
// then body. On ErrUnknownMessageType the returned message is non-nil with
// Body nil, so the caller can still authenticate and answer (slurmctld
// replies RESPONSE_SLURM_RC with EINVAL to unknown types).
func DecodeMessage(frame []byte) (*Message, error) {
	env, err := DecodeEnvelope(frame)
	if err != nil {
		return nil, err
	}
	m := &Message{Header: env.Header, Auth: env.Auth, RawBody: env.Body}
	m.Body, err = DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		if _, known := bodyTypes[env.Header.MsgType]; !known {
			return m, err
		}
		return nil, err
	}
	return m, nil
}

// EncodeMessage encodes m.Body and frames it with m.Header and m.Auth,
// returning the bytes to write (length prefix included). A caller that
// needs a body-bound credential encodes in two steps instead: EncodeBody,
// make the credential over those bytes, AppendFrame.
func EncodeMessage(m *Message) ([]byte, error) {
	body, err := EncodeBody(m.Header.MsgType, m.Body)
	if err != nil {
		return nil, err
	}
	return AppendFrame(nil, m.Header, m.Auth, body)
}
