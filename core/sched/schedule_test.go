package sched

import "testing"

// scheduleCase is one hand-checked scenario: a snapshot, options, and the
// exact plan expected.
type scheduleCase struct {
	name    string
	snap    Snapshot
	opts    Options
	starts  []Start
	pending []Verdict
	stopped string
}

func runCases(t *testing.T, cases []scheduleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := Validate(tc.snap, tc.opts); err != nil {
				t.Fatalf("test snapshot invalid: %v", err)
			}
			got := Schedule(tc.snap, tc.opts)
			assertPlan(t, got, tc.starts, tc.pending)
			if got.Stats.StoppedAt != tc.stopped {
				t.Errorf("StoppedAt = %q, want %q", got.Stats.StoppedAt, tc.stopped)
			}
			checkPlan(t, tc.snap, tc.opts, got)
		})
	}
}

// wideJobSnapshot: nodes 0 and 1 are full until now+100. A wide job (1)
// needs all four nodes for 1000 s, a short job (2) one node for 50 s, a
// long job (3) one node for 500 s.
func wideJobSnapshot() Snapshot {
	return Snapshot{
		Now:        now,
		Nodes:      nodes(4, 4),
		Partitions: []Partition{upPartition("batch", 0, 1, 2, 3)},
		Running:    []RunningJob{running(100, 4, now+100, 0, 1)},
		Pending: []PendingJob{
			job(3, 40, 1, 4, 500),
			job(1, 100, 4, 4, 1000),
			job(2, 50, 1, 4, 50),
		},
	}
}

func TestScheduleBackfill(t *testing.T) {
	runCases(t, []scheduleCase{{
		// The short job ends before the wide job's reservation starts and
		// is backfilled. The long job would overlap the reservation on any
		// free node, so it waits until the wide job ends.
		name:   "short job backfilled, long job not",
		snap:   wideJobSnapshot(),
		opts:   Options{Backfill: true},
		starts: []Start{started(2, true, 2)},
		pending: []Verdict{
			reserved(1, ReasonResources, now+100, 0, 1, 2, 3),
			reserved(3, ReasonPriority, now+1100, 0),
		},
	}, {
		// Strict FIFO: the blocked wide job holds back the whole partition.
		name: "fifo blocks the partition",
		snap: wideJobSnapshot(),
		pending: []Verdict{
			reserved(1, ReasonResources, now+100, 0, 1, 2, 3),
			waiting(2, ReasonPriority),
			waiting(3, ReasonPriority),
		},
	}, {
		// A job needing a node held forever has no start time and so no
		// reservation: it protects nothing and lower jobs run.
		name: "never-startable job reserves nothing",
		snap: Snapshot{
			Now: now, Nodes: nodes(2, 4),
			Partitions: []Partition{upPartition("batch", 0, 1)},
			Running:    []RunningJob{running(100, 4, 0, 0)},
			Pending:    []PendingJob{job(1, 10, 2, 4, 60), job(2, 5, 1, 4, 0)},
		},
		opts:    Options{Backfill: true},
		starts:  []Start{started(2, true, 1)},
		pending: []Verdict{waiting(1, ReasonResources)},
	}, {
		name: "reservation beyond the window is not made",
		snap: Snapshot{
			Now: now, Nodes: nodes(1, 4),
			Partitions: []Partition{upPartition("batch", 0)},
			Running:    []RunningJob{running(100, 4, now+5000, 0)},
			Pending:    []PendingJob{job(1, 10, 1, 4, 60), job(2, 5, 1, 1, 60)},
		},
		opts: Options{Backfill: true, BackfillWindow: 1000},
		pending: []Verdict{
			waiting(1, ReasonResources),
			waiting(2, ReasonPriority),
		},
	}, {
		name: "reservation inside the window",
		snap: Snapshot{
			Now: now, Nodes: nodes(1, 4),
			Partitions: []Partition{upPartition("batch", 0)},
			Running:    []RunningJob{running(100, 4, now+5000, 0)},
			Pending:    []PendingJob{job(1, 10, 1, 4, 60), job(2, 5, 1, 1, 60)},
		},
		opts: Options{Backfill: true, BackfillWindow: 10000},
		pending: []Verdict{
			reserved(1, ReasonResources, now+5000, 0),
			reserved(2, ReasonPriority, now+5060, 0),
		},
	}, {
		name: "overdue running job is expected to end in a second",
		snap: Snapshot{
			Now: now, Nodes: nodes(1, 4),
			Partitions: []Partition{upPartition("batch", 0)},
			Running:    []RunningJob{running(100, 4, now-10, 0)},
			Pending:    []PendingJob{job(1, 10, 1, 4, 60)},
		},
		opts:    Options{Backfill: true},
		pending: []Verdict{reserved(1, ReasonResources, now+1, 0)},
	}})
}

// overlapSnapshot: partitions A {0,1} and B {1,2} share node 1. Node 0 is
// busy until now+100, so job 1 (A, both nodes) must wait and freezes them.
func overlapSnapshot() Snapshot {
	b := func(j PendingJob) PendingJob { j.Partition = 1; return j }
	return Snapshot{
		Now:        now,
		Nodes:      nodes(3, 4),
		Partitions: []Partition{upPartition("A", 0, 1), upPartition("B", 1, 2)},
		Running:    []RunningJob{running(100, 4, now+100, 0)},
		Pending: []PendingJob{
			job(1, 10, 2, 4, 50),
			b(job(2, 5, 1, 4, 500)),
			b(job(3, 4, 1, 4, 10)),
			b(job(4, 3, 1, 4, 10)),
		},
	}
}

