// Package loadgen is a Slurm 22.05 client for load generation and
// liveness checks: it speaks the real wire protocol (io/slurmproto) with
// real MUNGE credentials (io/munge), one TCP connection per RPC as Slurm's
// clients do, so what it measures is what sbatch would see minus process
// start-up.
//
// # Calls
//
// Client.Call signs a request body with a fresh credential bound to the
// body and message type (auth/munge plugin 101, payload 0x02 ||
// K12(body, BE16(type))), sends it on a new connection, reads one reply,
// verifies the reply's credential through munged (as sbatch does) and
// decodes its body. Ping and WaitReady are built on it.
//
// # Submissions
//
// SubmitBody builds a REQUEST_SUBMIT_BATCH_JOB body from sbatch's own
// (the lab capture of `sbatch -H --wrap=hostname`, embedded), changed the
// way `sbatch -o /dev/null --wrap=hostname` would differ: not held, output
// to /dev/null, the caller's uid, gid and a working directory that exists
// here. Run submits N copies over C concurrent workers and returns the
// throughput and latency distribution. A submission succeeds, as sbatch
// judges it, when the reply is RESPONSE_SUBMIT_BATCH_JOB with a job id;
// a nonzero error_code there is the accepted job's pending reason
// (slurmctld sends 2068, "Required node not available", when no slurmd
// runs) and is counted per code in Result.ErrorCodes. Anything else is a
// failure; the first few are kept for the report.
//
// # Limits
//
// A reply frame is at most MaxReplySize; every call is bounded by
// Client.Timeout (connect, send, receive); Run takes at most MaxJobs jobs
// and MaxConcurrency workers.
package loadgen
