// Package nodeagent is the production host of one FLURM node agent: it runs
// a core/agent.Agent against the real clock, TCP links to every controller
// and real processes, and is to flurmnd what the simulator's nodeProc is to
// the simulator. All node-agent logic (fencing by term and incarnation,
// launch de-duplication, the SIGTERM→KillWait→SIGKILL sequence, reporting
// exits until acknowledged) stays in core/agent; this package only carries
// out its effects.
//
// # Threading
//
// Start launches one event-loop goroutine that owns the agent. Its inputs
// are the timer (Tick), frames from controllers (Recv), process exits
// (ProcExit) and queries from other goroutines (JobOnNode). Effects are
// carried out in order:
//
//   - Send to "ctl/<id>" is queued on that controller's link, which seals
//     and writes it (io/peerwire) on its own goroutine; a full queue drops
//     it, as the agent tolerates loss and heartbeats again.
//   - StartProc starts the attempt through Executor on the job's first
//     node. On its other nodes, and for an allocation made by salloc or
//     srun (no script), nothing starts: the attempt holds its resources
//     for job steps until it is signalled to end.
//   - SignalProc goes to the attempt's batch script, after its Notice
//     (why the controller ends the job) went to the script's stderr
//     through Executor.Notify; when it is part of the termination
//     sequence (Ending) also to its job steps (Steps, io/taskd), and it
//     ends an allocation.
//   - SetTimer arms the one timer.
//
// # Restart
//
// Batch scripts run under io/jobexec supervisors that outlive flurmnd. On
// Start the runtime records every launch in its spool directory; on the
// next start it asks the executor which attempts survived, Adopts them into
// the new agent before the first heartbeat, and reports their exits when
// they come, so the controller neither writes them off nor loses their exit
// codes. A launch record is removed only once the controller acknowledged
// the attempt's exit. Allocations survive a restart too (they hold
// resources, nothing runs for them); srun tasks, children of flurmnd, do
// not.
//
// # Links
//
// For every controller the runtime keeps one TCP connection to its peer
// port, says hello as "node/<name>" and exchanges sealed frames both ways.
// Links redial with jittered backoff. A frame that fails to open (bad
// seal, untrusted sender, malformed) closes the link and is logged.
package nodeagent
