package slurmrpc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// fakeSigner signs job credentials with a digest of the payload and keeps
// the payloads it signed.
type fakeSigner struct {
	mu       sync.Mutex
	payloads [][]byte
}

func (f *fakeSigner) Sign(_ context.Context, p []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.payloads = append(f.payloads, bytes.Clone(p))
	d := sha256.Sum256(p)
	return "MUNGE:" + hex.EncodeToString(d[:]) + ":", nil
}

// fakePeer is an srun or node daemon port: it checks each message's
// credential, records it and answers rc 0.
type fakePeer struct {
	ln  net.Listener
	got chan peerMsg
}

type peerMsg struct {
	typ  slurmproto.MsgType
	body slurmproto.Body
}

func startPeer(t *testing.T, h *harness) *fakePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePeer{ln: ln, got: make(chan peerMsg, 16)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				f, err := slurmproto.ReadFrame(c, 0)
				if err != nil {
					return
				}
				env, err := slurmproto.DecodeEnvelope(f)
				if err != nil {
					return
				}
				if _, err := h.auth.check(env.Auth, env.Header.MsgType, env.Body); err != nil {
					return // a message without a valid credential is not recorded
				}
				b, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
				if err != nil {
					return
				}
				p.got <- peerMsg{env.Header.MsgType, b}
				body, _ := slurmproto.EncodeBody(slurmproto.ResponseSlurmRC, &slurmproto.ReturnCode{})
				out, _ := slurmproto.AppendFrame(nil, slurmproto.ReplyHeader(env.Header, slurmproto.ResponseSlurmRC),
					h.auth.credential(0, 0, slurmproto.ResponseSlurmRC, body), body)
				_, _ = c.Write(out)
			}()
		}
	}()
	return p
}

func (p *fakePeer) port() uint16 { return uint16(p.ln.Addr().(*net.TCPAddr).Port) }

func (p *fakePeer) next(t *testing.T) peerMsg {
	t.Helper()
	select {
	case m := <-p.got:
		return m
	case <-time.After(3 * time.Second):
		t.Fatal("no message arrived")
		return peerMsg{}
	}
}

// pointNodesAt makes every node's daemon address the given local port.
func (h *harness) pointNodesAt(port uint16) {
	h.be.mu.Lock()
	defer h.be.mu.Unlock()
	for i := range h.be.conf.Nodes {
		h.be.conf.Nodes[i].Addr, h.be.conf.Nodes[i].Port = "127.0.0.1", int(port)
	}
}

