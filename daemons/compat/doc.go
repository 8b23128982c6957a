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
// There are no node daemons yet, so nodes never register: they show as
// UNKNOWN+NOT_RESPONDING (unk*) and jobs stay PENDING, which is what a
// real slurmctld shows once it has pinged slurmds that never started.
// The expected outputs were taken from the real slurmctld 22.05.8 run
// with the same slurm.conf, except where DIFFERENCES.md says otherwise.
//
// TestCompat runs the cases in order on one cluster (job ids are
// predictable because the state starts empty): submissions, rejections,
// queries, updates, permissions, cancels, statistics, bad input over raw
// TCP, a kill -9 restart and finally scontrol shutdown.
package compat
