// Package jobexec executes batch-script attempts on a FLURM node: it is the
// mechanism under the node agent (core/agent decides when to start and
// signal; jobexec runs, signals, contains and reports processes), modelled on
// slurmstepd.
//
// # Contract for the caller (flurmnd)
//
//  1. main calls MaybeRunStepd before anything else (before flag parsing,
//     logging setup, listening). A supervisor is a re-execution of the
//     current binary (/proc/self/exe) with argv[1] == "__flurm_stepd"; for it
//     MaybeRunStepd never returns. Test binaries that start jobs call it in
//     TestMain.
//  2. New(spoolDir, log) creates the spool directory if needed and takes an
//     exclusive flock on <spool>/.lock: one Manager per spool directory. As
//     root it adds search permission (o+x) to the spool directory, because
//     job users exec their scripts from it; its parents must be searchable
//     by them too (New logs a warning otherwise).
//  3. Recover is called once, right after New and before Start. It lists the
//     attempts whose supervisors still run. Every spool record it finds —
//     running, finished while flurmnd was down, or whose supervisor vanished
//     — yields exactly one Exit on Exits later.
//  4. Start(spec) validates the spec (absolute paths, "#!" script, limits on
//     sizes and counts; see the Max* constants), resolves the user's groups
//     (os/user, initgroups semantics, checking that User has UID), writes
//     the spool record and spawns the supervisor. If Start returns an error,
//     nothing runs and no Exit follows. If it returns nil, exactly one Exit
//     follows; Start has waited until the script process exists, or the
//     launch failed inside the supervisor (reported as Exit.Err with
//     ExitCode 1: output not writable by the user, exec failure...), or 30 s
//     passed. Not root, flurmnd can only run jobs of its own uid and gid.
//  5. Signal(job, attempt, sig) delivers sig to the whole tree of the
//     attempt: the script's process group and, with a cgroup, every process
//     in it (without a cgroup, every process of the script's session). It is
//     a no-op for an attempt that has finished; ErrUnknownAttempt for one
//     never started, not recovered, or already forgotten. The SIGTERM →
//     KillWait → SIGKILL escalation is the caller's.
//  6. Notify(job, attempt, line) has the supervisor write line (at most
//     MaxNoticeBytes) to the job's stderr: why the controller ends the job,
//     as slurmstepd logs it. Call it before the Signal that ends the job:
//     it wakes the supervisor (SIGWINCH) and waits up to half a second for
//     the line to be written, so that it precedes the script's dying words;
//     otherwise the supervisor writes it when the script has exited. It is
//     a no-op for an attempt that has finished.
//  7. Exits delivers one Exit per attempt. ExitCode/Signal follow wait(2) of
//     the script; OOM is set when the kernel OOM-killed any process of the
//     attempt's cgroup (or the RSS fallback killed it), even if the script
//     itself then exited normally. A supervisor that vanished without a
//     status (killed, crashed) is reported as Err "supervisor lost",
//     Signal 9, and its job's processes are SIGKILLed.
//  8. Forget(job, attempt) is called once the caller has durably reported
//     the Exit; it deletes the spool record. It refuses attempts that have
//     not yet produced their Exit.
//  9. Close stops delivery and closes Exits. It neither signals jobs nor
//     waits for them: they keep running under their supervisors.
//
// # What survives a flurmnd restart
//
// Each attempt runs under its own supervisor, started with Setsid as root,
// with stdin/stdout/stderr on /dev/null and no pipe to flurmnd; it logs to
// <spool>/job<id>.<attempt>/stepd.log. It ignores SIGTERM, SIGINT and SIGHUP
// (caught, so that the script still gets default dispositions). Killing or
// restarting flurmnd therefore leaves jobs running. Under systemd, the
// flurmnd unit needs KillMode=process (as slurmd.service has), or stopping
// the unit kills every supervisor with it.
//
// The spool record <spool>/job<id>.<attempt>/ holds:
//
//	spec.json    the Spec (without the script), resolved groups; 0600 root
//	script       the batch script; 0700, owned by the job user
//	supervisor   "<pid> <starttime>" of the supervisor (start time guards
//	             against pid reuse)
//	launch.json  process group id and cgroup directory, once the script runs
//	status.json  exit code, signal, OOM flag, launch error
//	stepd.log    the supervisor's log
//	notice       a line for the job's stderr (Notify); notice.done once
//	             the supervisor wrote it
//
// Files are written atomically (temporary file, fsync, rename). The status
// is written before the supervisor exits, after the job's cgroup is gone.
// A new Manager learns the outcome of a recovered attempt by polling for
// status.json and the supervisor's liveness (every 250 ms); of an attempt it
// started, by wait(2) on the supervisor. Delivery is exactly once per
// Manager, and at least once across restarts: an Exit delivered but not
// Forgotten before a restart is delivered again by the next Manager, so the
// caller must tolerate a repeated Exit for the same (job, attempt).
//
// # The supervisor
//
// In order: create the cgroup; open stdin, stdout and stderr with the job
// user's identity (setgroups, setegid, seteuid — process-wide in Go — then
// back to root), so that the user's permissions apply and new files belong
// to the user (mode 0644, O_TRUNC or O_APPEND); Stderr "" or equal to Stdout
// shares Stdout's descriptor. Try to chdir to WorkDir as the user; on
// failure the script runs in /tmp and a note goes to its stderr. Exec the
// script with the user's uid, gid and groups, in a new session (so its own
// process group), with exactly Spec.Env as environment and umask 022. Wait
// for it, then SIGKILL whatever of the job is left (the batch step ends with
// its script, as in Slurm), read the OOM counter, remove the cgroup, write
// status.json.
//
// # Memory containment
//
// The supervisor uses the first of:
//
//   - cgroup v2, if /sys/fs/cgroup/cgroup.controllers lists "memory", or the
//     hybrid v2 hierarchy /sys/fs/cgroup/unified if its controllers do: the
//     memory controller is enabled in <root>/cgroup.subtree_control and
//     <root>/flurm/cgroup.subtree_control, the job gets
//     <root>/flurm/job_<id>_<attempt>_<hash of its spool directory> with memory.max and memory.swap.max=0,
//     and the script is cloned straight into it (CLONE_INTO_CGROUP, Linux ≥
//     5.7). OOM = "oom_kill" of memory.events > 0.
//   - cgroup v1 memory: /sys/fs/cgroup/memory/flurm/job_<id>_<attempt>_<hash> with
//     memory.limit_in_bytes (and memory.memsw.limit_in_bytes when swap
//     accounting exists). v1 cannot clone into a cgroup, so the supervisor
//     enters the cgroup just for the fork and leaves it right after. OOM =
//     "oom_kill" of memory.oom_control > 0 (Linux ≥ 4.13).
//   - no cgroup (none available, or creating it failed, e.g. flurmnd not
//     root): every second the supervisor sums the RSS of the processes in
//     the script's session and SIGKILLs the session when it exceeds the
//     limit, reporting OOM. This is coarse: a fast allocator can overshoot
//     for up to a second, shared pages are counted per process, and a
//     process that leaves the session escapes both the limit and Signal.
//
// The cgroup is created even without a memory limit, so that Signal and the
// end-of-job cleanup reach processes that left the process group. Cgroup
// names are machine-wide, so each carries a hash of the attempt's spool
// directory: several flurmnd on one machine (one per node, or of different
// clusters) may run attempts with the same job id.
package jobexec
