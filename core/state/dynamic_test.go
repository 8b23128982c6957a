package state

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// dynamicCluster is testCluster(2) with room for two dynamic nodes and a
// Nodes=ALL partition.
func dynamicCluster() Cluster {
	c := testCluster(2)
	c.Options.MaxNodeCount = 4
	c.Partitions[0].AllNodes = true
	return c
}

func create(name string) NodeCreate {
	return NodeCreate{Time: 5, Name: name, CPUs: 4, MemMB: 8000, Addr: "10.0.0.9", Hostname: "h-" + name, Port: 6818}
}

func mustApply(t *testing.T, m *Machine, c Command) Result {
	t.Helper()
	r := m.Apply(c)
	if r.Err != nil {
		t.Fatalf("%#v: %v", c, r.Err)
	}
	if err := m.Check(); err != nil {
		t.Fatalf("after %#v: %v", c, err)
	}
	return r
}

func TestNodeCreateJoinsAllPartitionsAndRegisters(t *testing.T) {
	m, err := New(dynamicCluster())
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, create("d1"))
	n, ok := m.NodeIndex("d1")
	if !ok || n != 2 {
		t.Fatalf("d1 at %d, %v", n, ok)
	}
	node := m.Nodes()[n]
	if !node.Dynamic || node.Registered || node.Addr != "10.0.0.9" || node.Port != 6818 || node.Hostname != "h-d1" {
		t.Fatalf("record %+v", node)
	}
	if got := m.Partitions()[0].Nodes; !cmp.Equal(got, []int{0, 1, 2}) {
		t.Errorf("ALL partition nodes %v", got)
	}
	if got := m.Partitions()[1].Nodes; !cmp.Equal(got, []int{0}) {
		t.Errorf("other partition gained the node: %v", got)
	}
	mustApply(t, m, Register{Node: n, Time: 6, CPUs: 4, MemMB: 8000, Incarnation: 7})
	mustApply(t, m, Submit{Time: 7, Spec: JobSpec{UID: 1000, NumNodes: 1, Script: "x", TimeLimit: 60}})
	if r := mustApply(t, m, Start{Time: 8, Term: 1, Allocs: []Alloc{{ID: 1, Nodes: []int{n}}}}); len(r.Launch) != 1 {
		t.Fatal("job did not start on the dynamic node")
	}
}

func TestNodeCreateRejects(t *testing.T) {
	m, _ := New(dynamicCluster())
	noMax, _ := New(testCluster(2))
	mustApply(t, m, create("d1"))
	bad := create("d2")
	bad.Port = 0
	for _, tc := range []struct {
		name string
		m    *Machine
		c    NodeCreate
		code ErrCode
	}{
		{"no MaxNodeCount", noMax, create("d2"), ErrAccessDenied},
		{"static name", m, create("na"), ErrGeneric},
		{"existing dynamic", m, create("d1"), ErrGeneric},
		{"bad name", m, create("a/b"), ErrInvalidNodeName},
		{"reserved name", m, create("ALL"), ErrInvalidNodeName},
		{"zero cpus", m, NodeCreate{Name: "d2", MemMB: 1, Addr: "a", Hostname: "h", Port: 1}, ErrGeneric},
		{"bad port", m, bad, ErrGeneric},
		{"no address", m, NodeCreate{Name: "d2", CPUs: 1, Hostname: "h", Port: 1}, ErrGeneric},
	} {
		before := tc.m.Snapshot()
		r := tc.m.Apply(tc.c)
		if r.Err == nil || r.Err.Code != tc.code {
			t.Errorf("%s: got %v, want code %d", tc.name, r.Err, tc.code)
		}
		if !bytes.Equal(before, tc.m.Snapshot()) {
			t.Errorf("%s: rejected command changed the state", tc.name)
		}
	}
	mustApply(t, m, create("d2"))
	if r := m.Apply(create("d3")); r.Err == nil || r.Err.Msg != "Unable to add node 'd3', node table is full" {
		t.Errorf("beyond MaxNodeCount: %v", r.Err)
	}
}

