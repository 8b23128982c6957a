// Package mungetest runs private munged daemons for tests and local
// clusters.
//
// StartDaemon(dir) starts /usr/sbin/munged (Debian's munge package; the
// FLURM_MUNGED environment variable names another binary) in the
// foreground with its key, socket, pid, seed and log files under dir, as
// the calling user, and returns once the daemon encodes a credential
// through its socket. The key is 1024 random bytes, mode 0600, generated
// unless dir already holds one, so daemons started on directories holding
// copies of one key form one MUNGE realm (what `make up` needs). stop ends
// the daemon with SIGTERM, or SIGKILL after 5 s.
//
// Start(t) does the same in a temporary directory with a fresh key and
// stops the daemon when the test ends. When munged is not installed it
// skips the test with a loud message, or fails it when the environment
// variable CI is set, so CI cannot go green without testing against a
// real munged.
//
// munged refuses sockets whose directory or ancestors are not executable
// by everyone, which test temporary directories are not; the daemon runs
// with --force, which reduces those checks to warnings. Do not use these
// daemons where other users share the machine's trust.
package mungetest
