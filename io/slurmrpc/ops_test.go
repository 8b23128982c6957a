package slurmrpc

import (
	"slices"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/sched"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// sbatchDesc is the captured sbatch job description, to vary.
func sbatchDesc(t *testing.T) *slurmproto.JobDesc {
	t.Helper()
	b, err := slurmproto.DecodeBody(slurmproto.RequestSubmitBatchJob, captured(t, "sbatch.0.4003"))
	if err != nil {
		t.Fatal(err)
	}
	return b.(*slurmproto.JobDesc)
}

func (h *harness) submit(uid uint32, d *slurmproto.JobDesc) (slurmproto.MsgType, slurmproto.Body) {
	h.t.Helper()
	return h.callBody(uid, slurmproto.RequestSubmitBatchJob, d)
}

func TestSubmitOptions(t *testing.T) {
	h := startServer(t, nil)
	d := sbatchDesc(t)
	d.UserID, d.GroupID = 1000, 1000
	d.Priority = slurmproto.NoVal // not held
	d.Name = slurmproto.S("big")
	d.Partition = slurmproto.S("debug")
	d.MinNodes, d.NumTasks, d.CPUsPerTask, d.PnMinCPUs = 2, 4, 1, 1
	d.PnMinMemory = 300 | memPerCPUBit
	d.TimeLimit = 90
	d.Nice = slurmproto.NiceOffset + 10
	d.Requeue = 0
	d.Shared = 0
	d.StdOut, d.StdErr = slurmproto.S("out-%j"), slurmproto.S("err-%j")
	d.Comment = slurmproto.S("hello")
	d.BeginTime = capturedSubmit + 600
	typ, body := h.submit(1000, d)
	if typ != slurmproto.ResponseSubmitBatchJob {
		t.Fatalf("reply %v %+v", typ, body)
	}
	resp := body.(*slurmproto.SubmitBatchJobResponse)
	if resp.JobID != 14 || resp.StepID != slurmproto.BatchScript || resp.ErrorCode != 0 {
		t.Fatalf("reply %+v", resp)
	}
	got := h.be.job(14).Spec
	want := state.JobSpec{Name: "big", UID: 1000, GID: 1000, User: got.User, Partition: "debug", NumNodes: 2,
		NumTasks: 4, CPUsPerTask: 1, MemPerCPU: 300, TimeLimit: 5400, BeginTime: capturedSubmit + 600, Nice: 10,
		Exclusive: true, WorkDir: "/tmp/tmp.cbfgtZmFz0", StdOut: "out-%j", StdErr: "err-%j", Comment: "hello",
		Script: got.Script, Env: got.Env}
	if got.Script == "" || len(got.Env) != 22 {
		t.Fatalf("script or environment lost: %+v", got)
	}
	if !equalSpec(got, want) {
		t.Errorf("spec\n%+v\nwant\n%+v", got, want)
	}

	// The record shows what was asked for.
	_, rb := h.callBody(1000, slurmproto.RequestJobUserInfo, &slurmproto.JobUserInfoRequest{UserID: 1000, ShowFlags: slurmproto.ShowLocal})
	recs := rb.(*slurmproto.JobInfoResponse).Jobs
	if len(recs) != 1 {
		t.Fatalf("%d records for uid 1000", len(recs))
	}
	r := recs[0]
	if r.TimeLimit != 90 || r.Nice != slurmproto.NiceOffset+10 || r.NumNodes != 2 || r.NumTasks != 4 || r.NumCPUs != 4 ||
		r.PnMinMemory != 300|memPerCPUBit || r.Shared != 0 || r.Requeue != 0 || r.StateReason != reasonBeginTime ||
		r.EligibleTime != slurmproto.Time(capturedSubmit+600) || r.StartTime != r.EligibleTime || r.StdOut.String() != "out-%j" || r.Comment.String() != "hello" ||
		r.TRESReqStr.String() != "cpu=4,mem=1200M,node=2,billing=4" {
		t.Errorf("record %+v", r)
	}
	_, rb = h.callBody(1000, slurmproto.RequestJobUserInfo, &slurmproto.JobUserInfoRequest{UserID: 0})
	if n := len(rb.(*slurmproto.JobInfoResponse).Jobs); n != 0 {
		t.Errorf("%d records for uid 0", n)
	}
}

func equalSpec(a, b state.JobSpec) bool {
	a.Env, b.Env = nil, nil
	return a.Name == b.Name && a.UID == b.UID && a.GID == b.GID && a.Partition == b.Partition &&
		a.NumNodes == b.NumNodes && a.NumTasks == b.NumTasks && a.CPUsPerTask == b.CPUsPerTask &&
		a.MemPerNode == b.MemPerNode && a.MemPerCPU == b.MemPerCPU && a.TimeLimit == b.TimeLimit &&
		a.BeginTime == b.BeginTime && a.Nice == b.Nice && a.Priority == b.Priority && a.Hold == b.Hold &&
		a.Requeue == b.Requeue && a.Exclusive == b.Exclusive && a.WorkDir == b.WorkDir && a.StdOut == b.StdOut &&
		a.StdErr == b.StdErr && a.Comment == b.Comment && a.Script == b.Script &&
		slices.Equal(a.Dependencies, b.Dependencies) && a.DependAny == b.DependAny
}

func TestSubmitRefusals(t *testing.T) {
	h := startServer(t, nil)
	cases := []struct {
		name   string
		uid    uint32
		change func(d *slurmproto.JobDesc)
		code   uint32
		text   string
	}{
		{"array throttle", 0, func(d *slurmproto.JobDesc) { d.ArrayInx = slurmproto.S("1-3%2") }, rcNotSupported, "throttle"},
		{"array malformed", 0, func(d *slurmproto.JobDesc) { d.ArrayInx = slurmproto.S("3-1") }, uint32(state.ErrInvalidArray), ""},
		{"array too large", 0, func(d *slurmproto.JobDesc) { d.ArrayInx = slurmproto.S("0-1001") }, uint32(state.ErrInvalidArray), ""},
		{"malformed dependency", 0, func(d *slurmproto.JobDesc) { d.Dependency = slurmproto.S("afterok:x") }, rcDependency, ""},
		{"empty dependency list", 0, func(d *slurmproto.JobDesc) { d.Dependency = slurmproto.S("?,") }, rcDependency, ""},
		{"singleton", 0, func(d *slurmproto.JobDesc) { d.Dependency = slurmproto.S("singleton") }, rcNotSupported, "--dependency=singleton"},
		{"account", 0, func(d *slurmproto.JobDesc) { d.Account = slurmproto.S("a") }, rcNotSupported, "--account"},
		{"gres", 0, func(d *slurmproto.JobDesc) { d.TRESPerNode = slurmproto.S("gres:gpu:1") }, rcNotSupported, "--gres"},
		{"unknown required node", 0, func(d *slurmproto.JobDesc) { d.ReqNodes = slurmproto.S("n[001-099]") }, rcInvalidNodeName, ""},
		{"unknown excluded node", 0, func(d *slurmproto.JobDesc) { d.ExcNodes = slurmproto.S("x1") }, rcInvalidNodeName, ""},
		{"malformed node list", 0, func(d *slurmproto.JobDesc) { d.ReqNodes = slurmproto.S("n[001") }, rcInvalidNodeName, ""},
		{"node range", 0, func(d *slurmproto.JobDesc) { d.MinNodes, d.MaxNodes = 1, 2 }, rcNotSupported, "-N min-max"},
		{"two partitions", 0, func(d *slurmproto.JobDesc) { d.Partition = slurmproto.S("a,b") }, rcNotSupported, "partition"},
		{"other user", 1000, func(d *slurmproto.JobDesc) { d.UserID = 0 }, slurmproto.RCUserIDMissing, "user_id"},
		{"no script", 0, func(d *slurmproto.JobDesc) { d.Script = slurmproto.Str{} }, slurmproto.RCJobScriptMissing, ""},
		{"no environment", 0, func(d *slurmproto.JobDesc) { d.Environment = nil }, rcEnvMissing, ""},
		{"negative nice", 1000, func(d *slurmproto.JobDesc) { d.UserID, d.GroupID, d.Nice = 1000, 1000, slurmproto.NiceOffset-5 }, rcInvalidNice, ""},
		{"bad partition", 0, func(d *slurmproto.JobDesc) { d.Partition = slurmproto.S("nope") }, slurmproto.RCInvalidPartitionName, ""},
		{"too many nodes", 0, func(d *slurmproto.JobDesc) { d.MinNodes = 17 }, rcInvalidNodeCount, ""},
		{"cpus over the partition", 0, func(d *slurmproto.JobDesc) { d.NumTasks = 33 }, rcTooManyRequestedCPUs, ""},
		{"cpus per node", 0, func(d *slurmproto.JobDesc) { d.CPUsPerTask, d.PnMinCPUs = 3, 3 }, slurmproto.RCRequestedNodeConfigUnavailable, "CPU count per node can not be satisfied"},
		{"memory", 0, func(d *slurmproto.JobDesc) { d.PnMinMemory = 1001 }, slurmproto.RCRequestedNodeConfigUnavailable, "Memory specification can not be satisfied"},
		{"unknown partition", 0, func(d *slurmproto.JobDesc) { d.Partition = slurmproto.S("nope") }, slurmproto.RCInvalidPartitionName, "invalid partition specified: nope"},
		{"too many cpus", 0, func(d *slurmproto.JobDesc) { d.CPUsPerTask = 3 }, slurmproto.RCRequestedNodeConfigUnavailable, ""},
	}
	for _, c := range cases {
		d := sbatchDesc(t)
		c.change(d)
		typ, body := h.submit(c.uid, d)
		if rc := h.rc(typ, body); rc != c.code {
			t.Errorf("%s: rc %d, want %d", c.name, rc, c.code)
			continue
		}
		if c.text != "" {
			m, ok := body.(*slurmproto.ReturnCodeMsg)
			if !ok || !strings.Contains(m.ErrMsg.String(), c.text) {
				t.Errorf("%s: reply %v %+v, want a message naming %q", c.name, typ, body, c.text)
			}
		}
	}
	if n := h.be.numJobs(); n != 0 {
		t.Errorf("%d jobs created by refused submits", n)
	}
	// A user's --priority is dropped, as slurmctld does; root's is kept.
	for _, uid := range []uint32{1000, 0} {
		d := sbatchDesc(t)
		d.UserID, d.GroupID, d.Priority = uid, uid, 5
		typ, body := h.submit(uid, d)
		if typ != slurmproto.ResponseSubmitBatchJob {
			t.Fatalf("uid %d --priority: %v %+v", uid, typ, body)
		}
		j := h.be.job(state.JobID(body.(*slurmproto.SubmitBatchJobResponse).JobID))
		if got, want := j.Spec.Priority, map[uint32]uint32{1000: 0, 0: 5}[uid]; got != want {
			t.Errorf("uid %d --priority 5: spec priority %d, want %d", uid, got, want)
		}
	}
}

// updateDesc is what scontrol sends for `update JobId=N ...`: a blank job
// description with the job id text and the changed fields.
func updateDesc(id string, change func(d *slurmproto.JobDesc)) *slurmproto.JobDesc {
	d := blankJobDesc()
	d.JobIDStr = slurmproto.S(id)
	d.SelectPluginID = slurmproto.SelectPluginConsTRES
	d.BitFlags = slurmproto.JobFlagUseDefaultAcct | slurmproto.JobFlagUseDefaultPart | slurmproto.JobFlagUseDefaultQOS | slurmproto.JobFlagUseDefaultWCKey
	change(&d)
	return &d
}

func TestUpdateJob(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h) // job 14, root, held
	update := func(uid uint32, change func(d *slurmproto.JobDesc)) uint32 {
		t.Helper()
		return h.rc(h.callBody(uid, slurmproto.RequestUpdateJob, updateDesc("14", change)))
	}
	if rc := update(0, func(d *slurmproto.JobDesc) { d.TimeLimit = 10 }); rc != 0 {
		t.Fatalf("TimeLimit: rc %d", rc)
	}
	if rc := update(0, func(d *slurmproto.JobDesc) { d.Name = slurmproto.S("renamed"); d.Nice = slurmproto.NiceOffset + 3 }); rc != 0 {
		t.Fatalf("JobName+Nice: rc %d", rc)
	}
	if rc := update(0, func(d *slurmproto.JobDesc) { d.MinNodes, d.MaxNodes = 2, 2 }); rc != 0 {
		t.Fatalf("NumNodes: rc %d", rc)
	}
	j := h.be.job(14)
	if j.TimeLimit != 600 || j.Spec.Name != "renamed" || j.Spec.Nice != 3 || j.Spec.NumNodes != 2 {
		t.Fatalf("job after updates: %+v", j.Spec)
	}
	// scontrol release: priority INFINITE.
	if rc := update(0, func(d *slurmproto.JobDesc) { d.Priority = slurmproto.Infinite }); rc != 0 || h.be.job(14).Spec.Hold {
		t.Fatalf("release: rc %d hold %v", rc, h.be.job(14).Spec.Hold)
	}
	// scontrol hold: priority 0, alloc_sid 0.
	if rc := update(0, func(d *slurmproto.JobDesc) { d.Priority, d.AllocSID = 0, 0 }); rc != 0 || !h.be.job(14).Spec.Hold {
		t.Fatalf("hold: rc %d", rc)
	}
	// Someone else's job: core's ESLURM_ACCESS_DENIED becomes
	// ESLURM_USER_ID_MISSING, which slurmctld answers for update job.
	if rc := update(1000, func(d *slurmproto.JobDesc) { d.TimeLimit = 5 }); rc != slurmproto.RCUserIDMissing {
		t.Errorf("other user: rc %d", rc)
	}
	// A field core cannot change: refused, and nothing else applied.
	if rc := update(0, func(d *slurmproto.JobDesc) { d.TimeLimit = 20; d.Features = slurmproto.S("x") }); rc != rcNotSupported {
		t.Errorf("Features: rc %d", rc)
	}
	if h.be.job(14).TimeLimit != 600 {
		t.Error("a refused update changed the job")
	}
	if rc := h.rc(h.callBody(0, slurmproto.RequestUpdateJob, updateDesc("14_2", func(*slurmproto.JobDesc) {}))); rc != slurmproto.RCInvalidJobID {
		t.Errorf("array id: rc %d", rc)
	}
	if rc := h.rc(h.callBody(0, slurmproto.RequestUpdateJob, updateDesc("77", func(d *slurmproto.JobDesc) { d.TimeLimit = 1 }))); rc != slurmproto.RCInvalidJobID {
		t.Errorf("unknown job: rc %d", rc)
	}
}

