package slurmrpc

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// These tests replay the request bodies the real Slurm 22.05.8 clients
// sent in shared/captures and compare the replies with what the real
// slurmctld answered in the same situation.

// compareFields reports every field of got that differs from want, except
// those named in skip (each skip must say why in the caller).
func compareFields(t *testing.T, what string, got, want any, skip map[string]string) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		if _, ok := skip[name]; ok {
			continue
		}
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s.%s = %#v, slurmctld sent %#v", what, name, g, w)
		}
	}
}

func TestPingAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	env, err := h.roundTrip(h.frame(64030, 64030, slurmproto.RequestPing, captured(t, "scontrol-ping.0.1008")))
	if err != nil {
		t.Fatal(err)
	}
	if env.Header.MsgType != slurmproto.ResponseSlurmRC || !bytes.Equal(env.Body, captured(t, "scontrol-ping.1.8001")) {
		t.Fatalf("reply %v %x", env.Header.MsgType, env.Body)
	}
}

func TestFedInfoAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	env, err := h.roundTrip(h.frame(0, 0, slurmproto.RequestFedInfo, captured(t, "scontrol-show-job.0.2049")))
	if err != nil {
		t.Fatal(err)
	}
	if env.Header.MsgType != slurmproto.ResponseFedInfo || !bytes.Equal(env.Body, captured(t, "scontrol-show-job.1.2050")) {
		t.Fatalf("reply %v %x", env.Header.MsgType, env.Body)
	}
}

// submitCaptured submits the captured `sbatch -H --wrap=hostname` as root
// and checks the reply is byte for byte slurmctld's (job 14, held).
func submitCaptured(t *testing.T, h *harness) {
	t.Helper()
	env, err := h.roundTrip(h.frame(0, 0, slurmproto.RequestSubmitBatchJob, captured(t, "sbatch.0.4003")))
	if err != nil {
		t.Fatal(err)
	}
	if env.Header.MsgType != slurmproto.ResponseSubmitBatchJob || !bytes.Equal(env.Body, captured(t, "sbatch.1.4004")) {
		b, _ := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
		t.Fatalf("reply %v %+v", env.Header.MsgType, b)
	}
}

func TestSubmitAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h)
	j := h.be.job(14)
	if j == nil {
		t.Fatal("job 14 not created")
	}
	if j.Spec.SubmitHost == "" {
		t.Error("no submit host recorded")
	}
	want := state.JobSpec{Name: "wrap", UID: 0, GID: 0, User: j.Spec.User, NumNodes: 1, Hold: true, Requeue: true, SubmitHost: j.Spec.SubmitHost,
		WorkDir: "/tmp/tmp.cbfgtZmFz0", Script: "#!/bin/sh\n# This script was created by sbatch --wrap.\n\nhostname\n",
		Env: j.Spec.Env}
	if !reflect.DeepEqual(j.Spec, want) {
		t.Errorf("spec %+v\nwant %+v", j.Spec, want)
	}
	if len(j.Spec.Env) != 22 || j.Spec.Env[0] != "PATH=/usr/sbin:/usr/bin:/sbin:/bin" {
		t.Errorf("environment %q", j.Spec.Env)
	}
}

// jobRecordSkips are the fields of the captured held job that FLURM cannot
// reproduce, each with the reason.
var jobRecordSkips = map[string]string{
	"AllocSID":  "core keeps no alloc_sid (session id of sbatch)",
	"AllocNode": "slurmctld names the credential's host (localhost), FLURM the SLURM_SUBMIT_HOST sbatch sent (vm)",
	"BitFlags":  "internal slurmctld bits (JOB_DEPENDENT, TRES_STR_CALC) that no client prints",
	"MultiCore": "compared separately (pointer)",
	"MailUser":  "the submitter's name, looked up on this host",
}

func TestShowJobAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h)
	typ, body := h.call(0, 0, slurmproto.RequestJobInfoSingle, captured(t, "scontrol-show-job.2.2021"))
	if typ != slurmproto.ResponseJobInfo {
		t.Fatalf("reply %v", typ)
	}
	wantAll, err := slurmproto.DecodeBody(slurmproto.ResponseJobInfo, captured(t, "scontrol-show-job.3.2004"))
	if err != nil {
		t.Fatal(err)
	}
	got, want := body.(*slurmproto.JobInfoResponse), wantAll.(*slurmproto.JobInfoResponse)
	if len(got.Jobs) != 1 {
		t.Fatalf("%d records", len(got.Jobs))
	}
	compareFields(t, "job", got.Jobs[0], want.Jobs[0], jobRecordSkips)
	if !reflect.DeepEqual(*got.Jobs[0].MultiCore, *want.Jobs[0].MultiCore) {
		t.Errorf("multi_core %+v, want %+v", *got.Jobs[0].MultiCore, *want.Jobs[0].MultiCore)
	}
	if got.Jobs[0].AllocNode.String() != "vm" {
		t.Errorf("alloc_node %q, want the submit host", got.Jobs[0].AllocNode)
	}
	if got.Jobs[0].MailUser.String() != h.be.job(14).Spec.User {
		t.Errorf("mail_user %q", got.Jobs[0].MailUser)
	}

	// Unknown job: ESLURM_INVALID_JOB_ID, as _slurm_rpc_dump_job_single.
	raw, _ := slurmproto.EncodeBody(slurmproto.RequestJobInfoSingle, &slurmproto.JobIDRequest{JobID: 99, ShowFlags: slurmproto.ShowLocal})
	if rc := h.rc(h.call(0, 0, slurmproto.RequestJobInfoSingle, raw)); rc != slurmproto.RCInvalidJobID {
		t.Errorf("unknown job: rc %d", rc)
	}
}

func TestSqueueAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h)
	typ, body := h.call(0, 0, slurmproto.RequestJobInfo, captured(t, "squeue.0.2003"))
	if typ != slurmproto.ResponseJobInfo {
		t.Fatalf("reply %v", typ)
	}
	wantAll, err := slurmproto.DecodeBody(slurmproto.ResponseJobInfo, captured(t, "squeue.1.2004"))
	if err != nil {
		t.Fatal(err)
	}
	want := wantAll.(*slurmproto.JobInfoResponse).Jobs
	got := body.(*slurmproto.JobInfoResponse).Jobs
	if len(got) != 1 {
		t.Fatalf("%d records", len(got))
	}
	compareFields(t, "job", got[0], want[len(want)-1], jobRecordSkips)

	// squeue's partition request follows.
	typ, body = h.call(0, 0, slurmproto.RequestPartitionInfo, captured(t, "squeue.2.2009"))
	wantParts, _ := slurmproto.DecodeBody(slurmproto.ResponsePartitionInfo, captured(t, "squeue.3.2010"))
	compareFields(t, "partitions", *body.(*slurmproto.PartitionInfoResponse), *wantParts.(*slurmproto.PartitionInfoResponse),
		map[string]string{"LastUpdate": "time of the capture"})
}

// TestFinishedJobAsCaptured runs the job on n001 and ends it, then compares
// with the captured record of job 13 (`sbatch -w n001 --wrap`), which ran
// on n001 and completed.
func TestFinishedJobAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h)
	hold := false
	h.be.apply(t, state.Update{ID: 14, Time: capturedSubmit, UID: 0, Hold: &hold})
	h.be.apply(t, state.Start{Time: capturedSubmit + 1, Term: 1, Allocs: []state.Alloc{{ID: 14, Nodes: []int{0}}}})

	typ, body := h.call(0, 0, slurmproto.RequestJobInfo, captured(t, "squeue.0.2003"))
	if typ != slurmproto.ResponseJobInfo {
		t.Fatalf("reply %v", typ)
	}
	run := body.(*slurmproto.JobInfoResponse).Jobs[0]
	if run.JobState != slurmproto.JobRunning || run.StartTime != capturedSubmit+1 ||
		run.EndTime != capturedSubmit+1+365*24*3600 || run.StateReason != 0 {
		t.Errorf("running record: state %d start %d end %d reason %d", run.JobState, run.StartTime, run.EndTime, run.StateReason)
	}

	h.be.apply(t, state.ProcEnded{Node: 0, Job: state.JobAttempt{ID: 14}, Time: capturedSubmit + 2})
	_, body = h.call(0, 0, slurmproto.RequestJobInfo, captured(t, "squeue.0.2003"))
	got := body.(*slurmproto.JobInfoResponse).Jobs[0]
	wantAll, _ := slurmproto.DecodeBody(slurmproto.ResponseJobInfo, captured(t, "squeue.1.2004"))
	var want slurmproto.JobInfo
	for _, j := range wantAll.(*slurmproto.JobInfoResponse).Jobs {
		if j.JobID == 13 {
			want = j
		}
	}
	skip := map[string]string{
		"JobID": "different job", "SubmitTime": "different job", "EligibleTime": "different job",
		"AccrueTime": "different job", "StartTime": "different job", "EndTime": "different job",
		"LastSchedEval": "different job", "Priority": "job 13 ran unheld at priority/basic's value",
		"WorkDir": "different directory", "ReqNodes": "job 13 asked for -w n001", "ReqNodeInx": "job 13 asked for -w n001",
		"TRESReqStr": "job 13 ran on a host with 2 GB counted", "BitFlags": jobRecordSkips["BitFlags"],
		"AllocSID": jobRecordSkips["AllocSID"], "AllocNode": jobRecordSkips["AllocNode"],
		"MultiCore": jobRecordSkips["MultiCore"], "MailUser": jobRecordSkips["MailUser"],
	}
	compareFields(t, "job", got, want, skip)
	if got.StartTime != capturedSubmit+1 || got.EndTime != capturedSubmit+2 || got.EligibleTime != got.SubmitTime || got.AccrueTime != got.SubmitTime {
		t.Errorf("times: submit %d eligible %d accrue %d start %d end %d", got.SubmitTime, got.EligibleTime, got.AccrueTime, got.StartTime, got.EndTime)
	}
}

func TestSinfoAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	typ, body := h.call(0, 0, slurmproto.RequestPartitionInfo, captured(t, "sinfo.0.2009"))
	if typ != slurmproto.ResponsePartitionInfo {
		t.Fatalf("reply %v", typ)
	}
	want, _ := slurmproto.DecodeBody(slurmproto.ResponsePartitionInfo, captured(t, "sinfo.1.2010"))
	compareFields(t, "partitions", *body.(*slurmproto.PartitionInfoResponse), *want.(*slurmproto.PartitionInfoResponse),
		map[string]string{"LastUpdate": "time of the capture"})

	typ, body = h.call(0, 0, slurmproto.RequestNodeInfo, captured(t, "sinfo.2.2007"))
	if typ != slurmproto.ResponseNodeInfo {
		t.Fatalf("reply %v", typ)
	}
	wantNodes, _ := slurmproto.DecodeBody(slurmproto.ResponseNodeInfo, captured(t, "sinfo.3.2008"))
	got, wn := body.(*slurmproto.NodeInfoResponse).Nodes, wantNodes.(*slurmproto.NodeInfoResponse).Nodes
	if len(got) != len(wn) {
		t.Fatalf("%d nodes, slurmctld sent %d", len(got), len(wn))
	}
	skip := map[string]string{
		"CPULoad": "node agents report no load (N/A)", "FreeMem": "node agents report no free memory (N/A)",
		"BootTime": "not reported by node agents", "LastBusy": "not tracked", "SlurmdStartTime": "not reported by node agents",
		"Arch": "not reported by node agents", "OS": "not reported by node agents",
	}
	for i := range got {
		compareFields(t, "node "+wn[i].Name.String(), got[i], wn[i], skip)
	}
	if got[0].CPULoad != slurmproto.NoVal || got[0].FreeMem != slurmproto.NoVal64 {
		t.Errorf("load %d free %d: unknown values must be NO_VAL", got[0].CPULoad, got[0].FreeMem)
	}
}

func TestScancelAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h)
	h.be.advance(31 * time.Second)
	env, err := h.roundTrip(h.frame(0, 0, slurmproto.RequestKillJob, captured(t, "scancel.0.5032")))
	if err != nil {
		t.Fatal(err)
	}
	if env.Header.MsgType != slurmproto.ResponseSlurmRC || !bytes.Equal(env.Body, captured(t, "scancel.1.8001")) {
		t.Fatalf("reply %v %x", env.Header.MsgType, env.Body)
	}
	j := h.be.job(14)
	if j.State != state.JobCancelled {
		t.Fatalf("job state %v", j.State)
	}
	// The record of a job cancelled while pending: start = end, as the
	// captured job 11 (`sbatch -H`, then scancel).
	_, body := h.call(0, 0, slurmproto.RequestJobInfo, captured(t, "squeue.0.2003"))
	got := body.(*slurmproto.JobInfoResponse).Jobs[0]
	if got.JobState != slurmproto.JobCancelled || got.StartTime != got.EndTime || got.EndTime != slurmproto.Time(h.be.now.Unix()) {
		t.Errorf("cancelled record: state %d start %d end %d", got.JobState, got.StartTime, got.EndTime)
	}
	wantAll, _ := slurmproto.DecodeBody(slurmproto.ResponseJobInfo, captured(t, "squeue.1.2004"))
	for _, w := range wantAll.(*slurmproto.JobInfoResponse).Jobs {
		if w.JobID != 11 { // also `sbatch -H --wrap`, cancelled while held
			continue
		}
		compareFields(t, "job", got, w, map[string]string{
			"JobID": "different job", "SubmitTime": "different job", "StartTime": "different job",
			"EndTime": "different job", "LastSchedEval": "different job", "WorkDir": "different directory",
			"AllocSID": jobRecordSkips["AllocSID"], "AllocNode": jobRecordSkips["AllocNode"],
			"BitFlags": jobRecordSkips["BitFlags"], "MultiCore": jobRecordSkips["MultiCore"], "MailUser": jobRecordSkips["MailUser"],
		})
	}
	// Again: ESLURM_ALREADY_DONE, which scancel accepts silently.
	if rc := h.rc(h.call(0, 0, slurmproto.RequestKillJob, captured(t, "scancel.0.5032"))); rc != slurmproto.RCAlreadyDone {
		t.Errorf("second scancel: rc %d", rc)
	}
}

func TestSdiagAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	submitCaptured(t, h)
	h.call(64030, 64030, slurmproto.RequestPing, nil)
	typ, body := h.call(0, 0, slurmproto.RequestStatsInfo, captured(t, "sdiag.0.2035"))
	if typ != slurmproto.ResponseStatsInfo {
		t.Fatalf("reply %v", typ)
	}
	st := body.(*slurmproto.StatsInfoResponse)
	if st.Scheduler == nil || st.Scheduler.JobsSubmitted != 1 || st.Scheduler.JobsPending != 1 || st.Scheduler.ServerThreadCount < 1 ||
		st.Scheduler.ReqTimeStart != slurmproto.Time(h.be.started.Unix()) {
		t.Fatalf("scheduler block %+v", st.Scheduler)
	}
	counts := map[slurmproto.MsgType]uint32{}
	for _, r := range st.RPCTypes {
		counts[r.MsgType] = r.Count
	}
	if counts[slurmproto.RequestSubmitBatchJob] != 1 || counts[slurmproto.RequestPing] != 1 {
		t.Errorf("rpc counts %v", counts)
	}
	users := map[uint32]uint32{}
	for _, u := range st.RPCUsers {
		users[u.UID] = u.Count
	}
	if users[0] != 1 || users[64030] != 1 {
		t.Errorf("user counts %v", users)
	}
	// The reply re-encodes as the client unpacks it.
	if _, err := slurmproto.EncodeBody(slurmproto.ResponseStatsInfo, st); err != nil {
		t.Fatal(err)
	}
}

// TestNodeListsAsCaptured: a job submitted with -w n001 carries the
// required node list as slurmctld sent job 13's (`sbatch -w n001`), and
// -x its excluded nodes the same way.
func TestNodeListsAsCaptured(t *testing.T) {
	h := startServer(t, nil)
	d := sbatchDesc(t)
	d.ReqNodes, d.ExcNodes = slurmproto.S("n001"), slurmproto.S("n003,n002")
	typ, body := h.submit(0, d)
	if typ != slurmproto.ResponseSubmitBatchJob {
		t.Fatalf("submit with -w n001 -x n003,n002: %v %+v", typ, body)
	}
	id := body.(*slurmproto.SubmitBatchJobResponse).JobID
	j := h.be.job(state.JobID(id))
	if !slices.Equal(j.Spec.ReqNodes, []int{0}) || !slices.Equal(j.Spec.ExcNodes, []int{1, 2}) {
		t.Fatalf("spec node lists: required %v excluded %v", j.Spec.ReqNodes, j.Spec.ExcNodes)
	}
	_, body = h.call(0, 0, slurmproto.RequestJobInfo, captured(t, "squeue.0.2003"))
	var got *slurmproto.JobInfo
	for i, r := range body.(*slurmproto.JobInfoResponse).Jobs {
		if r.JobID == id {
			got = &body.(*slurmproto.JobInfoResponse).Jobs[i]
		}
	}
	wantAll, _ := slurmproto.DecodeBody(slurmproto.ResponseJobInfo, captured(t, "squeue.1.2004"))
	for _, w := range wantAll.(*slurmproto.JobInfoResponse).Jobs {
		if w.JobID != 13 {
			continue
		}
		if got == nil || got.ReqNodes != w.ReqNodes || got.ReqNodeInx != w.ReqNodeInx {
			t.Errorf("required nodes %+v, captured %q %+v", got, w.ReqNodes.String(), w.ReqNodeInx)
		}
	}
	if got != nil && (got.ExcNodes.String() != "n[002-003]" || !slices.Equal(got.ExcNodeInx.Indices(), []uint32{1, 2})) {
		t.Errorf("excluded nodes %q %v", got.ExcNodes.String(), got.ExcNodeInx.Indices())
	}
}