func TestNodeDelete(t *testing.T) {
	m, _ := New(dynamicCluster())
	mustApply(t, m, create("d1"))
	n, _ := m.NodeIndex("d1")
	mustApply(t, m, Register{Node: n, Time: 6, CPUs: 4, MemMB: 8000, Incarnation: 7})
	mustApply(t, m, Submit{Time: 7, Spec: JobSpec{UID: 1000, Script: "x", TimeLimit: 60}})
	mustApply(t, m, Start{Time: 8, Term: 1, Allocs: []Alloc{{ID: 1, Nodes: []int{n}}}})

	del := func(node int, uid uint32) *Error {
		return m.Apply(NodeAdmin{Node: node, Time: 9, UID: uid, Op: NodeDelete}).Err
	}
	if e := del(n, 0); e == nil || e.Code != ErrNodesBusy {
		t.Errorf("busy node: %v, want ESLURM_NODES_BUSY", e)
	}
	if e := del(0, 0); e == nil || e.Code != ErrInvalidNodeName {
		t.Errorf("static node: %v", e)
	}
	mustApply(t, m, ProcEnded{Node: n, Job: JobAttempt{ID: 1}, Time: 10})
	if e := del(n, 1000); e == nil || e.Code != ErrAccessDenied {
		t.Errorf("user: %v", e)
	}
	mustApply(t, m, NodeAdmin{Node: n, Time: 11, UID: 0, Op: NodeDelete})
	if node := m.Nodes()[n]; !node.Deleted || node.Available() || node.Name != "d1" || node.Incarnation != 7 {
		t.Fatalf("tombstone %+v", node)
	}
	if got := m.Partitions()[0].Nodes; !cmp.Equal(got, []int{0, 1}) {
		t.Errorf("ALL partition still lists the deleted node: %v", got)
	}
	if m.Job(1).Nodes[0] != n {
		t.Error("the finished job's node index changed")
	}
	for _, c := range []Command{del2(n), Register{Node: n, Time: 12, CPUs: 4, MemMB: 8000, Incarnation: 8},
		NodeDown{Node: n, Time: 12, Reason: "x"}, Start{Time: 12}} {
		if r := m.Apply(c); r.Err == nil && c.kind() != kindStart {
			t.Errorf("%#v on a deleted node accepted", c)
		}
	}
	// It registers again: the same name comes back at the same index.
	mustApply(t, m, create("d1"))
	if i, _ := m.NodeIndex("d1"); i != n || m.Nodes()[n].Deleted {
		t.Fatalf("re-created at %d: %+v", i, m.Nodes()[n])
	}
	if got := m.Partitions()[0].Nodes; !cmp.Equal(got, []int{0, 1, 2}) {
		t.Errorf("ALL partition after re-creation: %v", got)
	}
}

func del2(n int) Command { return NodeAdmin{Node: n, Time: 12, UID: 0, Op: NodeDelete} }

// TestTombstoneReuse: a full table reuses a tombstone only once no job
// record refers to it.
func TestTombstoneReuse(t *testing.T) {
	m, _ := New(dynamicCluster())
	mustApply(t, m, create("d1"))
	mustApply(t, m, create("d2"))
	mustApply(t, m, Register{Node: 2, Time: 6, CPUs: 4, MemMB: 8000, Incarnation: 7})
	mustApply(t, m, Submit{Time: 7, Spec: JobSpec{UID: 1000, Script: "x", TimeLimit: 60}})
	mustApply(t, m, Start{Time: 8, Term: 1, Allocs: []Alloc{{ID: 1, Nodes: []int{2}}}})
	mustApply(t, m, ProcEnded{Node: 2, Job: JobAttempt{ID: 1}, Time: 9})
	mustApply(t, m, del2(2))
	mustApply(t, m, del2(3))
	mustApply(t, m, create("d9"))
	if i, _ := m.NodeIndex("d9"); i != 3 {
		t.Fatalf("d9 at %d, want the unreferenced tombstone 3", i)
	}
	if _, ok := m.NodeIndex("d2"); ok {
		t.Error("the reused tombstone's old name is still indexed")
	}
	if r := m.Apply(create("d8")); r.Err == nil {
		t.Error("reused the tombstone a finished job refers to")
	}
	mustApply(t, m, Purge{Time: 10_000})
	mustApply(t, m, create("d8"))
	if i, _ := m.NodeIndex("d8"); i != 2 {
		t.Fatalf("d8 at %d after the purge", i)
	}
}