func TestKillSignalsAndRequeue(t *testing.T) {
	h := startServer(t, nil)
	d := sbatchDesc(t)
	d.Priority = slurmproto.NoVal
	h.submit(0, d) // job 14, pending
	kill := func(uid uint32, sig uint16, id string) uint32 {
		t.Helper()
		return h.rc(h.callBody(uid, slurmproto.RequestKillJob, &slurmproto.KillJobRequest{
			StepID: slurmproto.StepID{JobID: slurmproto.NoVal, StepID: slurmproto.NoVal, StepHetComp: slurmproto.NoVal},
			SJobID: slurmproto.S(id), Signal: sig, Flags: slurmproto.KillFullJob}))
	}
	if rc := kill(0, 15, "14"); rc != slurmproto.RCTransitionStateNoUpdate {
		t.Errorf("SIGTERM to a pending job: rc %d", rc)
	}
	if rc := kill(1000, 9, "14"); rc != slurmproto.RCAccessDenied {
		t.Errorf("other user's SIGKILL: rc %d", rc)
	}
	if rc := kill(0, 9, "99"); rc != slurmproto.RCInvalidJobID {
		t.Errorf("unknown job: rc %d", rc)
	}
	if rc := kill(0, 9, "14_1"); rc != slurmproto.RCInvalidJobID {
		t.Errorf("array task of a plain job: rc %d", rc)
	}
	requeue := func(id string, flags uint32) uint32 {
		t.Helper()
		return h.rc(h.callBody(0, slurmproto.RequestJobRequeue, &slurmproto.RequeueRequest{JobID: slurmproto.NoVal, JobIDStr: slurmproto.S(id), Flags: flags}))
	}
	if rc := requeue("14", 0); rc != slurmproto.RCJobPending {
		t.Errorf("requeue pending: rc %d", rc)
	}
	h.be.apply(t, state.Start{Time: capturedSubmit + 1, Term: 1, Allocs: []state.Alloc{{ID: 14, Nodes: []int{3}}}})
	// Job ready bits while running.
	raw, _ := slurmproto.EncodeBody(slurmproto.RequestJobReady, &slurmproto.JobIDRequest{JobID: 14})
	typ, body := h.call(0, 0, slurmproto.RequestJobReady, raw)
	if typ != slurmproto.ResponseJobReady || body.(*slurmproto.ReturnCode).ReturnCode != 7 {
		t.Errorf("job ready: %v %+v", typ, body)
	}
	if rc := kill(0, 15, "14"); rc != 0 {
		t.Errorf("SIGTERM to a running job: rc %d", rc)
	}
	if got := h.be.signalsSent(); len(got) != 1 || got[0] != (msg.OpSignal{Job: 14, Signal: 15}) {
		t.Errorf("signals delivered %+v, want SIGTERM to job 14", got)
	}
	if rc := kill(1000, 15, "14"); rc != slurmproto.RCAccessDenied {
		t.Errorf("SIGTERM to another user's job: rc %d", rc)
	}
	if rc := requeue("14", requeueHold); rc != 0 {
		t.Fatalf("requeuehold: rc %d", rc)
	}
	j := h.be.job(14)
	if j.State != state.JobPending || !j.Spec.Hold || j.Attempt != 1 {
		t.Fatalf("after requeuehold: state %v hold %v attempt %d", j.State, j.Spec.Hold, j.Attempt)
	}
	_, jb := h.call(0, 0, slurmproto.RequestJobInfo, captured(t, "squeue.0.2003"))
	if r := jb.(*slurmproto.JobInfoResponse).Jobs[0]; r.JobState != slurmproto.JobPending|slurmproto.JobCompleting ||
		r.StateReason != reasonHeldUser || r.RestartCnt != 1 || !r.Nodes.IsNull() {
		t.Errorf("requeued record: state %#x reason %d restarts %d nodes %q", r.JobState, r.StateReason, r.RestartCnt, r.Nodes)
	}
	// The old attempt still holds n004: the node shows COMPLETING.
	_, nb := h.call(0, 0, slurmproto.RequestNodeInfo, captured(t, "sinfo.2.2007"))
	if st := nb.(*slurmproto.NodeInfoResponse).Nodes[3].NodeState; st != slurmproto.NodeStateIdle|slurmproto.NodeStateCompleting {
		t.Errorf("n004 state %#x", st)
	}
	if rc := kill(0, 9, "14_*"); rc != 0 {
		t.Errorf("scancel 14_*: rc %d", rc)
	}
	if rc := kill(0, 9, "14"); rc != slurmproto.RCAlreadyDone {
		t.Errorf("scancel again: rc %d", rc)
	}
}

