package controller

import (
	"github.com/flurm/flurm/core/state"
	"go.etcd.io/raft/v3"
)

// The accessors below let the host (daemon, simulator, checkers) read a
// controller. Returned values must not be modified.

// ID is this controller's Raft id.
func (c *Controller) ID() uint64 { return c.cfg.ID }

// State is the replicated state as of AppliedIndex.
func (c *Controller) State() *state.Machine { return c.sm }

// AppliedIndex is the index of the last applied log entry.
func (c *Controller) AppliedIndex() uint64 { return c.applied }

// Status is the Raft status (term, leader, role, commit).
func (c *Controller) Status() raft.BasicStatus { return c.rn.BasicStatus() }

// LeaderReady reports whether this controller leads and has applied an
// entry of its own term, so its duties run.
func (c *Controller) LeaderReady() bool { return c.leaderReady && c.isLeader() }

// Stats returns counters of what the controller did.
func (c *Controller) Stats() Stats { return c.stats }

// PendingReason is the last scheduling pass's reason for a pending job.
func (c *Controller) PendingReason(id state.JobID) (reason string, expectedStart int64, ok bool) {
	for _, v := range c.duties.plan {
		if v.Job == id {
			return v.Reason, v.Start, true
		}
	}
	return "", 0, false
}