func decodeCapturedBody(t *testing.T, name string, typ slurmproto.MsgType) slurmproto.Body {
	t.Helper()
	b, err := slurmproto.DecodeBody(typ, captured(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSrunAsCaptured replays `srun -N1 hostname` (job 15 after the
// captured sbatch's 14): allocation, job ready, step create, step
// complete, allocation complete, comparing each reply with slurmctld's.
func TestSrunAsCaptured(t *testing.T) {
	signer := &fakeSigner{}
	h := startServer(t, func(s *Server) { s.Signer = signer })
	h.be.setAutoStart(true)
	submitCaptured(t, h) // job 14, held
	typ, body := h.callBody(0, slurmproto.RequestResourceAllocation, capturedAllocDesc(t))
	if typ != slurmproto.ResponseResourceAllocation {
		t.Fatalf("allocation reply %v %+v", typ, body)
	}
	alloc := body.(*slurmproto.AllocationResponse)
	want := decodeCapturedBody(t, "srun.1.4002", slurmproto.ResponseResourceAllocation).(*slurmproto.AllocationResponse)
	compareFields(t, "allocation", *alloc, *want, map[string]string{
		"NodeAddrs": "FLURM sends the nodes' slurm.conf addresses; slurmctld only to other clusters"})
	if len(alloc.NodeAddrs) != 1 || alloc.NodeAddrs[0].Port != 17001 || alloc.NodeAddrs[0].IPv4 != [4]byte{127, 0, 0, 1} {
		t.Errorf("node addresses %+v, want 127.0.0.1:17001", alloc.NodeAddrs)
	}
	j := h.be.job(15)
	if j == nil || j.Spec.Script != "" || j.Spec.Name != "hostname" || j.Spec.SubmitHost == "" || j.State != state.JobRunning {
		t.Fatalf("allocation job %+v", j)
	}

	typ, body = h.call(0, 0, slurmproto.RequestJobReady, captured(t, "srun.2.4019"))
	if typ != slurmproto.ResponseJobReady || !bytes.Equal(mustEncode(t, typ, body), captured(t, "srun.3.4020")) {
		t.Errorf("job ready %v %+v", typ, body)
	}

	typ, body = h.call(0, 0, slurmproto.RequestJobStepCreate, captured(t, "srun.4.5001"))
	if typ != slurmproto.ResponseJobStepCreate {
		t.Fatalf("step create reply %v %+v", typ, body)
	}
	step := body.(*slurmproto.JobStepCreateResponse)
	wantStep := decodeCapturedBody(t, "srun.5.5002", slurmproto.ResponseJobStepCreate).(*slurmproto.JobStepCreateResponse)
	compareFields(t, "step", *step, *wantStep, map[string]string{"Credential": "compared below"})
	compareFields(t, "credential", step.Credential.Fields, wantStep.Credential.Fields, map[string]string{
		"CTime":  "the time it was made",
		"PwName": "this host's passwd", "PwGecos": "this host's passwd", "PwDir": "this host's passwd", "PwShell": "this host's passwd",
		"GIDs":      "this host's groups",
		"JobNTasks": "slurmctld sends 0 for a job whose task count was not given; FLURM one per node",
	})
	if step.Credential.Fields.PwName.String() != "root" || len(step.Credential.Fields.GIDs) == 0 || step.Credential.Fields.GIDs[0] != 0 {
		t.Errorf("credential user %q gids %v", step.Credential.Fields.PwName, step.Credential.Fields.GIDs)
	}
	signed, err := step.Credential.SignedBytes()
	if err != nil {
		t.Fatal(err)
	}
	sig := step.Credential.Signature
	if len(signer.payloads) != 1 || !bytes.Equal(signer.payloads[0], signed) || sig[len(sig)-1] != 0 ||
		!strings.HasPrefix(string(sig), "MUNGE:") {
		t.Errorf("signature %q does not sign the credential's fields", sig)
	}
	if st := h.be.job(15).FindStep(0); st == nil || st.SrunHost != "vm" || st.SrunPID != 24101 || st.Name != "hostname" {
		t.Fatalf("step record %+v", st)
	}

	// A step completion from a user is refused; from root it ends the step.
	if rc := h.rc(h.call(1000, 1000, slurmproto.RequestStepComplete, captured(t, "srun.12.5016"))); rc != slurmproto.RCUserIDMissing {
		t.Errorf("forged step complete: rc %d", rc)
	}
	if rc := h.rc(h.call(0, 0, slurmproto.RequestStepComplete, captured(t, "srun.12.5016"))); rc != 0 {
		t.Errorf("step complete: rc %d", rc)
	}
	if len(h.be.job(15).Steps) != 0 {
		t.Error("step still running after its only node reported")
	}
	if rc := h.rc(h.call(0, 0, slurmproto.RequestCompleteJobAllocation, captured(t, "srun.14.5017"))); rc != 0 {
		t.Errorf("complete allocation: rc %d", rc)
	}
	if j := h.be.job(15); j.State != state.JobCompleted {
		t.Errorf("job 15 %v after its allocation completed", j.State)
	}
}

func mustEncode(t *testing.T, typ slurmproto.MsgType, b slurmproto.Body) []byte {
	t.Helper()
	raw, err := slurmproto.EncodeBody(typ, b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func stepRequest(t *testing.T, job uint32, edit func(*slurmproto.JobStepCreateRequest)) *slurmproto.JobStepCreateRequest {
	t.Helper()
	req := decodeCapturedBody(t, "srun.4.5001", slurmproto.RequestJobStepCreate).(*slurmproto.JobStepCreateRequest)
	req.StepID.JobID, req.NodeList = job, slurmproto.Str{}
	if edit != nil {
		edit(req)
	}
	return req
}

func TestStepLayoutOverNodes(t *testing.T) {
	h := startServer(t, func(s *Server) { s.Signer = &fakeSigner{} })
	h.be.setAutoStart(true)
	d := capturedAllocDesc(t)
	d.MinNodes, d.MaxNodes, d.NumTasks = 2, 2, 4
	job := startAllocation(t, h, d)
	typ, body := h.callBody(0, slurmproto.RequestJobStepCreate, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) {
		r.MinNodes, r.MaxNodes, r.NumTasks, r.CPUCount = 2, 2, 3, 3
	}))
	if typ != slurmproto.ResponseJobStepCreate {
		t.Fatalf("%v %+v", typ, body)
	}
	step := body.(*slurmproto.JobStepCreateResponse)
	l := step.StepLayout.Layout
	if l.NodeList.String() != "n[001-002]" || l.TaskCnt != 3 || !reflect.DeepEqual(l.TaskIDs, [][]uint32{{0, 1}, {2}}) {
		t.Errorf("layout %+v", l)
	}
	f := step.Credential.Fields
	if f.JobNHosts != 2 || f.JobHostList.String() != "n[001-002]" || f.StepHostList.String() != "n[001-002]" ||
		f.TotCoreCnt != 4 || !reflect.DeepEqual(f.CPUGroups, slurmproto.CPUGroups{{CPUs: 2, Reps: 2}}) {
		t.Errorf("credential %+v", f)
	}

	// squeue -s: the step, with its nodes and tasks.
	raw := mustEncode(t, slurmproto.RequestJobStepInfo, &slurmproto.JobStepInfoRequest{
		StepID: slurmproto.StepID{JobID: slurmproto.NoVal, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal}})
	typ, body = h.call(0, 0, slurmproto.RequestJobStepInfo, raw)
	steps := body.(*slurmproto.JobStepInfoResponse).Steps
	if typ != slurmproto.ResponseJobStepInfo || len(steps) != 1 {
		t.Fatalf("step info %v %+v", typ, body)
	}
	s := steps[0]
	if s.StepID.JobID != job || s.StepID.StepID != 0 || s.NumTasks != 3 || s.NumCPUs != 3 || s.Nodes.String() != "n[001-002]" ||
		s.Name.String() != "hostname" || s.SrunHost.String() != "vm" || s.State != 1 || s.TimeLimit != slurmproto.Infinite {
		t.Errorf("step record %+v", s)
	}
}

func TestStepCreateRejects(t *testing.T) {
	h := startServer(t, func(s *Server) { s.Signer = &fakeSigner{} })
	submitCaptured(t, h) // job 14, root's, held
	h.be.setAutoStart(true)
	job := startAllocation(t, h, capturedAllocDesc(t)) // root's, on n001

	cases := []struct {
		name string
		uid  uint32
		req  *slurmproto.JobStepCreateRequest
		code uint32
	}{
		{"pending job", 0, stepRequest(t, 14, nil), uint32(state.ErrJobPendingStep)},
		{"unknown job", 0, stepRequest(t, 99, nil), slurmproto.RCInvalidJobID},
		{"another user's job", 1000, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.UserID = 1000 }), slurmproto.RCAccessDenied},
		{"forged user id", 1000, stepRequest(t, job, nil), slurmproto.RCUserIDMissing},
		{"huge task count", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.NumTasks = 0xfffffff0 }), uint32(state.ErrInvalidTaskCount)},
		{"huge node count", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.MinNodes = 0xfffffff0 }), uint32(state.ErrInvalidNodeCount)},
		{"more CPUs than allocated", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.NumTasks, r.CPUCount = 3, 3 }), uint32(state.ErrTooManyCPUs)},
		{"node outside the job", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.NodeList = slurmproto.S("n005") }), uint32(state.ErrNodeConfigUnavail)},
		{"unknown node", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.NodeList = slurmproto.S("nope1") }), slurmproto.RCInvalidNodeName},
		{"bad node list", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.NodeList = slurmproto.S("n[1-") }), slurmproto.RCInvalidNodeName},
		{"huge node list", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.NodeList = slurmproto.S("n[1-99999999]") }), slurmproto.RCInvalidNodeName},
		{"chosen step id", 0, stepRequest(t, job, func(r *slurmproto.JobStepCreateRequest) { r.StepID.StepID = 3 }), rcNotSupported},
	}
	for _, c := range cases {
		if rc := h.rc(h.callBody2(c.uid, slurmproto.RequestJobStepCreate, c.req)); rc != c.code {
			t.Errorf("%s: rc %d, want %d", c.name, rc, c.code)
		}
	}
	if n := len(h.be.job(state.JobID(job)).Steps); n != 0 {
		t.Errorf("%d steps created by rejected requests", n)
	}

	// Without a signer no step can be handed out.
	h2 := startServer(t, nil)
	h2.be.setAutoStart(true)
	job2 := startAllocation(t, h2, capturedAllocDesc(t))
	if rc := h2.rc(h2.callBody(0, slurmproto.RequestJobStepCreate, stepRequest(t, job2, nil))); rc != rcNotSupported {
		t.Errorf("no signer: rc %d", rc)
	}
}

