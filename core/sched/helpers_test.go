package sched

import (
	"fmt"
	"reflect"
	"testing"
)

// now is the snapshot time of the table tests.
const now = 1_000_000

// nodes returns count available nodes with cpus CPUs and 8000 MB each.
func nodes(count, cpus int) []Node {
	out := make([]Node, count)
	for i := range out {
		out[i] = Node{Name: fmt.Sprintf("n%d", i), CPUs: cpus, MemMB: 8000, Available: true}
	}
	return out
}

// upPartition returns an UP partition without limits holding the nodes.
func upPartition(name string, nodeIndices ...int) Partition {
	return Partition{Name: name, Nodes: nodeIndices, Up: true}
}

// job returns a pending job of partition 0 needing numNodes nodes with
// cpus CPUs each for limit seconds.
func job(id, priority uint32, numNodes, cpus int, limit int64) PendingJob {
	return PendingJob{
		ID: id, Priority: priority, SubmitTime: now - 100,
		NumNodes: numNodes, CPUsPerNode: cpus, TimeLimit: limit,
	}
}

func running(id uint32, cpus int, end int64, nodeIndices ...int) RunningJob {
	return RunningJob{ID: id, Nodes: nodeIndices, CPUsPerNode: cpus, ExpectedEnd: end}
}

func started(id uint32, backfilled bool, nodeIndices ...int) Start {
	return Start{JobID: id, Nodes: nodeIndices, Backfilled: backfilled}
}

func waiting(id uint32, reason Reason) Verdict {
	return Verdict{JobID: id, Reason: reason}
}

func reserved(id uint32, reason Reason, at int64, nodeIndices ...int) Verdict {
	return Verdict{JobID: id, Reason: reason, ExpectedStart: at, Nodes: nodeIndices}
}

// assertPlan compares starts and verdicts, treating nil and empty alike.
func assertPlan(t *testing.T, got Plan, starts []Start, pending []Verdict) {
	t.Helper()
	if len(got.Starts) != 0 || len(starts) != 0 {
		if !reflect.DeepEqual(got.Starts, starts) {
			t.Errorf("starts:\n got %+v\nwant %+v", got.Starts, starts)
		}
	}
	if len(got.Pending) != 0 || len(pending) != 0 {
		if !reflect.DeepEqual(got.Pending, pending) {
			t.Errorf("pending:\n got %+v\nwant %+v", got.Pending, pending)
		}
	}
}
