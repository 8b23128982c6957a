package controller

import (
	"errors"
	"fmt"
	"time"

	"github.com/flurm/flurm/core/sched"
	"github.com/flurm/flurm/core/state"
	"go.etcd.io/raft/v3"
)

// Config is a controller's configuration. All durations are measured on
// the clock the host injects through Handle's now argument.
type Config struct {
	ID    uint64   // this controller's Raft id, 1..len(Peers)
	Peers []uint64 // every controller's Raft id, including ID

	Cluster     state.Cluster
	ClusterName string // slurm.conf ClusterName, for jobs' SLURM_CLUSTER_NAME

	TickInterval   time.Duration // how often the host delivers Tick
	ElectionTicks  int           // Raft election timeout, in ticks
	HeartbeatTicks int           // Raft heartbeat interval, in ticks

	SchedInterval time.Duration // how often the leader runs the scheduler
	// SchedMinInterval is the shortest gap between scheduler runs when a
	// change (submit, job end, release, node back) may let a job start;
	// the scheduler then runs at the next tick at least this long after
	// the previous run. It bounds scheduling work under a submit burst.
	SchedMinInterval time.Duration
	NodeTimeout      time.Duration // SlurmdTimeout: silence after which a node is DOWN
	RequestTimeout   time.Duration // a client request not applied by then gets Retry
	ProposalTimeout  time.Duration // a leader duty proposal not applied by then is re-proposed
	LaunchRetry      time.Duration // resend a launch the agent has not confirmed after this
	PurgeInterval    time.Duration // how often the leader purges old finished jobs

	SnapshotEvery   uint64 // take a snapshot every this many applied entries
	SnapshotCatchUp uint64 // entries kept behind a snapshot for slow followers

	MaxPendingRequests int // client requests awaiting commit; more get Retry

	Sched sched.Options

	Logger raft.Logger // nil: discard

	// Observers for checkers and tracing. They must not modify what they
	// are given and must not call back into the controller.
	OnJobTransition func(id state.JobID, from, to state.JobState)
	OnApply         func(index uint64, cmd state.Command, res state.Result, sm *state.Machine)
}

// DefaultConfig returns production defaults for the given ids and cluster.
func DefaultConfig(id uint64, peers []uint64, cluster state.Cluster) Config {
	return Config{
		ID: id, Peers: peers, Cluster: cluster,
		TickInterval: 50 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1,
		SchedInterval: time.Second, SchedMinInterval: 100 * time.Millisecond, NodeTimeout: 300 * time.Second,
		RequestTimeout: 5 * time.Second, ProposalTimeout: 3 * time.Second,
		LaunchRetry: 5 * time.Second, PurgeInterval: 60 * time.Second,
		SnapshotEvery: 1000, SnapshotCatchUp: 200, MaxPendingRequests: 10000,
		Sched: sched.Options{Backfill: true, MaxJobTest: 100},
	}
}

func (c *Config) validate() error {
	if c.ID == 0 {
		return errors.New("controller: ID must be non-zero")
	}
	found := false
	for _, p := range c.Peers {
		if p == 0 {
			return errors.New("controller: peer id 0")
		}
		found = found || p == c.ID
	}
	if !found {
		return fmt.Errorf("controller: ID %d not among peers %v", c.ID, c.Peers)
	}
	if c.TickInterval <= 0 || c.ElectionTicks <= c.HeartbeatTicks || c.HeartbeatTicks <= 0 {
		return fmt.Errorf("controller: bad timing tick=%v election=%d heartbeat=%d", c.TickInterval, c.ElectionTicks, c.HeartbeatTicks)
	}
	if c.SchedInterval <= 0 || c.SchedMinInterval <= 0 || c.NodeTimeout <= 0 || c.RequestTimeout <= 0 || c.ProposalTimeout <= 0 || c.LaunchRetry <= 0 || c.PurgeInterval <= 0 {
		return errors.New("controller: intervals and timeouts must be positive")
	}
	if c.SnapshotEvery == 0 || c.MaxPendingRequests <= 0 {
		return errors.New("controller: SnapshotEvery and MaxPendingRequests must be positive")
	}
	return nil
}