// callBody2 is callBody with an identity whose uid is also its gid,
// letting the body's user_id differ from it.
func (h *harness) callBody2(uid uint32, t slurmproto.MsgType, body slurmproto.Body) (slurmproto.MsgType, slurmproto.Body) {
	h.t.Helper()
	return h.call(uid, uid, t, mustEncode(h.t, t, body))
}

// TestCancelAndSignalSteps: a step cancel ends the step and sends
// REQUEST_SIGNAL_TASKS to its node; scancel --signal reaches the job's
// processes (msg.OpSignal) and its steps' nodes.
func TestCancelAndSignalSteps(t *testing.T) {
	h := startServer(t, func(s *Server) { s.Signer = &fakeSigner{} })
	h.be.setAutoStart(true)
	slurmd := startPeer(t, h)
	h.pointNodesAt(slurmd.port())
	job := startAllocation(t, h, capturedAllocDesc(t))
	for range 2 {
		if typ, body := h.callBody(0, slurmproto.RequestJobStepCreate, stepRequest(t, job, nil)); typ != slurmproto.ResponseJobStepCreate {
			t.Fatalf("step create %v %+v", typ, body)
		}
	}
	cancel := func(uid uint32, step uint32, sig uint16) uint32 {
		t.Helper()
		return h.rc(h.callBody2(uid, slurmproto.RequestCancelJobStep, &slurmproto.KillJobRequest{
			StepID: slurmproto.StepID{JobID: job, StepID: step, StepHetComp: slurmproto.NoVal}, Signal: sig}))
	}
	if rc := cancel(1000, 0, 9); rc != slurmproto.RCUserIDMissing {
		t.Errorf("cancel of another user's step: rc %d", rc)
	}
	if rc := cancel(0, 7, 9); rc != slurmproto.RCInvalidJobID {
		t.Errorf("cancel of an unknown step: rc %d", rc)
	}
	if rc := cancel(0, 0, 9); rc != 0 {
		t.Fatalf("cancel: rc %d", rc)
	}
	m := slurmd.next(t)
	if sig, ok := m.body.(*slurmproto.SignalTasksRequest); m.typ != slurmproto.RequestSignalTasks || !ok ||
		sig.Signal != 9 || sig.StepID.JobID != job || sig.StepID.StepID != 0 {
		t.Errorf("slurmd got %v %+v", m.typ, m.body)
	}
	if st := h.be.job(state.JobID(job)).Steps; len(st) != 1 || st[0].ID != 1 {
		t.Errorf("steps after cancel %+v", st)
	}
	// A late report from the node for the cancelled step.
	late := mustEncode(t, slurmproto.RequestStepComplete, &slurmproto.StepCompleteRequest{
		StepID: slurmproto.StepID{JobID: job, StepID: 0, StepHetComp: slurmproto.NoVal}})
	if rc := h.rc(h.call(0, 0, slurmproto.RequestStepComplete, late)); rc != slurmproto.RCAlreadyDone {
		t.Errorf("late step complete: rc %d", rc)
	}

	kill := &slurmproto.KillJobRequest{StepID: slurmproto.StepID{JobID: slurmproto.NoVal, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal},
		SJobID: slurmproto.S(strconv.FormatUint(uint64(job), 10)), Signal: 10}
	if rc := h.rc(h.callBody(0, slurmproto.RequestKillJob, kill)); rc != 0 {
		t.Fatalf("scancel --signal: rc %d", rc)
	}
	// As in Slurm, without -b/--full only the steps get the signal.
	if got := h.be.signalsSent(); len(got) != 0 {
		t.Errorf("the batch script was signalled without -b: %+v", got)
	}
	m = slurmd.next(t)
	if sig, ok := m.body.(*slurmproto.SignalTasksRequest); !ok || sig.Signal != 10 || sig.StepID.StepID != 1 {
		t.Errorf("slurmd got %v %+v", m.typ, m.body)
	}
	// --batch: the batch script only (through the node agents).
	kill.Flags = slurmproto.KillJobBatch
	if rc := h.rc(h.callBody(0, slurmproto.RequestKillJob, kill)); rc != 0 {
		t.Fatalf("scancel --signal --batch: rc %d", rc)
	}
	if got := h.be.signalsSent(); len(got) != 1 || got[0].Signal != 10 || uint32(got[0].Job) != job {
		t.Errorf("signals %+v", got)
	}
	kill.Flags = 0
	kill.Signal = 0
	if rc := h.rc(h.callBody(0, slurmproto.RequestKillJob, kill)); rc != slurmproto.RCEInval {
		t.Errorf("signal 0: rc %d", rc)
	}
}

