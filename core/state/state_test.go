package state

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

func testCluster(nodes int) Cluster {
	c := Cluster{Options: Options{MaxJobCount: 1000, MinJobAge: 300, SlurmUID: 64030, ReturnToService: 1, MaxArraySize: 8}}
	var all []int
	for i := 0; i < nodes; i++ {
		c.Nodes = append(c.Nodes, NodeConfig{Name: "n" + string(rune('a'+i)), CPUs: 4, MemMB: 8000})
		all = append(all, i)
	}
	c.Partitions = []Partition{
		{Name: "debug", Nodes: all, Default: true, State: PartitionUp, MaxTime: 3600},
		{Name: "long", Nodes: all[:1], State: PartitionUp},
	}
	return c
}

func genSpec(t *rapid.T) JobSpec {
	return JobSpec{
		Name:        rapid.StringN(0, 8, 8).Draw(t, "name"),
		UID:         rapid.SampledFrom([]uint32{0, 1000, 1001}).Draw(t, "uid"),
		Partition:   rapid.SampledFrom([]string{"", "debug", "long", "nope"}).Draw(t, "part"),
		NumNodes:    rapid.IntRange(0, 4).Draw(t, "nodes"),
		NumTasks:    rapid.IntRange(0, 8).Draw(t, "tasks"),
		CPUsPerTask: rapid.IntRange(0, 3).Draw(t, "cpt"),
		MemPerNode:  rapid.Int64Range(0, 9000).Draw(t, "mem"),
		TimeLimit:   rapid.Int64Range(0, 4000).Draw(t, "limit"),
		Nice:        rapid.IntRange(-5, 5).Draw(t, "nice"),
		Hold:        rapid.Bool().Draw(t, "hold"),
		Requeue:     rapid.Bool().Draw(t, "requeue"),
		Exclusive:   rapid.Bool().Draw(t, "excl"),
		Env:         rapid.SliceOfN(rapid.StringN(0, 5, 5), 0, 2).Draw(t, "env"),
		Dependencies: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Dependency {
			return Dependency{Type: DependType(rapid.IntRange(0, 5).Draw(t, "dtype")), Job: JobID(rapid.IntRange(0, 12).Draw(t, "djob"))}
		}), 0, 2).Draw(t, "deps"),
		DependAny: rapid.Bool().Draw(t, "depany"),
		// Mostly none; sometimes nodes out of range or out of order.
		ReqNodes: rapid.SliceOfN(rapid.IntRange(-1, 4), 0, 2).Draw(t, "req"),
		ExcNodes: rapid.SliceOfN(rapid.IntRange(-1, 4), 0, 2).Draw(t, "exc"),
		// Mostly no array; sometimes a valid one, sometimes ids out of
		// order or above MaxArraySize (testCluster's is 8).
		ArrayTasks: rapid.SliceOfN(rapid.Uint32Range(0, 9), 0, 4).Draw(t, "array"),
	}
}

// genCommand draws any command, valid or not, over a cluster of n nodes.
func genCommand(t *rapid.T, n int, now int64) Command {
	id := JobID(rapid.IntRange(0, 12).Draw(t, "id"))
	att := JobAttempt{ID: id, Attempt: uint32(rapid.IntRange(0, 2).Draw(t, "att"))}
	node := rapid.IntRange(-1, n).Draw(t, "node")
	uid := rapid.SampledFrom([]uint32{0, 1000, 1001, 64030}).Draw(t, "uid")
	switch rapid.IntRange(0, 12).Draw(t, "kind") {
	case 0, 1:
		return Submit{Client: rapid.SampledFrom([]string{"", "c1", "c2"}).Draw(t, "client"),
			Seq: rapid.Uint64Range(0, 5).Draw(t, "seq"), Time: now, Spec: genSpec(t)}
	case 2:
		return Cancel{ID: id, Time: now, UID: uid, Array: rapid.Bool().Draw(t, "array")}
	case 3:
		u := Update{ID: id, Time: now, UID: uid}
		if rapid.Bool().Draw(t, "tl") {
			v := rapid.Int64Range(0, 5000).Draw(t, "tlv")
			u.TimeLimit = &v
		}
		if rapid.Bool().Draw(t, "hold?") {
			v := rapid.Bool().Draw(t, "holdv")
			u.Hold = &v
		}
		if rapid.Bool().Draw(t, "nn") {
			v := rapid.IntRange(0, 3).Draw(t, "nnv")
			u.NumNodes = &v
		}
		if rapid.IntRange(0, 3).Draw(t, "req?") == 0 {
			v := rapid.SliceOfN(rapid.IntRange(-1, n), 0, 2).Draw(t, "reqv")
			u.ReqNodes = &v
		}
		if rapid.IntRange(0, 3).Draw(t, "exc?") == 0 {
			v := rapid.SliceOfN(rapid.IntRange(-1, n), 0, 2).Draw(t, "excv")
			u.ExcNodes = &v
		}
		return u
	case 4:
		return Requeue{ID: id, Time: now, UID: uid}
	case 5, 6:
		s := Start{Time: now, Term: rapid.Uint64Range(1, 3).Draw(t, "term")}
		for k := rapid.IntRange(0, 3).Draw(t, "nallocs"); k > 0; k-- {
			s.Allocs = append(s.Allocs, Alloc{ID: JobID(rapid.IntRange(1, 12).Draw(t, "aid")),
				Nodes: rapid.SliceOfN(rapid.IntRange(-1, n), 0, 3).Draw(t, "anodes")})
		}
		return s
	case 7:
		return ProcEnded{Node: node, Job: att, Time: now, ExitCode: rapid.IntRange(0, 2).Draw(t, "rc")}
	case 8:
		return Register{Node: node, Time: now, CPUs: rapid.IntRange(2, 4).Draw(t, "rcpu"), MemMB: 8000,
			Incarnation: rapid.Uint64Range(1, 2).Draw(t, "inc"),
			Running:     []JobAttempt{att}[:rapid.IntRange(0, 1).Draw(t, "run")]}
	case 9:
		if rapid.Bool().Draw(t, "admin") {
			return NodeAdmin{Node: node, Time: now, UID: uid, Op: NodeAdminOp(rapid.IntRange(1, 3).Draw(t, "op")),
				Reason: rapid.SampledFrom([]string{"", "maint"}).Draw(t, "why")}
		}
		return NodeDown{Node: node, Time: now, Reason: "Not responding"}
	case 11:
		return genStepCommand(t, id, uid, n, now)
	case 12:
		return CompleteAllocation{ID: id, Time: now, UID: uid, ExitCode: rapid.IntRange(0, 2).Draw(t, "arc"),
			Signal: rapid.IntRange(0, 1).Draw(t, "asig"), Cancel: rapid.Bool().Draw(t, "acancel")}
	default:
		if rapid.Bool().Draw(t, "purge") {
			return Purge{Time: now}
		}
		return Timeout{Job: att, Time: now}
	}
}

