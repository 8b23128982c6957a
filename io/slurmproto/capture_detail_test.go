package slurmproto

import (
	"bytes"
	"testing"
)

// decodeCaptured returns the decoded bodies of one type, in capture order.
func decodeCaptured(t *testing.T, file string, typ MsgType) []Body {
	t.Helper()
	var out []Body
	for _, c := range loadCaptures(t) {
		if c.file != file {
			continue
		}
		m, err := DecodeMessage(c.frame)
		if err != nil {
			t.Fatalf("%s #%d: %v", file, c.index, err)
		}
		if m.Header.MsgType == typ {
			out = append(out, m.Body)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no %v", file, typ)
	}
	return out
}

// TestCapturedValues pins a few decoded values against what the doc and
// the command output say, so a layout shifted by one field cannot pass by
// accident.
func TestCapturedValues(t *testing.T) {
	sub := decodeCaptured(t, "sbatch.pcap", RequestSubmitBatchJob)[0].(*JobDesc)
	if len(sub.Environment) != 22 || sub.StdIn.String() != "/dev/null" || sub.SelectPluginID != SelectPluginConsTRES ||
		sub.BitFlags&0x1e000000 != 0x1e000000 || !sub.AllocNode.IsNull() {
		t.Errorf("submit: env %d stdin %q select %d flags %#x", len(sub.Environment), sub.StdIn, sub.SelectPluginID, sub.BitFlags)
	}
	resp := decodeCaptured(t, "sbatch.pcap", ResponseSubmitBatchJob)[0].(*SubmitBatchJobResponse)
	if resp.StepID != BatchScript || resp.ErrorCode != 2042 {
		t.Errorf("submit response: %+v", resp)
	}
	parts := decodeCaptured(t, "sinfo.pcap", ResponsePartitionInfo)[0].(*PartitionInfoResponse)
	p := parts.Partitions[0]
	if p.Name.String() != "debug" || p.Nodes.String() != "n[001-016]" || p.StateUp != PartitionUp ||
		p.NodeInx.Len() != 16 || len(p.NodeInx.Indices()) != 16 || p.JobDefaults != nil || p.DefaultTime != NoVal {
		t.Errorf("partition: %+v", p)
	}
	nodes := decodeCaptured(t, "sinfo.pcap", ResponseNodeInfo)[0].(*NodeInfoResponse)
	n := nodes.Nodes[0]
	if len(nodes.Nodes) != 16 || n.Name.String() != "n001" || n.Port != 17001 || n.NodeState != NodeStateIdle ||
		n.Version.String() != "22.05.8" || n.CapWatts != NoVal || n.Select.PluginID != SelectPluginConsTRES {
		t.Errorf("node: %d nodes, first %+v", len(nodes.Nodes), n)
	}
	jobs := decodeCaptured(t, "squeue.pcap", ResponseJobInfo)[0].(*JobInfoResponse)
	if len(jobs.Jobs) == 0 {
		t.Fatal("squeue: no jobs")
	}
	for _, j := range jobs.Jobs {
		if j.StartProtocolVer != ProtocolVersion || j.SelectPluginID != SelectPluginConsTRES || j.JobResrcs.Detail != nil {
			t.Errorf("job %d: protocol %#x select %d", j.JobID, j.StartProtocolVer, j.SelectPluginID)
		}
	}
	kill := decodeCaptured(t, "scancel.pcap", RequestKillJob)[0].(*KillJobRequest)
	if kill.StepID != (StepID{NoVal, NoVal, NoVal}) || kill.Signal != 9 || !kill.Sibling.IsNull() {
		t.Errorf("kill: %+v", kill)
	}
	stats := decodeCaptured(t, "sdiag.pcap", ResponseStatsInfo)[0].(*StatsInfoResponse)
	if stats.Scheduler == nil || len(stats.RPCTypes) == 0 {
		t.Errorf("sdiag: %+v", stats)
	}
	alloc := decodeCaptured(t, "srun-all-ports.pcap", ResponseResourceAllocation)[0].(*AllocationResponse)
	if alloc.NodeCnt != 1 || alloc.NodeList.String() != "n001" || len(alloc.CPUGroups) != 1 ||
		alloc.NTasksPerCore != Infinite16 {
		t.Errorf("allocation: %+v", alloc)
	}
	ready := decodeCaptured(t, "srun-all-ports.pcap", ResponseJobReady)[0].(*ReturnCode)
	if ready.ReturnCode != 7 {
		t.Errorf("job ready = %d, want 7", ready.ReturnCode)
	}
}

// TestCapturedCredential: the signature of the step credential is a MUNGE
// text that signs exactly SignedBytes, and srun's I/O init message carries
// the same bytes as its key.
func TestCapturedCredential(t *testing.T) {
	step := decodeCaptured(t, "srun-all-ports.pcap", ResponseJobStepCreate)[0].(*JobStepCreateResponse)
	sig := step.Credential.Signature
	if len(sig) != 528 || !bytes.HasPrefix(sig, []byte("MUNGE:")) || sig[len(sig)-1] != 0 {
		t.Fatalf("signature %d bytes %.10q", len(sig), sig)
	}
	signed, err := step.Credential.SignedBytes()
	if err != nil {
		t.Fatal(err)
	}
	body, err := EncodeBody(ResponseJobStepCreate, step)
	if err != nil {
		t.Fatal(err)
	}
	tail := append(be32(uint32(len(sig))), sig...)
	if !bytes.Contains(body, append(bytes.Clone(signed), tail...)) {
		t.Fatal("signed bytes are not immediately followed by the signature in the body")
	}
	if step.StepLayout.Layout == nil || len(step.StepLayout.Layout.TaskIDs) != 1 || step.UseProtocolVer != ProtocolVersion ||
		step.SwitchPluginID != SwitchPluginNone {
		t.Errorf("step create: %+v", step)
	}
	launch := decodeCaptured(t, "srun-all-ports.pcap", RequestLaunchTasks)[0].(*LaunchTasksRequest)
	if !bytes.Equal(launch.Credential.Signature, sig) {
		t.Error("launch credential differs from the step create one")
	}

	_, ioStreams := loadCaptureStreams(t)
	if len(ioStreams) != 1 {
		t.Fatalf("%d I/O streams, want 1", len(ioStreams))
	}
	frame, rest, err := SplitFrame(ioStreams[0].ioStream)
	if err != nil {
		t.Fatal(err)
	}
	init, err := DecodeIOInit(frame)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(init.IOKey, sig) || init.StdoutObjs != 1 || init.StderrObjs != 1 || init.NodeID != 0 {
		t.Errorf("io init: node %d out %d err %d key %d bytes", init.NodeID, init.StdoutObjs, init.StderrObjs, len(init.IOKey))
	}
	again, err := AppendIOInit(nil, init)
	if err != nil || !bytes.Equal(again[4:], frame) {
		t.Errorf("io init re-encode differs: %v", err)
	}
	var got []string
	for len(rest) > 0 {
		h, err := DecodeIOHeader(rest)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(AppendIOHeader(nil, h), rest[:IOHeaderSize]) {
			t.Fatal("io header re-encode differs")
		}
		rest = rest[IOHeaderSize:]
		if int(h.Length) > len(rest) {
			t.Fatalf("io frame of %d bytes, %d left", h.Length, len(rest))
		}
		got = append(got, string(rune('0'+h.Type))+":"+string(rest[:h.Length]))
		rest = rest[h.Length:]
	}
	if want := []string{"1:vm\n", "1:", "2:"}; !equalStrings(got, want) {
		t.Errorf("io frames %q, want %q", got, want)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
