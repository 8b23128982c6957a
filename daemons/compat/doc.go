// Package compat is the compatibility suite that runs Debian's real,
// unmodified Slurm 22.05.8 clients (sbatch, squeue, sinfo, scancel,
// scontrol, sdiag from the slurm-client package) against a real
// flurmctld process and checks what they print.
//
// `go test ./daemons/compat` (make compat) builds flurmctld, starts a
// private munged (mungetest.StartDaemon: project-local key, socket in a
// temporary directory), writes a slurm.conf (4 nodes, partitions debug
// and long with MaxTime, SlurmctldPort on loopback, AuthInfo=socket=...)
// and starts the daemon. Every client runs with SLURM_CONF set and an
// otherwise scrubbed environment; non-root cases run as nobody through
// setpriv. The package installs nothing: when the clients or munged are
// missing every test skips with a loud message, or fails when the
// environment variable CI is set.
//
// TestCompat's cluster has no node daemons: its nodes never register and
// show as UNKNOWN+NOT_RESPONDING (unk*), and jobs stay PENDING, which is
// what a real slurmctld shows once it has pinged slurmds that never
// started, so its cases compare with the real slurmctld run with the same
// slurm.conf, except where DIFFERENCES.md says otherwise.
//
// TestJobs builds flurmnd too and starts four of them (each on its own
// Port=) next to a flurmctld: jobs really run. It checks the files a job
// writes (owner, content, Slurm's variables, output name patterns),
// exit codes and signals in scontrol, arrays, two-node jobs, cancel of a
// process tree, memory limits (OUT_OF_MEMORY), a flurmnd killed while its
// job runs, a one-minute time limit, srun (alone, --pty, multi-node, as
// steps of a batch job listed by squeue -s), salloc, scancel --signal and
// bad input on a node's port. TestFailoverWithRunningJobs runs three
// flurmctld and two flurmnd and kills the leader while a job runs.
// Neither has an oracle mode.
//
// TestCompat runs the cases in order on one cluster (job ids are
// predictable because the state starts empty): submissions, rejections,
// queries, updates, permissions, cancels, statistics, bad input over raw
// TCP, a kill -9 restart and finally scontrol shutdown.
package compat
