// Command flurmup runs a local FLURM cluster on loopback: munged,
// flurmctld and one flurmnd per NodeName (four in the generated
// slurm.conf, each on its own Port=), so that unmodified Slurm 22.05
// clients can be pointed at it and jobs really run.
//
// Usage:
//
//	flurmup up     [-dir .flurm/cluster] [-bin DIR]
//	flurmup down   [-dir .flurm/cluster]
//	flurmup status [-dir .flurm/cluster]
//
// up creates what is missing under -dir (once: munge.key, slurm.conf with
// ports chosen then and kept), starts munged, flurmctld and the node
// daemons detached (their own sessions, log files and pid files in -dir),
// returns once the controller serves requests (and `scontrol ping` agrees
// and sinfo shows every node up, when Slurm's clients are installed) and
// prints
//
//	export SLURM_CONF=<dir>/slurm.conf
//
// Run while the cluster is up, it only checks it and prints that line.
// down stops the node daemons (batch jobs keep running under their
// supervisors and are adopted at the next up), flurmctld, then munged:
// SIGTERM to the recorded pid, a wait,
// SIGKILL only if it is still the recorded process. up after down reuses
// the key, the slurm.conf and the state, so jobs survive. status prints
// what runs and exits 0 when the cluster serves, 3 when it does not.
//
// flurmup installs nothing and builds nothing: flurmctld and flurmnd are taken from
// -bin (default: the directory holding flurmup), munged from
// /usr/sbin/munged ($FLURM_MUNGED overrides) or $PATH. `make up` builds
// both and installs munge and slurm-client when missing.
package main
