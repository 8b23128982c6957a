// Command flurmup runs a local FLURM cluster on loopback: munged and
// flurmctld (and node daemons once they exist), with a generated key and
// slurm.conf, so that unmodified Slurm 22.05 clients can be pointed at it.
//
// Usage:
//
//	flurmup up     [-dir .flurm/cluster] [-bin DIR]
//	flurmup down   [-dir .flurm/cluster]
//	flurmup status [-dir .flurm/cluster]
//
// up creates what is missing under -dir (once: munge.key, slurm.conf with
// a port chosen then and kept), starts munged and flurmctld detached
// (their own sessions, log files and pid files in -dir), returns once the
// controller serves requests (and `scontrol ping` agrees, when Slurm's
// clients are installed) and prints
//
//	export SLURM_CONF=<dir>/slurm.conf
//
// Run while the cluster is up, it only checks it and prints that line.
// down stops flurmctld, then munged: SIGTERM to the recorded pid, a wait,
// SIGKILL only if it is still the recorded process. up after down reuses
// the key, the slurm.conf and the state, so jobs survive. status prints
// what runs and exits 0 when the cluster serves, 3 when it does not.
//
// flurmup installs nothing and builds nothing: flurmctld is taken from
// -bin (default: the directory holding flurmup), munged from
// /usr/sbin/munged ($FLURM_MUNGED overrides) or $PATH. `make up` builds
// both and installs munge and slurm-client when missing.
package main