func TestNodeStatesAndUpdateNode(t *testing.T) {
	h := startServer(t, nil)
	d := sbatchDesc(t)
	d.Priority = slurmproto.NoVal
	h.submit(0, d)
	h.be.apply(t, state.Start{Time: capturedSubmit + 1, Term: 1, Allocs: []state.Alloc{{ID: 14, Nodes: []int{0}}}})

	update := func(uid uint32, names string, st uint32, reason string) uint32 {
		t.Helper()
		req := &slurmproto.UpdateNodeRequest{NodeNames: slurmproto.S(names), NodeState: st, Weight: slurmproto.NoVal, ReasonUID: uid}
		if reason != "" {
			req.Reason = slurmproto.S(reason)
		}
		return h.rc(h.callBody(uid, slurmproto.RequestUpdateNode, req))
	}
	if rc := update(1000, "n002", nodeUpdateDrain, "disk"); rc != slurmproto.RCUserIDMissing {
		t.Errorf("drain by a user: rc %d", rc)
	}
	if rc := update(0, "n[002-003]", nodeUpdateDrain, "disk"); rc != 0 {
		t.Fatalf("drain: rc %d", rc)
	}
	if rc := update(0, "n001", nodeUpdateDrain, "bad fan"); rc != 0 {
		t.Fatalf("drain busy node: rc %d", rc)
	}
	if rc := update(0, "n004", nodeUpdateDown, "dead"); rc != 0 {
		t.Fatalf("down: rc %d", rc)
	}
	if rc := update(0, "n[001-099]", nodeUpdateResume, ""); rc != slurmproto.RCInvalidNodeName {
		t.Errorf("unknown nodes: rc %d", rc)
	}
	if rc := update(0, "n005", 0x8000, ""); rc != rcInvalidNodeState {
		t.Errorf("MAINT: rc %d", rc)
	}
	if rc := update(0, "n005", nodeUpdateResume, ""); rc != rcInvalidNodeState {
		t.Errorf("resume an idle node: rc %d", rc)
	}
	if rc := update(0, "n005", nodeUpdateUndrain, ""); rc != 0 {
		t.Errorf("undrain an undrained node: rc %d", rc)
	}
	h.be.apply(t, state.NodeDown{Node: 5, Time: capturedSubmit + 5, Reason: "Not responding"})

	_, nb := h.call(0, 0, slurmproto.RequestNodeInfo, captured(t, "sinfo.2.2007"))
	nodes := nb.(*slurmproto.NodeInfoResponse).Nodes
	want := []struct {
		i      int
		state  uint32
		reason string
		uid    uint32
	}{
		{0, slurmproto.NodeStateMixed | slurmproto.NodeStateDrain, "bad fan", 0},               // draining: 1 of 2 CPUs
		{1, slurmproto.NodeStateIdle | slurmproto.NodeStateDrain, "disk", 0},                   // drained
		{3, slurmproto.NodeStateDown, "dead", 0},                                               // down by admin
		{5, slurmproto.NodeStateDown | slurmproto.NodeStateNoRespond, "Not responding", 64030}, // down*
		{6, slurmproto.NodeStateIdle, "", slurmproto.NoVal},
	}
	for _, w := range want {
		n := nodes[w.i]
		if n.NodeState != w.state || n.Reason.String() != w.reason || n.ReasonUID != w.uid {
			t.Errorf("%s: state %#x reason %q uid %d, want %#x %q %d", n.Name, n.NodeState, n.Reason, n.ReasonUID, w.state, w.reason, w.uid)
		}
	}
	if n := nodes[0]; n.Select.AllocCPUs != 1 || n.Select.TRESAllocFmtStr.String() != "cpu=1" {
		t.Errorf("n001 allocation %+v", n.Select)
	}
	if nodes[1].ReasonTime != capturedSubmit {
		t.Errorf("reason time %d", nodes[1].ReasonTime)
	}
	if rc := update(0, "n002", nodeUpdateResume, ""); rc != 0 {
		t.Errorf("resume: rc %d", rc)
	}
	// scontrol show node n002: one record; an unknown name: none.
	_, one := h.callBody(0, slurmproto.RequestNodeInfoSingle, &slurmproto.NodeInfoSingleRequest{NodeName: slurmproto.S("n002")})
	if ns := one.(*slurmproto.NodeInfoResponse).Nodes; len(ns) != 1 || ns[0].NodeState != slurmproto.NodeStateIdle || !ns[0].Reason.IsNull() {
		t.Errorf("n002 after resume: %+v", ns)
	}
	_, none := h.callBody(0, slurmproto.RequestNodeInfoSingle, &slurmproto.NodeInfoSingleRequest{NodeName: slurmproto.S("zz")})
	if ns := none.(*slurmproto.NodeInfoResponse).Nodes; len(ns) != 0 {
		t.Errorf("unknown node: %d records", len(ns))
	}
}

