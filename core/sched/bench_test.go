package sched

import (
	"fmt"
	"testing"
)

// splitmix is a tiny deterministic generator for benchmark workloads, so
// that benchmarks are reproducible and need no math/rand.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a value in [lo, hi].
func (s *splitmix) intn(lo, hi int) int { return lo + int(s.next()%uint64(hi-lo+1)) }

// benchSnapshot builds a busy cluster: about 85% of the nodes run jobs,
// four partitions overlap, and the queue mixes many narrow jobs with
// some wide ones, so that most pending jobs must wait and backfill has
// real work to do.
func benchSnapshot(nodeCount, pendingCount int, seed uint64) Snapshot {
	rng := splitmix(seed)
	const start = 1_700_000_000
	s := Snapshot{Now: start}
	all := make([]int, nodeCount)
	for i := range nodeCount {
		s.Nodes = append(s.Nodes, Node{
			Name: fmt.Sprintf("c%04d", i), CPUs: 32 << rng.intn(0, 2), MemMB: 256_000,
			Weight: rng.intn(0, 3), Available: rng.intn(0, 49) > 0,
		})
		all[i] = i
	}
	half := nodeCount / 2
	s.Partitions = []Partition{
		{Name: "batch", Nodes: all, Up: true, MaxTime: 7 * 86400},
		{Name: "low", Nodes: all[:half], Up: true},
		{Name: "high", Nodes: all[half:], Up: true},
		{Name: "debug", Nodes: all[:min(32, nodeCount)], Up: true, MaxTime: 3600, PriorityTier: 1},
	}
	for i := 0; i < nodeCount*85/100; {
		width := rng.intn(1, 8)
		job := RunningJob{ID: uint32(1_000_000 + i), CPUsPerNode: rng.intn(8, 32), MemPerNodeMB: 64_000,
			ExpectedEnd: int64(start + rng.intn(60, 2*86400))}
		if rng.intn(0, 19) == 0 {
			job.ExpectedEnd = 0
		}
		for n := i; n < min(i+width, nodeCount); n++ {
			job.Nodes = append(job.Nodes, n)
		}
		s.Running = append(s.Running, job)
		i += width
	}
	for i := range pendingCount {
		job := PendingJob{
			ID: uint32(i + 1), Priority: uint32(rng.intn(0, 10_000)), SubmitTime: int64(start - rng.intn(0, 86400)),
			Partition: rng.intn(0, 3), NumNodes: rng.intn(1, 4), CPUsPerNode: rng.intn(1, 32),
			MemPerNodeMB: int64(rng.intn(0, 128_000)), TimeLimit: int64(rng.intn(1, 48) * 1800),
			Exclusive: rng.intn(0, 9) == 0,
		}
		if rng.intn(0, 19) == 0 {
			job.NumNodes = rng.intn(16, 128)
		}
		if job.Partition == 3 {
			job.TimeLimit = int64(rng.intn(1, 6) * 600)
		}
		s.Pending = append(s.Pending, job)
	}
	return s
}

func BenchmarkSchedule(b *testing.B) {
	for _, bc := range []struct {
		nodes, pending int
		opts           Options
	}{
		{32, 1000, Options{Backfill: true}},
		{1000, 5000, Options{}},
		{1000, 5000, Options{Backfill: true}},
		{1000, 5000, Options{Backfill: true, MaxJobTest: 500}},
		{1000, 5000, Options{Backfill: true, MaxJobTest: 5000}},
		{4000, 20000, Options{Backfill: true, MaxJobTest: 1000}},
	} {
		name := fmt.Sprintf("nodes=%d/pending=%d/backfill=%v/maxjobtest=%d",
			bc.nodes, bc.pending, bc.opts.Backfill, bc.opts.MaxJobTest)
		b.Run(name, func(b *testing.B) {
			s := benchSnapshot(bc.nodes, bc.pending, 1)
			if err := Validate(s, bc.opts); err != nil {
				b.Fatal(err)
			}
			var plan Plan
			for b.Loop() {
				plan = Schedule(s, bc.opts)
			}
			b.ReportMetric(float64(len(plan.Starts)), "starts")
			b.ReportMetric(float64(plan.Stats.Tested), "tested")
			b.ReportMetric(float64(plan.Stats.TimelineSegments), "segments")
		})
	}
}
