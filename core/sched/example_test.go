package sched_test

import (
	"fmt"

	"github.com/flurm/flurm/core/sched"
)

// A wide job waits for two busy nodes; a short job runs in the gap, a
// long one would delay the wide job and waits.
func ExampleSchedule() {
	const now = 1_700_000_000
	node := func(name string) sched.Node {
		return sched.Node{Name: name, CPUs: 4, MemMB: 8000, Available: true}
	}
	s := sched.Snapshot{
		Now:        now,
		Nodes:      []sched.Node{node("n0"), node("n1"), node("n2")},
		Partitions: []sched.Partition{{Name: "batch", Nodes: []int{0, 1, 2}, Up: true}},
		Running:    []sched.RunningJob{{ID: 9, Nodes: []int{0, 1}, CPUsPerNode: 4, ExpectedEnd: now + 3600}},
		Pending: []sched.PendingJob{
			{ID: 1, Priority: 100, NumNodes: 3, CPUsPerNode: 4, TimeLimit: 7200},
			{ID: 2, Priority: 50, NumNodes: 1, CPUsPerNode: 4, TimeLimit: 1800},
			{ID: 3, Priority: 40, NumNodes: 1, CPUsPerNode: 4, TimeLimit: 5400},
		},
	}
	if err := sched.Validate(s, sched.Options{Backfill: true}); err != nil {
		fmt.Println(err)
		return
	}
	plan := sched.Schedule(s, sched.Options{Backfill: true})
	for _, st := range plan.Starts {
		fmt.Printf("start job %d on %v (backfilled: %v)\n", st.JobID, st.Nodes, st.Backfilled)
	}
	for _, v := range plan.Pending {
		fmt.Printf("job %d waits: %s, expected start now+%ds on %v\n",
			v.JobID, v.Reason, v.ExpectedStart-now, v.Nodes)
	}
	// Output:
	// start job 2 on [2] (backfilled: true)
	// job 1 waits: Resources, expected start now+3600s on [0 1 2]
	// job 3 waits: Priority, expected start now+10800s on [0]
}
