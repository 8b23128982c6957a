package ctld

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/slurmrpc"
)

var _ slurmrpc.Backend = (*Runtime)(nil)

// Backoff between attempts of one request.
const (
	minRetryBackoff = 20 * time.Millisecond
	maxRetryBackoff = time.Second
)

const rpcPrefix = "rpc/"

// rpcSeq parses the reply address of a local request.
func rpcSeq(a msg.Addr) (uint64, bool) {
	s, ok := strings.CutPrefix(string(a), rpcPrefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(s, 10, 64)
	return seq, err == nil
}

func rpcAddr(seq uint64) msg.Addr { return msg.Addr(rpcPrefix + strconv.FormatUint(seq, 10)) }

// Do runs op through consensus on behalf of uid. It returns the reply once
// the operation was applied. A Retry answer (the outcome is unknown) is
// retried with the same Seq, which the state machine de-duplicates for
// submits, until ctx expires. A NotLeader answer naming another leader
// gives slurmrpc.ErrNotLeader at once; one naming no leader (an election
// in progress) is retried for up to Options.ElectionWait first.
func (r *Runtime) Do(ctx context.Context, uid uint32, op msg.Op) (msg.ClientReply, error) {
	r.seqMu.Lock()
	r.seq++
	seq := r.seq
	r.seqMu.Unlock()

	replies := make(chan msg.ClientReply, 1)
	r.waitMu.Lock()
	r.waiters[seq] = replies
	r.waitMu.Unlock()
	defer func() {
		r.waitMu.Lock()
		delete(r.waiters, seq)
		r.waitMu.Unlock()
	}()

	req := controller.Recv{From: rpcAddr(seq), Msg: msg.ClientRequest{Client: r.clientID, Seq: seq, UID: uid, Op: op}}
	electionDeadline := time.Now().Add(r.opts.ElectionWait)
	backoff := minRetryBackoff
	for {
		select {
		case r.inbox <- loopEvent{req}:
		case <-ctx.Done():
			return msg.ClientReply{}, ctx.Err()
		case <-r.done:
			return msg.ClientReply{}, r.stoppedErr()
		}
		var rep msg.ClientReply
		select {
		case rep = <-replies:
		case <-ctx.Done():
			return msg.ClientReply{}, ctx.Err()
		case <-r.done:
			return msg.ClientReply{}, r.stoppedErr()
		}
		switch {
		case rep.NotLeader && (rep.Leader != "" || time.Now().After(electionDeadline)):
			return rep, slurmrpc.ErrNotLeader
		case rep.Retry:
			r.retries.Add(1)
		case rep.NotLeader: // an election is in progress
		default:
			return rep, nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return msg.ClientReply{}, fmt.Errorf("ctld: outcome unknown: %w", ctx.Err())
		case <-r.done:
			t.Stop()
			return msg.ClientReply{}, r.stoppedErr()
		}
		backoff = min(2*backoff, maxRetryBackoff)
	}
}

func (r *Runtime) stoppedErr() error {
	if err := r.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrStopped, err)
	}
	return ErrStopped
}

// reply hands a controller's answer to the waiting Do, if it still waits.
// Runs on the loop goroutine; never blocks.
func (r *Runtime) reply(seq uint64, rep msg.ClientReply) {
	r.waitMu.Lock()
	ch := r.waiters[seq]
	r.waitMu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- rep:
	default: // an answer to an earlier attempt is already waiting
	}
}

// Read calls fn on the event loop with a view of the applied state. Once
// the runtime has stopped, fn sees the final state with Leader false.
func (r *Runtime) Read(fn func(v slurmrpc.View)) {
	finished := make(chan struct{})
	var panicked any
	run := func() {
		// A panic in fn belongs to the caller, not to the event loop.
		defer func() {
			panicked = recover()
			close(finished)
		}()
		fn(r.view(r.c.LeaderReady()))
	}
	select {
	case r.reads <- run:
		<-finished // the loop received it and runs it before anything else
		if panicked != nil {
			panic(panicked)
		}
	case <-r.done:
		// The loop has exited: nothing else touches the controller.
		r.afterMu.Lock()
		defer r.afterMu.Unlock()
		fn(r.view(false))
	}
}

func (r *Runtime) view(leader bool) slurmrpc.View {
	r.confMu.Lock()
	c, path := r.conf, r.path
	r.confMu.Unlock()
	return slurmrpc.View{State: r.c.State(), Controller: r.c, Conf: c, ConfPath: path,
		Leader: leader, Now: time.Now(), Started: r.started}
}

// SetConf replaces the slurm.conf readers see (after a reconfigure). It
// does not change the controller's configuration or cluster.
func (r *Runtime) SetConf(c *conf.Config, path string) {
	r.confMu.Lock()
	defer r.confMu.Unlock()
	r.conf, r.path = c, path
}
