// Package ctld is the production host of one FLURM controller: it runs a
// core/controller.Controller against the real clock, a real disk and TCP,
// and serves it to the Slurm RPC layer as a slurmrpc.Backend. It is to
// flurmctld what sim's ctlProc is to the simulator, and follows the same
// contract (core/controller/events.go).
//
// # Threading
//
// Start launches one event-loop goroutine that owns the controller; nothing
// else calls it while the loop runs. Every input becomes an event on that
// goroutine: a Tick when the timer fires, a Recv for a peer's Raft frame or
// a local request, a DiskDone when a write is durable, and Read callbacks.
// Handle gets time.Now(). Effects are carried out in the order returned:
//
//   - SetTimer arms the one timer. Its delay is capped at TickInterval, so
//     Raft keeps ticking when the wall clock steps back (the controller's
//     clock never does, so its requests then lie in the future).
//   - Persist is queued to a dedicated writer goroutine that calls
//     Storage.Apply for one write at a time, in queue order, and hands each
//     finished Token back to the loop as DiskDone. No write can overtake an
//     earlier one, and DiskDone is delivered only after Apply returned, so
//     the controller's persist-then-send-then-apply discipline holds: a
//     client is answered only after its entry is committed, which requires
//     it to be durable here (and on a quorum).
//   - Send goes to a local request's waiter ("rpc/<seq>"), to the peer
//     transport for "ctl/<id>", or to the connection of node agent
//     "node/<name>" (dropped when that node is not connected: the agent
//     heartbeats again when it reconnects and the leader resends what it
//     still needs). Sends never block the loop.
//
// Do and Read may be called from any goroutine. Do injects a
// msg.ClientRequest with Client ClientID() ("ctld/<id>/<boot nonce>") and a
// fresh Seq, from address "rpc/<Seq>", and waits for the reply. Retry
// answers are retried with the same Seq and backoff until the context
// expires; the state machine de-duplicates submits by Client and Seq.
// NotLeader naming a leader gives slurmrpc.ErrNotLeader; NotLeader during
// an election is retried for Options.ElectionWait first. Read runs its
// callback on the loop, so the view is consistent and must not escape; its
// Leader field means this controller leads and has applied an entry of its
// own term (controller.LeaderReady). SetConf swaps the slurm.conf readers
// see; it never changes the controller's configuration.
//
// # Failure
//
// A storage error, a full write queue (storage stalled for 1024 writes) or
// a panic inside the controller stops the runtime: the loop exits, the
// writer applies nothing after the failed write, the transport closes,
// pending Do calls return ErrStopped wrapping the cause, Err reports it and
// Done is closed. The daemon is expected to exit; the controller restarts
// from what Storage holds. A process killed at any moment loses nothing
// that was acknowledged, because acknowledgement follows durability.
// Stop is the graceful path: it stops the loop, waits for queued writes
// to finish, closes the transport and the peer listener. It does not
// close Storage, which the caller owns.
//
// # Transport
//
// The wire format is io/peerwire's. Controllers exchange msg.Raft over
// TCP: each controller keeps one outbound connection per peer, redialled
// with jittered exponential backoff (50 ms to 2 s), fed by a queue of 1024
// frames that drops when full (Raft tolerates loss). Inbound frames are
// handed to the loop with back-pressure. Only configured controllers may
// send Raft frames; the peer port must be reachable only from the
// controllers and the nodes.
//
// Node agents (flurmnd) dial the same listener, say hello as
// "node/<name>" and exchange KindNode frames both ways on that one
// connection. Every node frame is sealed (Options.NodeSealer, MUNGE in
// production) and refused unless it comes from root or SlurmUser, names
// its own node and is of a type a node may send (Heartbeat,
// LaunchRefused); a bad frame closes the connection. Sealing asks munged,
// so each node connection has its own writer goroutine and queue (256
// messages, dropped when full). The newest connection of a node replaces
// an older one.
//
// Controller ids follow the SlurmctldHost lines: the i-th line (primary
// first) is Raft id i, and its peer listener is at its address on
// SlurmctldPort+RaftPortOffset (PeerAddrs, SelfID).
package ctld