func TestScheduleOverlappingPartitions(t *testing.T) {
	runCases(t, []scheduleCase{{
		// Like Slurm's main scheduler, a blocked job keeps strict FIFO off
		// every node of its partition, also for other partitions. Job 3
		// fits node 1 right now, but only by using a frozen node, so it is
		// reserved for now instead of started.
		name:   "fifo freezes the blocked partition's nodes",
		snap:   overlapSnapshot(),
		starts: []Start{started(2, false, 2)},
		pending: []Verdict{
			reserved(1, ReasonResources, now+100, 0, 1),
			reserved(3, ReasonResources, now, 1),
			waiting(4, ReasonPriority),
		},
	}, {
		// Backfill uses node 1 for job 3, which ends before job 1's
		// reservation; that start is flagged Backfilled because FIFO
		// would have refused it.
		name:   "backfill uses the shared node before the reservation",
		snap:   overlapSnapshot(),
		opts:   Options{Backfill: true},
		starts: []Start{started(2, false, 2), started(3, true, 1)},
		pending: []Verdict{
			reserved(1, ReasonResources, now+100, 0, 1),
			reserved(4, ReasonResources, now+10, 1),
		},
	}})
}

func TestScheduleNodeSelection(t *testing.T) {
	weighted := nodes(3, 4)
	weighted[0].Weight, weighted[1].Weight, weighted[2].Weight = 5, 1, 1
	runCases(t, []scheduleCase{{
		name:   "empty snapshot",
		snap:   Snapshot{Now: now},
		starts: nil,
	}, {
		name: "lowest weight first, then lowest index",
		snap: Snapshot{
			Now: now, Nodes: weighted,
			Partitions: []Partition{upPartition("batch", 0, 1, 2)},
			Pending:    []PendingJob{job(1, 1, 2, 1, 60), job(2, 1, 1, 4, 60)},
		},
		starts: []Start{started(1, false, 1, 2), started(2, false, 0)},
	}, {
		// Job 1 avoids node 0 (a job) and node 1 (an exclusive job). Job 2
		// shares node 0. Job 3 finds node 0 with one CPU left but node 2
		// is now exclusive, so it waits for job 1 to end.
		name: "exclusive jobs need idle nodes and keep others off",
		snap: Snapshot{
			Now: now, Nodes: nodes(3, 4),
			Partitions: []Partition{upPartition("batch", 0, 1, 2)},
			Running: []RunningJob{
				running(100, 1, now+100, 0),
				{ID: 101, Nodes: []int{1}, CPUsPerNode: 1, Exclusive: true, ExpectedEnd: now + 200},
			},
			Pending: []PendingJob{
				{ID: 1, Priority: 10, NumNodes: 1, CPUsPerNode: 1, TimeLimit: 50, Exclusive: true},
				job(2, 5, 1, 2, 50),
				job(3, 4, 2, 1, 50),
			},
		},
		starts:  []Start{started(1, false, 2), started(2, false, 0)},
		pending: []Verdict{reserved(3, ReasonResources, now+50, 0, 2)},
	}, {
		// MemPerNodeMB 0 requests no memory, so job 3 fits a node whose
		// memory is all in use; job 2 needs one MB and waits.
		name: "memory",
		snap: Snapshot{
			Now: now, Nodes: nodes(1, 4),
			Partitions: []Partition{upPartition("batch", 0)},
			Running: []RunningJob{
				{ID: 100, Nodes: []int{0}, CPUsPerNode: 1, MemPerNodeMB: 6000, ExpectedEnd: now + 100},
			},
			Pending: []PendingJob{
				{ID: 1, Priority: 10, NumNodes: 1, CPUsPerNode: 1, MemPerNodeMB: 2000, TimeLimit: 1000},
				{ID: 2, Priority: 5, NumNodes: 1, CPUsPerNode: 1, MemPerNodeMB: 1, TimeLimit: 10},
				{ID: 3, Priority: 1, NumNodes: 1, CPUsPerNode: 1, TimeLimit: 10},
			},
		},
		opts:    Options{Backfill: true},
		starts:  []Start{started(1, false, 0), started(3, true, 0)},
		pending: []Verdict{reserved(2, ReasonResources, now+100, 0)},
	}})
}

// gapSnapshot: wide job 1 (partition {0,1,2}) is reserved from now+100;
// node 2 is free until then. Job 2 (partition {2,3}) needs nodes 2 and 3
// for 50 s, and node 3 is busy until now+node3Busy.
func gapSnapshot(node3Busy int64) Snapshot {
	j2 := job(2, 5, 2, 4, 50)
	j2.Partition = 1
	return Snapshot{
		Now:        now,
		Nodes:      nodes(4, 4),
		Partitions: []Partition{upPartition("wide", 0, 1, 2), upPartition("pair", 2, 3)},
		Running:    []RunningJob{running(100, 4, now+100, 0), running(101, 4, now+node3Busy, 3)},
		Pending:    []PendingJob{job(1, 10, 3, 4, 1000), j2},
	}
}

func TestScheduleExactGaps(t *testing.T) {
	runCases(t, []scheduleCase{{
		// Job 2 would end exactly when job 1's reservation begins.
		name: "a job fits a gap of exactly its length",
		snap: gapSnapshot(50),
		opts: Options{Backfill: true},
		pending: []Verdict{
			reserved(1, ReasonResources, now+100, 0, 1, 2),
			reserved(2, ReasonResources, now+50, 2, 3),
		},
	}, {
		// One second less of gap, and job 2 must wait for job 1 to end.
		name: "a job does not fit a gap one second too short",
		snap: gapSnapshot(51),
		opts: Options{Backfill: true},
		pending: []Verdict{
			reserved(1, ReasonResources, now+100, 0, 1, 2),
			reserved(2, ReasonResources, now+1100, 2, 3),
		},
	}})
}
