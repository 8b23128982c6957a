package slurmrpc

import (
	"slices"
	"testing"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// dynamicHarness is the anchor cluster with MaxNodeCount=20 and its
// partition as Nodes=ALL, every static node registered and drained, and
// two dynamic nodes d1 and d2 (indexes 16 and 17) registered and idle, so
// the fake scheduler places new work on d1.
func dynamicHarness(t *testing.T) *harness {
	t.Helper()
	h := startServer(t, func(s *Server) { s.Signer = &fakeSigner{} })
	_, cl := anchorCluster(t)
	cl.Options.MaxNodeCount = 20
	cl.Partitions[0].AllNodes = true
	m, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	h.be.mu.Lock()
	h.be.m = m
	h.be.mu.Unlock()
	now := h.be.now.Unix()
	for i := range m.Nodes() {
		h.be.apply(t, state.Register{Node: i, Time: now, CPUs: 2, MemMB: 1000, Incarnation: 1})
		h.be.apply(t, state.NodeAdmin{Node: i, Time: now, UID: 0, Op: state.NodeDrain, Reason: "static"})
	}
	for k, name := range []string{"d1", "d2"} {
		h.be.apply(t, state.NodeCreate{Time: now, Name: name, CPUs: 4, MemMB: 2000, Addr: "127.0.0.5",
			Hostname: "host-" + name, Port: 17100 + k})
		h.be.apply(t, state.Register{Node: 16 + k, Time: now, CPUs: 4, MemMB: 2000, Incarnation: 1})
	}
	h.be.setAutoStart(true)
	return h
}

func (h *harness) nodeInfo() []slurmproto.NodeInfo {
	h.t.Helper()
	typ, body := h.callBody(0, slurmproto.RequestNodeInfo, &slurmproto.NodeInfoRequest{})
	if typ != slurmproto.ResponseNodeInfo {
		h.t.Fatalf("node info: %v %+v", typ, body)
	}
	return body.(*slurmproto.NodeInfoResponse).Nodes
}

func TestDynamicNodeRecords(t *testing.T) {
	h := dynamicHarness(t)
	nodes := h.nodeInfo()
	if len(nodes) != 18 {
		t.Fatalf("%d node records", len(nodes))
	}
	d1 := nodes[16]
	if d1.Name.String() != "d1" || d1.NodeAddr.String() != "127.0.0.5" || d1.NodeHostname.String() != "host-d1" ||
		d1.Port != 17100 || d1.CPUs != 4 || d1.RealMemory != 2000 ||
		d1.NodeState != slurmproto.NodeStateIdle|nodeStateDynamicNorm {
		t.Errorf("d1 record %+v", d1)
	}
	if n := nodes[0]; n.NodeState&nodeStateDynamicNorm != 0 || n.Port != 17001 {
		t.Errorf("static n001 record: state %#x port %d", n.NodeState, n.Port)
	}
	typ, body := h.callBody(0, slurmproto.RequestPartitionInfo, &slurmproto.PartitionInfoRequest{})
	if typ != slurmproto.ResponsePartitionInfo {
		t.Fatalf("partition info %v", typ)
	}
	p := body.(*slurmproto.PartitionInfoResponse).Partitions[0]
	if p.Nodes.String() != "n[001-016],d[1-2]" || p.TotalNodes != 18 {
		t.Errorf("partition nodes %q total %d", p.Nodes.String(), p.TotalNodes)
	}
}

// TestDynamicNodeAddresses: an allocation on a dynamic node carries its
// address from the replicated record, and the alias list srun reads.
func TestDynamicNodeAddresses(t *testing.T) {
	h := dynamicHarness(t)
	typ, body := h.callBody(0, slurmproto.RequestResourceAllocation, capturedAllocDesc(t))
	a, ok := body.(*slurmproto.AllocationResponse)
	if typ != slurmproto.ResponseResourceAllocation || !ok || a.NodeList.String() != "d1" {
		t.Fatalf("allocation %v %+v", typ, body)
	}
	if a.AliasList.String() != "d1:[127.0.0.5]:host-d1" {
		t.Errorf("alias list %q", a.AliasList.String())
	}
	if len(a.NodeAddrs) != 1 {
		t.Fatalf("node addresses %+v", a.NodeAddrs)
	}
	if ap, _ := a.NodeAddrs[0].AddrPort(); ap.String() != "127.0.0.5:17100" {
		t.Errorf("node address %v", ap)
	}
	typ, body = h.callBody(0, slurmproto.RequestJobStepCreate, stepRequest(t, a.JobID, nil))
	if typ != slurmproto.ResponseJobStepCreate {
		t.Fatalf("step create %v %+v", typ, body)
	}
	if got := body.(*slurmproto.JobStepCreateResponse).Credential.Fields.JobAliasList.String(); got != "d1:[127.0.0.5]:host-d1" {
		t.Errorf("credential alias list %q", got)
	}
	// A job on static nodes has no alias list.
	if got := aliasList(h.be.m.Nodes(), []int{0, 3}); got != "" {
		t.Errorf("static alias list %q", got)
	}
}

func TestDeleteNode(t *testing.T) {
	h := dynamicHarness(t)
	job := startAllocation(t, h, capturedAllocDesc(t)) // on d1
	del := func(uid uint32, names string) uint32 {
		t.Helper()
		return h.rc(h.callBody(uid, slurmproto.RequestDeleteNode, &slurmproto.UpdateNodeRequest{NodeNames: slurmproto.S(names)}))
	}
	for _, tc := range []struct {
		name  string
		uid   uint32
		nodes string
		want  uint32
	}{
		{"a user", 1000, "d2", slurmproto.RCUserIDMissing},
		{"busy", 0, "d1", slurmproto.RCNodesBusy},
		{"static", 0, "n001", slurmproto.RCInvalidNodeName},
		{"unknown", 0, "zz9", slurmproto.RCInvalidNodeName},
		{"bad list", 0, "d[1-", slurmproto.RCInvalidNodeName},
		{"empty", 0, "", slurmproto.RCInvalidNodeName},
	} {
		if rc := del(tc.uid, tc.nodes); rc != tc.want {
			t.Errorf("%s: rc %d, want %d", tc.name, rc, tc.want)
		}
	}
	// d[1-2]: d1 is busy, d2 is deleted anyway (delete_nodes goes on).
	if rc := del(0, "d[1-2]"); rc != slurmproto.RCNodesBusy {
		t.Errorf("d[1-2]: rc %d", rc)
	}
	nodes := h.nodeInfo()
	if len(nodes) != 18 || !nodes[17].Name.IsNull() || nodes[16].Name.String() != "d1" {
		t.Errorf("after deleting d2: %d records, [17] named %q", len(nodes), nodes[17].Name.String())
	}
	typ, body := h.callBody(0, slurmproto.RequestNodeInfoSingle, &slurmproto.NodeInfoSingleRequest{NodeName: slurmproto.S("d2")})
	if typ != slurmproto.ResponseNodeInfo || len(body.(*slurmproto.NodeInfoResponse).Nodes) != 0 {
		t.Errorf("show node d2 after delete: %+v", body)
	}
	if rc := del(0, "d2"); rc != slurmproto.RCInvalidNodeName {
		t.Errorf("deleting d2 twice: rc %d", rc)
	}
	update := &slurmproto.UpdateNodeRequest{NodeNames: slurmproto.S("d2"), NodeState: nodeUpdateDrain, Weight: slurmproto.NoVal, Reason: slurmproto.S("x")}
	if rc := h.rc(h.callBody(0, slurmproto.RequestUpdateNode, update)); rc != slurmproto.RCInvalidNodeName {
		t.Errorf("update a deleted node: rc %d", rc)
	}
	// Once its job is gone, d1 can go too.
	h.be.apply(t, state.ProcEnded{Node: 16, Job: state.JobAttempt{ID: state.JobID(job)}, Time: h.be.now.Unix()})
	if rc := del(0, "d1"); rc != 0 {
		t.Errorf("idle d1: rc %d", rc)
	}
	typ, body = h.callBody(0, slurmproto.RequestPartitionInfo, &slurmproto.PartitionInfoRequest{})
	if p := body.(*slurmproto.PartitionInfoResponse).Partitions[0]; typ != slurmproto.ResponsePartitionInfo || p.Nodes.String() != "n[001-016]" {
		t.Errorf("partition after deletes: %q", p.Nodes.String())
	}
	if !slices.Contains([]string{"d1"}, h.be.job(state.JobID(job)).Spec.Name) && h.be.job(state.JobID(job)).Nodes[0] != 16 {
		t.Error("the finished job's node changed")
	}
}