// TestApplyProperties drives random command sequences and checks that
// invariants hold after each command, that a rejected command changes
// nothing, that every command round-trips through its encoding, and that
// snapshot/restore is exact.
func TestApplyProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		const nodes = 3
		m, err := New(testCluster(nodes))
		if err != nil {
			t.Fatal(err)
		}
		twin, _ := New(testCluster(nodes))
		now := int64(1_000_000)
		for i := rapid.IntRange(1, 60).Draw(t, "steps"); i > 0; i-- {
			now += rapid.Int64Range(0, 2000).Draw(t, "dt")
			c := genCommand(t, nodes, now)
			enc := Encode(c)
			dec, err := Decode(enc)
			if err != nil {
				t.Fatalf("decode %T: %v", c, err)
			}
			if !bytes.Equal(Encode(dec), enc) {
				t.Fatalf("re-encode of %T differs", c)
			}
			before := m.Snapshot()
			dupSubmit := false
			if sub, ok := c.(Submit); ok && sub.Client != "" {
				_, dupSubmit = m.requests[requestKey{sub.Client, sub.Seq}]
			}
			res := m.Apply(c)
			if res.Err != nil && !bytes.Equal(before, m.Snapshot()) {
				t.Fatalf("rejected %#v (%v) changed the state", c, res.Err)
			}
			if err := m.Check(); err != nil {
				t.Fatalf("after %#v: %v", c, err)
			}
			if sub, ok := c.(Submit); ok && res.Err == nil && len(sub.Spec.ArrayTasks) > 0 {
				if got := m.ArrayTasks(res.Job); !dupSubmit && len(got) != len(sub.Spec.ArrayTasks) {
					t.Fatalf("array submit %v made %d tasks", sub.Spec.ArrayTasks, len(got))
				}
			}
			if cn, ok := c.(Cancel); ok && res.Err == nil && cn.Array {
				for _, j := range m.ArrayTasks(cn.ID) {
					if !j.State.Terminal() {
						t.Fatalf("array %d task %d still %v after cancel", cn.ID, j.ArrayTaskID, j.State)
					}
				}
			}
			for _, a := range res.Launch {
				if ok, _ := m.DependencyState(m.jobs[a.ID]); !ok {
					t.Fatalf("job %d started with its dependency %v unsatisfied", a.ID, m.jobs[a.ID].Spec.Dependencies)
				}
			}
			if res2 := twin.Apply(dec); !cmp.Equal(res, res2, cmpopts.EquateEmpty()) {
				t.Fatalf("decoded command gave a different result: %+v vs %+v", res, res2)
			}
		}
		if m.Hash() != twin.Hash() {
			t.Fatal("replicas applying the same commands diverged")
		}
		snap := m.Snapshot()
		r, err := Restore(snap)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		if !bytes.Equal(r.Snapshot(), snap) {
			t.Fatal("snapshot does not round-trip")
		}
		empty := cmpopts.EquateEmpty()
		if !cmp.Equal(r.jobs, m.jobs, empty) || !cmp.Equal(r.nodes, m.nodes, empty) || !cmp.Equal(r.requests, m.requests, cmp.AllowUnexported(requestKey{})) {
			t.Fatal("restored state differs")
		}
	})
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {1}, {2, 1}, {1, 99}, {1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, err := Decode(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Decode(%x) = %v, want ErrCorrupt", b, err)
		}
	}
	good := Encode(Cancel{ID: 7, Time: 5, UID: 1})
	if _, err := Decode(append(good, 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing byte accepted: %v", err)
	}
	if _, err := Restore([]byte{1, 2, 3}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Restore garbage: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(Submit{Client: "c", Seq: 1, Time: 2, Spec: JobSpec{Name: "x", NumNodes: 2}}))
	f.Add(Encode(Start{Time: 1, Term: 2, Allocs: []Alloc{{ID: 1, Nodes: []int{0, 1}}}}))
	f.Add(Encode(StepCreate{Job: 1, Time: 2, UID: 3, Request: 4, Name: "a", NumNodes: 1, Nodes: []int{0}, Tasks: 2, SrunHost: "h"}))
	f.Add(Encode(StepEnd{Job: 1, Step: 2, Time: 3, First: 0, Last: 1, ExitCode: 256}))
	f.Add(Encode(CompleteAllocation{ID: 1, Time: 2, UID: 3, ExitCode: 1, Cancel: true}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(Encode(c), b) {
			t.Fatalf("decoded %#v but it re-encodes differently", c)
		}
	})
}
