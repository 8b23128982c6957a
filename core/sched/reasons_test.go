package sched

import "testing"

func TestSchedulePartitionLimits(t *testing.T) {
	inPart := func(j PendingJob, part int) PendingJob { j.Partition = part; return j }
	limited := Partition{Name: "short", Nodes: []int{0, 1}, Up: true, MaxTime: 100, MaxNodes: 1}
	down := Partition{Name: "down", Nodes: []int{0, 1}}
	single := upPartition("single", 0)
	runCases(t, []scheduleCase{{
		name: "each limit gives its reason and blocks nothing",
		snap: Snapshot{
			Now: now, Nodes: nodes(2, 4),
			Partitions: []Partition{limited, down, single},
			Pending: []PendingJob{
				job(1, 10, 1, 1, 200),            // over MaxTime
				job(2, 10, 2, 1, 50),             // over MaxNodes
				inPart(job(3, 10, 1, 1, 50), 1),  // partition down
				job(4, 10, 1, 8, 50),             // no node has 8 CPUs
				inPart(job(6, 10, 2, 1, 50), 2),  // more nodes than the partition has
				job(7, 10, 1, 1, 0),              // runs with MaxTime as its limit
				job(8, 10, 1, 4, 100),            // fits node 1 only
				inPart(job(9, 10, 1, 4, 100), 2), // waits for job 7 on node 0
			},
		},
		starts: []Start{started(7, false, 0), started(8, false, 1)},
		pending: []Verdict{
			waiting(1, ReasonPartitionTimeLimit),
			waiting(2, ReasonPartitionNodeLimit),
			waiting(3, ReasonPartitionDown),
			waiting(4, ReasonPartitionConfig),
			waiting(6, ReasonPartitionNodeLimit),
			reserved(9, ReasonResources, now+100, 0),
		},
	}})
}

func TestScheduleHoldAndBeginTime(t *testing.T) {
	held := job(1, 100, 1, 4, 60)
	held.Held = true
	userHeld := job(2, 90, 1, 4, 60)
	userHeld.Held, userHeld.UserHold = true, true
	later := job(3, 80, 1, 4, 60)
	later.EligibleTime = now + 10
	eligible := job(4, 70, 1, 4, 60)
	eligible.EligibleTime = now
	runCases(t, []scheduleCase{{
		name: "held and future jobs are skipped without blocking",
		snap: Snapshot{
			Now: now, Nodes: nodes(1, 4),
			Partitions: []Partition{upPartition("batch", 0)},
			Pending:    []PendingJob{held, userHeld, later, eligible},
		},
		starts: []Start{started(4, false, 0)},
		pending: []Verdict{
			waiting(1, ReasonJobHeldAdmin),
			waiting(2, ReasonJobHeldUser),
			waiting(3, ReasonBeginTime),
		},
	}})
}

func TestScheduleOrder(t *testing.T) {
	early := job(2, 50, 1, 4, 60)
	early.SubmitTime = now - 500
	hiTier := job(3, 1, 1, 4, 60)
	hiTier.Partition = 1
	runCases(t, []scheduleCase{{
		// Equal priority: earlier submit first, then lower ID.
		name: "priority, then submit time, then ID",
		snap: Snapshot{
			Now: now, Nodes: nodes(1, 4),
			Partitions: []Partition{upPartition("batch", 0)},
			Pending:    []PendingJob{job(9, 50, 1, 4, 60), job(1, 50, 1, 4, 60), early, job(4, 60, 1, 4, 60)},
		},
		opts:   Options{Backfill: true},
		starts: []Start{started(4, false, 0)},
		pending: []Verdict{
			reserved(2, ReasonResources, now+60, 0),
			reserved(1, ReasonPriority, now+120, 0),
			reserved(9, ReasonPriority, now+180, 0),
		},
	}, {
		// As in Slurm, PriorityTier outranks job priority.
		name: "partition tier before priority",
		snap: Snapshot{
			Now: now, Nodes: nodes(1, 4),
			Partitions: []Partition{
				upPartition("low", 0),
				{Name: "high", Nodes: []int{0}, Up: true, PriorityTier: 1},
			},
			Pending: []PendingJob{job(1, 100, 1, 4, 60), hiTier},
		},
		starts:  []Start{started(3, false, 0)},
		pending: []Verdict{reserved(1, ReasonResources, now+60, 0)},
	}})
}

func TestScheduleWorkLimits(t *testing.T) {
	held := job(5, 1, 1, 1, 10)
	held.Held = true
	runCases(t, []scheduleCase{{
		// Only two jobs are evaluated; the third is not even started
		// though a free node would fit it. Cheap checks still run.
		name: "max job test",
		snap: Snapshot{
			Now: now, Nodes: nodes(2, 4),
			Partitions: []Partition{upPartition("batch", 0, 1)},
			Running:    []RunningJob{running(100, 4, now+100, 0)},
			Pending:    []PendingJob{job(1, 10, 2, 4, 10), job(2, 9, 2, 4, 10), job(3, 8, 1, 1, 10), held},
		},
		opts: Options{Backfill: true, MaxJobTest: 2},
		pending: []Verdict{
			reserved(1, ReasonResources, now+100, 0, 1),
			reserved(2, ReasonPriority, now+110, 0, 1),
			waiting(3, ReasonPriority),
			waiting(5, ReasonJobHeldAdmin),
		},
		stopped: StoppedAtMaxJobTest,
	}, {
		// Each one-node start may add two segments; the fourth would
		// pass the limit of four, so the pass stops there.
		name: "timeline limit",
		snap: Snapshot{
			Now: now, Nodes: nodes(4, 1),
			Partitions: []Partition{upPartition("batch", 0, 1, 2, 3)},
			Pending:    []PendingJob{job(1, 4, 1, 1, 10), job(2, 3, 1, 1, 10), job(3, 2, 1, 1, 10), job(4, 1, 1, 1, 10)},
		},
		opts:    Options{TimelineLimit: 4},
		starts:  []Start{started(1, false, 0), started(2, false, 1), started(3, false, 2)},
		pending: []Verdict{waiting(4, ReasonPriority)},
		stopped: StoppedAtTimelineLimit,
	}})
}
