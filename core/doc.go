// Package core holds all of FLURM's logic as pure, deterministic state
// machines: the replicated cluster state (state), the scheduler (sched),
// the controller with its Raft node (controller), the node agent (agent),
// the messages they exchange (msg) and slurm.conf parsing (conf, hostlist).
//
// Nothing under core reads a clock, draws randomness, starts a goroutine or
// touches the operating system. Events go in (a request, a message, a tick,
// a finished disk write) and effects come out (send, persist, start a
// process, set a timer); the host carries the effects out. The production
// daemons (daemons/, io/) and the simulator (sim/) are two such hosts, so
// the simulator runs exactly the code that ships. purity_test.go enforces
// this.
//
// The one exception is etcd raft's election jitter, which it draws from
// crypto/rand inside the library; the simulator pins it with
// testing/cryptotest.SetGlobalRandom.
package core