func TestDynamicSnapshotRoundTrip(t *testing.T) {
	m, _ := New(dynamicCluster())
	mustApply(t, m, create("d1"))
	mustApply(t, m, create("d2"))
	mustApply(t, m, del2(3))
	r, err := Restore(m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Snapshot(), m.Snapshot()) || !cmp.Equal(r.nodes, m.nodes, cmpopts.EquateEmpty()) ||
		!cmp.Equal(r.parts, m.parts, cmpopts.EquateEmpty()) || r.Options() != m.Options() {
		t.Fatal("restored state differs")
	}
	if i, ok := r.NodeIndex("d2"); !ok || i != 3 {
		t.Errorf("tombstone not indexed after restore")
	}
	plain, _ := New(testCluster(2))
	if snap := plain.Snapshot(); snap[0] != snapshotVersion {
		t.Errorf("a cluster without dynamic nodes writes version %d", snap[0])
	} else if _, err := Restore(append([]byte{snapshotVersionDynamic}, append(snap[1:], 0, 0, 0)...)); err == nil {
		t.Error("an empty dynamic section was accepted")
	}
	enc := Encode(create("d1"))
	dec, err := Decode(enc)
	if err != nil || dec != create("d1") {
		t.Fatalf("decode: %v %#v", err, dec)
	}
	for cut := 0; cut < len(enc); cut++ {
		if _, err := Decode(enc[:cut]); err == nil {
			t.Errorf("truncated to %d bytes accepted", cut)
		}
	}
}

func TestCheckCatchesBadDynamicNodes(t *testing.T) {
	for name, corrupt := range map[string]func(m *Machine){
		"static with address":  func(m *Machine) { m.nodes[0].Addr = "x" },
		"deleted registered":   func(m *Machine) { m.nodes[2].Deleted, m.nodes[2].Registered = true, true },
		"deleted in partition": func(m *Machine) { m.nodes[2].Deleted = true },
		"dynamic without port": func(m *Machine) { m.nodes[2].Port = 0 },
		"over MaxNodeCount":    func(m *Machine) { m.opts.MaxNodeCount = 2 },
	} {
		m, _ := New(dynamicCluster())
		mustApply(t, m, create("d1"))
		corrupt(m)
		if m.Check() == nil {
			t.Errorf("%s: Check passed", name)
		}
		if _, err := Restore(m.Snapshot()); err == nil && name != "static with address" { // a static node's address is not encoded
			t.Errorf("%s: Restore accepted it", name)
		}
	}
}

// TestDynamicProperties drives random commands, dynamic node creation and
// deletion among them, checking the invariants, that rejections change
// nothing, encodings round-trip and replicas agree.
func TestDynamicProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m, err := New(dynamicCluster())
		if err != nil {
			t.Fatal(err)
		}
		twin, _ := New(dynamicCluster())
		now := int64(1_000_000)
		for i := rapid.IntRange(1, 60).Draw(t, "steps"); i > 0; i-- {
			now += rapid.Int64Range(0, 2000).Draw(t, "dt")
			var c Command
			switch rapid.IntRange(0, 5).Draw(t, "dyn") {
			case 0:
				c = NodeCreate{Time: now, Name: rapid.SampledFrom([]string{"d1", "d2", "d3", "na", ""}).Draw(t, "dname"),
					CPUs: rapid.IntRange(0, 4).Draw(t, "dcpus"), MemMB: 8000, Addr: "10.0.0.1", Hostname: "h",
					Port: rapid.IntRange(0, 2).Draw(t, "dport")}
			case 1:
				c = NodeAdmin{Node: rapid.IntRange(-1, 4).Draw(t, "dnode"), Time: now,
					UID: rapid.SampledFrom([]uint32{0, 1000}).Draw(t, "duid"), Op: NodeDelete}
			default:
				c = genCommand(t, 4, now)
			}
			enc := Encode(c)
			dec, err := Decode(enc)
			if err != nil || !bytes.Equal(Encode(dec), enc) {
				t.Fatalf("%T does not round-trip: %v", c, err)
			}
			before := m.Snapshot()
			res := m.Apply(c)
			if res.Err != nil && !bytes.Equal(before, m.Snapshot()) {
				t.Fatalf("rejected %#v (%v) changed the state", c, res.Err)
			}
			if err := m.Check(); err != nil {
				t.Fatalf("after %#v: %v", c, err)
			}
			twin.Apply(dec)
		}
		if m.Hash() != twin.Hash() {
			t.Fatal("replicas diverged")
		}
		r, err := Restore(m.Snapshot())
		if err != nil || !bytes.Equal(r.Snapshot(), m.Snapshot()) {
			t.Fatalf("restore: %v", err)
		}
	})
}