func TestBuildInfo(t *testing.T) {
	h := startServer(t, nil)
	typ, body := h.callBody(0, slurmproto.RequestBuildInfo, &slurmproto.LastUpdateRequest{})
	if typ != slurmproto.ResponseBuildInfo {
		t.Fatalf("reply %v", typ)
	}
	b := body.(*slurmproto.BuildInfoResponse)
	if b.ClusterName.String() != "anchor" || b.SlurmctldPort != 6817 || b.SlurmUserName.String() != "slurm" ||
		b.SlurmUserID != 64030 || b.SelectType.String() != "select/cons_tres" || b.SelectTypeParam != 0x0004 ||
		b.MsgTimeout != 10 || b.MinJobAge != 300 || b.NextJobID != 14 || b.Version.String() != DefaultVersion ||
		len(b.Controllers) != 1 || b.Controllers[0] != (slurmproto.ControlHost{Addr: "127.0.0.1", Machine: "vm"}) ||
		b.SlurmConf.String() != "/etc/slurm/slurm.conf" || b.JobRequeue != 1 {
		t.Errorf("build info %+v", b)
	}
}

func TestStatsReset(t *testing.T) {
	h := startServer(t, nil)
	h.expectPing()
	reset, _ := slurmproto.EncodeBody(slurmproto.RequestStatsInfo, &slurmproto.StatsInfoRequest{CommandID: slurmproto.StatCommandReset})
	if rc := h.rc(h.call(1000, 1000, slurmproto.RequestStatsInfo, reset)); rc != slurmproto.RCAccessDenied {
		t.Errorf("reset by a user: rc %d", rc)
	}
	typ, body := h.call(0, 0, slurmproto.RequestStatsInfo, reset)
	if typ != slurmproto.ResponseStatsInfo || body.(*slurmproto.StatsInfoResponse).Scheduler != nil {
		t.Fatalf("reset reply %v %+v", typ, body)
	}
	_, body = h.call(0, 0, slurmproto.RequestStatsInfo, captured(t, "sdiag.0.2035"))
	st := body.(*slurmproto.StatsInfoResponse)
	// Only the reset itself was recorded since.
	if len(st.RPCTypes) != 1 || st.RPCTypes[0].MsgType != slurmproto.RequestStatsInfo {
		t.Errorf("after reset: %+v", st.RPCTypes)
	}
}

// Every reason the scheduler gives must map to Slurm's number for it
// (slurm.h enum job_state_reason), or squeue would print "None".
func TestSchedulerReasonsHaveCodes(t *testing.T) {
	want := map[sched.Reason]uint16{
		sched.ReasonPriority: 1, sched.ReasonResources: 3, sched.ReasonPartitionNodeLimit: 4,
		sched.ReasonPartitionTimeLimit: 5, sched.ReasonPartitionDown: 6, sched.ReasonPartitionConfig: 178,
		sched.ReasonBeginTime: 9, sched.ReasonJobHeldUser: 16, sched.ReasonJobHeldAdmin: 8,
	}
	for r, code := range want {
		if got, ok := reasonCodes[string(r)]; !ok || got != code {
			t.Errorf("reason %q: code %d (known %v), want %d", r, got, ok, code)
		}
	}
	// The controller's dependency verdicts: WAIT_DEPENDENCY, WAIT_DEP_INVALID.
	deps := map[string]uint16{controller.ReasonDependency: 2, controller.ReasonDependencyNever: 39}
	for r, code := range deps {
		if got, ok := reasonCodes[r]; !ok || got != code {
			t.Errorf("reason %q: code %d (known %v), want %d", r, got, ok, code)
		}
	}
}
