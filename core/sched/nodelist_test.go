package sched

import "testing"

// withNodes sets a job's required and excluded nodes.
func withNodes(j PendingJob, req, exc []int) PendingJob {
	j.ReqNodes, j.ExcNodes = req, exc
	return j
}

func TestScheduleNodeLists(t *testing.T) {
	// Node 0 is busy until now+100; nodes 1-3 are free.
	busy := func(pending ...PendingJob) Snapshot {
		return Snapshot{
			Now: now, Nodes: nodes(4, 4),
			Partitions: []Partition{upPartition("batch", 0, 1, 2, 3)},
			Running:    []RunningJob{running(100, 4, now+100, 0)},
			Pending:    pending,
		}
	}
	runCases(t, []scheduleCase{{
		// -w on the busy node waits for it although others are free, and
		// its reservation there does not hold back a job for other nodes.
		name:    "required busy node reserved, others backfilled",
		snap:    busy(withNodes(job(1, 100, 1, 4, 60), []int{0}, nil), job(2, 50, 1, 4, 60)),
		opts:    Options{Backfill: true},
		starts:  []Start{started(2, true, 1)},
		pending: []Verdict{reserved(1, ReasonResources, now+100, 0)},
	}, {
		// -w picks the required node plus the preferred others for -N2.
		name:   "required node first, then the preferred others",
		snap:   busy(withNodes(job(1, 100, 2, 4, 60), []int{3}, nil)),
		opts:   Options{Backfill: true},
		starts: []Start{started(1, false, 3, 1)},
	}, {
		// -x keeps the job off node 1 and 2.
		name:   "excluded nodes passed over",
		snap:   busy(withNodes(job(1, 100, 1, 4, 60), nil, []int{1, 2})),
		starts: []Start{started(1, false, 3)},
	}, {
		// Excluding all but one node of a two-node job, or requiring an
		// excluded node: it can never run.
		name: "node lists that can never be satisfied",
		snap: busy(
			withNodes(job(1, 100, 2, 4, 60), nil, []int{0, 1, 2}),
			withNodes(job(2, 90, 1, 4, 60), []int{2}, []int{2}),
		),
		pending: []Verdict{waiting(1, ReasonPartitionConfig), waiting(2, ReasonPartitionConfig)},
	}})
}