func TestStepInfoShowsBatchStep(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h)
	h.be.apply(t, state.Update{ID: 14, UID: 0, Hold: new(bool)})
	h.be.apply(t, state.Start{Time: capturedSubmit + 5, Term: 1, Allocs: []state.Alloc{{ID: 14, Nodes: []int{2}}}})
	h.be.advance(10 * time.Second)
	raw := mustEncode(t, slurmproto.RequestJobStepInfo, &slurmproto.JobStepInfoRequest{
		StepID: slurmproto.StepID{JobID: 14, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal}})
	typ, body := h.call(0, 0, slurmproto.RequestJobStepInfo, raw)
	steps := body.(*slurmproto.JobStepInfoResponse).Steps
	if typ != slurmproto.ResponseJobStepInfo || len(steps) != 1 {
		t.Fatalf("%v %+v", typ, body)
	}
	if s := steps[0]; s.StepID.StepID != slurmproto.BatchScript || s.Name.String() != "batch" || s.Nodes.String() != "n003" ||
		s.NumTasks != 1 || s.NumCPUs != 1 || s.Partition.String() != "debug" || s.Cluster.String() != "anchor" {
		t.Errorf("batch step %+v", s)
	}
	raw = mustEncode(t, slurmproto.RequestJobStepInfo, &slurmproto.JobStepInfoRequest{
		StepID: slurmproto.StepID{JobID: 99, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal}})
	if rc := h.rc(h.call(0, 0, slurmproto.RequestJobStepInfo, raw)); rc != slurmproto.RCInvalidJobID {
		t.Errorf("unknown job: rc %d", rc)
	}
}
