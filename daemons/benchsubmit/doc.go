// Command benchsubmit is a submission benchmark (not a test): it submits N
// batch jobs over C concurrent connections to a Slurm 22.05 controller
// with the real protocol and real MUNGE credentials (package loadgen), and
// prints jobs/s and latency p50/p99. With -compare it also starts a real
// slurmctld with an equivalent slurm.conf on a free port, runs the same
// load against it in the same run, prints its figures and the ratio, and
// stops it.
//
// Usage:
//
//	benchsubmit [-conf slurm.conf | -addr HOST:PORT -socket MUNGE_SOCKET] [-n 2000] [-c 8] [-compare]
//
// -conf (default $SLURM_CONF) gives the controller (first SlurmctldHost,
// SlurmctldPort), munged's socket (AuthInfo=socket=) and SlurmUser, to
// whose uid requests are restricted as Slurm's clients restrict them.
// Jobs are sbatch's captured request, not held, so they stay pending where
// no node daemon runs. Each measured run is preceded by -warmup
// submissions that are not counted.
//
// A submission counts as done when the reply is RESPONSE_SUBMIT_BATCH_JOB
// with a job id, as sbatch judges it. The real slurmctld, which tries to
// place each job at submit time, puts the pending reason 2068 ("Required
// node not available") in error_code when no slurmd runs; those replies
// are counted and listed per code. The two controllers are loaded one
// after the other, never at once, so each has the machine to itself; the
// real slurmctld always starts from an empty queue, the controller under
// test from whatever it already holds.
package main
