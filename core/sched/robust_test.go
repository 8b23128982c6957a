package sched

import (
	"errors"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// anyInt64 draws values that break naive arithmetic more often than
// uniform draws would.
func anyInt64(t *rapid.T, label string) int64 {
	return rapid.OneOf(
		rapid.Int64Range(-3, 12),
		rapid.SampledFrom([]int64{math.MinInt64, math.MinInt64 + 1, -1 << 62, 1 << 61, 1 << 62,
			math.MaxInt64 - 1, math.MaxInt64}),
		rapid.Int64(),
	).Draw(t, label)
}

func anyInt(t *rapid.T, label string) int { return int(anyInt64(t, label)) }

func garbageSnapshot(t *rapid.T) Snapshot {
	s := Snapshot{Now: anyInt64(t, "now")}
	nodeCount := rapid.IntRange(0, 5).Draw(t, "nodes")
	for range nodeCount {
		s.Nodes = append(s.Nodes, Node{CPUs: anyInt(t, "cpus"), MemMB: anyInt64(t, "mem"),
			Weight: anyInt(t, "weight"), Available: rapid.Bool().Draw(t, "available")})
	}
	index := rapid.IntRange(-2, nodeCount+1)
	for range rapid.IntRange(0, 3).Draw(t, "partitions") {
		s.Partitions = append(s.Partitions, Partition{
			Nodes: rapid.SliceOfN(index, 0, 6).Draw(t, "members"), Up: rapid.Bool().Draw(t, "up"),
			MaxTime: anyInt64(t, "maxtime"), MaxNodes: anyInt(t, "maxnodes"), PriorityTier: anyInt(t, "tier"),
		})
	}
	for range rapid.IntRange(0, 4).Draw(t, "running") {
		s.Running = append(s.Running, RunningJob{ID: rapid.Uint32().Draw(t, "rid"),
			Nodes:       rapid.SliceOfN(index, 0, 4).Draw(t, "rnodes"),
			CPUsPerNode: anyInt(t, "rcpus"), MemPerNodeMB: anyInt64(t, "rmem"),
			Exclusive: rapid.Bool().Draw(t, "rexcl"), ExpectedEnd: anyInt64(t, "rend")})
	}
	for range rapid.IntRange(0, 8).Draw(t, "pending") {
		s.Pending = append(s.Pending, PendingJob{ID: rapid.Uint32Range(0, 5).Draw(t, "id"),
			Priority: rapid.Uint32().Draw(t, "prio"), SubmitTime: anyInt64(t, "submit"),
			Partition: rapid.IntRange(-1, len(s.Partitions)).Draw(t, "part"),
			NumNodes:  anyInt(t, "numnodes"), CPUsPerNode: anyInt(t, "jcpus"),
			MemPerNodeMB: anyInt64(t, "jmem"), TimeLimit: anyInt64(t, "limit"),
			Exclusive: rapid.Bool().Draw(t, "excl"), Held: rapid.Bool().Draw(t, "held"),
			EligibleTime: anyInt64(t, "eligible")})
	}
	return s
}

// TestPropertyGarbageIn: Schedule and Validate never panic, whatever the
// input, and a start is still always structurally sound: an existing,
// available node of the job's partition, each once, as many as asked.
func TestPropertyGarbageIn(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := garbageSnapshot(t)
		o := Options{MaxJobTest: anyInt(t, "maxjobtest"), Backfill: rapid.Bool().Draw(t, "backfill"),
			BackfillWindow: anyInt64(t, "window"), TimelineLimit: anyInt(t, "timelinelimit")}
		_ = Validate(s, o)
		plan := Schedule(s, o)
		if got := len(plan.Starts) + len(plan.Pending); got != len(s.Pending) {
			t.Fatalf("%d outcomes for %d pending jobs", got, len(s.Pending))
		}
		// With duplicate IDs a start cannot be traced to one job; check
		// against every job carrying the ID.
		for _, st := range plan.Starts {
			if !slices.ContainsFunc(s.Pending, func(j PendingJob) bool { return soundStart(s, j, st) }) {
				t.Fatalf("start %+v matches no pending job", st)
			}
		}
	})
}

func soundStart(s Snapshot, j PendingJob, st Start) bool {
	if j.ID != st.JobID || j.Held || j.Partition < 0 || j.Partition >= len(s.Partitions) ||
		len(st.Nodes) != max(j.NumNodes, 1) {
		return false
	}
	part := s.Partitions[j.Partition]
	for i, n := range st.Nodes {
		if n < 0 || n >= len(s.Nodes) || !s.Nodes[n].Available || !slices.Contains(part.Nodes, n) ||
			slices.Contains(st.Nodes[:i], n) {
			return false
		}
	}
	return true
}

func TestValidate(t *testing.T) {
	good := wideJobSnapshot()
	if err := Validate(good, Options{}); err != nil {
		t.Fatalf("valid snapshot rejected: %v", err)
	}
	breakers := map[string]func(s *Snapshot, o *Options){
		"zero now":             func(s *Snapshot, o *Options) { s.Now = 0 },
		"node without cpus":    func(s *Snapshot, o *Options) { s.Nodes[0].CPUs = 0 },
		"negative memory":      func(s *Snapshot, o *Options) { s.Nodes[1].MemMB = -1 },
		"partition bad node":   func(s *Snapshot, o *Options) { s.Partitions[0].Nodes = []int{0, 9} },
		"partition node twice": func(s *Snapshot, o *Options) { s.Partitions[0].Nodes = []int{1, 1} },
		"duplicate pending id": func(s *Snapshot, o *Options) { s.Pending[1].ID = s.Pending[0].ID },
		"bad partition index":  func(s *Snapshot, o *Options) { s.Pending[0].Partition = 1 },
		"zero nodes":           func(s *Snapshot, o *Options) { s.Pending[0].NumNodes = 0 },
		"negative time limit":  func(s *Snapshot, o *Options) { s.Pending[0].TimeLimit = -5 },
		"running id reused":    func(s *Snapshot, o *Options) { s.Running[0].ID = s.Pending[2].ID },
		"running on no nodes":  func(s *Snapshot, o *Options) { s.Running[0].Nodes = nil },
		"running end negative": func(s *Snapshot, o *Options) { s.Running[0].ExpectedEnd = -1 },
		"max job test too big": func(s *Snapshot, o *Options) { o.MaxJobTest = MaxJobTestLimit + 1 },
		"negative window":      func(s *Snapshot, o *Options) { o.BackfillWindow = -1 },
	}
	for name, breakIt := range breakers {
		t.Run(name, func(t *testing.T) {
			s, o := deepCopy(good), Options{}
			breakIt(&s, &o)
			if err := Validate(s, o); !errors.Is(err, ErrInvalidSnapshot) {
				t.Fatalf("Validate(snapshot with %s) = %v, want ErrInvalidSnapshot", name, err)
			}
		})
	}
}
