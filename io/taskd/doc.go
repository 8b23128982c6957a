// Package taskd is flurmnd's Slurm-protocol listener on the node's slurmd
// port (slurm.conf Port= / SlurmdPort): it lets the unmodified Slurm
// 22.05 srun launch, feed, signal and collect the tasks of job steps on a
// FLURM node, doing the parts of slurmd and slurmstepd that srun and the
// controller can observe.
//
// # Messages served
//
// Every connection carries one message (io/slurmproto framing), whose
// MUNGE credential must decode and bind it to its body
// (munge.SlurmAuth); otherwise the connection is closed without a reply,
// as slurmd does. Then:
//
//   - REQUEST_LAUNCH_TASKS: checked as slurmd's _rpc_launch_tasks and
//     _check_job_credential do (below), answered with
//     RESPONSE_SLURM_RC_MSG on the same connection (rc 0, or the refusal's
//     Slurm code and a reason srun prints), then run as a step.
//   - REQUEST_SIGNAL_TASKS / REQUEST_TERMINATE_TASKS: from the job's
//     owner, root or SlurmUser only (else ESLURM_USER_ID_MISSING); the
//     signal goes to the process group of every task of the step (or of
//     all the job's steps with KILL_FULL_JOB, KILL_STEPS_ONLY or
//     KILL_JOB_BATCH); terminate is SIGKILL. Slurm's pseudo-signals
//     (SIG_TIME_LIMIT, SIG_NODE_FAIL...) kill; SIG_TERM_KILL sends SIGCONT
//     and SIGTERM, then SIGKILL after KillWait. An unknown step is
//     ESLURM_INVALID_JOB_ID.
//   - REQUEST_PING: rc 0 for root or SlurmUser.
//   - Anything else: RESPONSE_SLURM_RC with EINVAL.
//
// # Launch checks
//
// In order: the requester must be the launch's uid, root or SlurmUser;
// --no-allocate, --multi-prog, user-managed I/O, --container and --x11
// are refused as unsupported; this node must be in the step's node list
// (its position there is the node id) and have a task list of at most
// MaxTasksPerNode valid, distinct global task ids; argv and environment
// are bounded. The job credential must verify: munged decodes its
// signature (the NUL-terminated MUNGE credential cred/munge produces),
// the encoder is root or SlurmUser, the payload equals
// JobCredential.SignedBytes() byte for byte, and it is younger than
// CredExpire (ESLURMD_CREDENTIAL_EXPIRED, 4007). Any other failure is
// ESLURMD_INVALID_JOB_CREDENTIAL (4004), which is also the answer when
// the credential names another step, uid or gid than the request, or a
// step host list without this node. A credential launches once per
// Server (ESLURMD_CREDENTIAL_REPLAYED, 4009) and none created before
// EndJob of its job launches afterwards (ESLURMD_CREDENTIAL_REVOKED,
// 4008). munged's own replay detection is bypassed unless
// StrictMungeReplay, because node daemons sharing a munged must each
// decode the same credential (Slurm's multiple-slurmd mode). Finally
// Host.JobOnNode must report a live allocation owned by the credential's
// uid, waiting up to AllocationWait for a brand-new one
// (ESLURM_INVALID_JOB_ID otherwise). At most MaxSteps steps run at once
// (ESLURMD_TOOMANYSTEPS) and a step runs once per node
// (ESLURMD_STEP_EXISTS). Every refusal is logged with its reason.
//
// # A step
//
// The tasks are this node's global task ids of the launch. Their stdio is
// set up as slurmstepd's: a NULL ofname/efname/ifname is relayed over the
// I/O connection; a bare task number relays only that task and gives the
// others /dev/null; any other name is a per-task file (%t %n %N %u %%
// expanded, relative to the working directory) opened with the user's
// file-system identity, truncated unless the open mode is append, and
// created with mode 0644 under srun's SLURM_UMASK. With
// srun --pty, task 0 gets a pseudo-terminal as stdin, stdout and stderr
// and controlling terminal, whose window size follows srun's
// SLURM_PTY_PORT; the other tasks get /dev/null.
//
// The node then connects to srun at the launch connection's peer address:
// the I/O port io_port[nodeid % n] gets the init message (version, node
// id, the numbers of relayed stdout and stderr streams, and the
// credential signature as key), then output frames of at most 1024
// bytes, cut at line ends unless srun asked for unbuffered output, and
// one zero-length frame per stream at its end; STDIN and ALLSTDIN frames
// from srun feed the tasks' stdin pipes (a zero-length frame closes
// one), connection tests are answered. Each task is started through
// /bin/sh as the credential's uid, gid and groups (the credential's
// list, else the group database), with srun's umask and resource limits
// (SLURM_UMASK, SLURM_RLIMIT_* as soft limits, as with Slurm's default
// PropagateResourceLimits=ALL), in its own process group (a session for
// --pty), in the working directory (or /tmp, saying so on stderr, if
// the user cannot enter it), with srun's environment plus what slurmd
// and slurmstepd set: SLURM_JOB_ID/JOBID, SLURM_STEP_ID/STEPID,
// SLURM_NODEID, SLURM_PROCID, SLURM_LOCALID, SLURM_TASK_PID,
// SLURM_GTIDS, SLURM_CPUS_ON_NODE, SLURM_SRUN_COMM_HOST/PORT,
// SLURM_LAUNCH_NODE_IPADDR, SLURM_JOB_UID/USER/GID, SLURMD_NODENAME,
// SLURM_TOPOLOGY_ADDR(_PATTERN), SLURM_CONF, TMPDIR; SLURM_STEP_NODELIST,
// SLURM_STEP_NUM_NODES/TASKS, SLURM_STEP_TASKS_PER_NODE,
// SLURM_JOB_NODELIST/PARTITION/ACCOUNT are filled in when srun did not
// send them. The program is looked up in the task's PATH; one that is not
// found "exits" with code 2 after an error on its stderr, as under
// slurmstepd.
//
// RESPONSE_LAUNCH_TASKS (pids and task ids) goes to srun's response port
// resp_port[nodeid % n] once the processes exist; MESSAGE_TASK_EXIT (the
// raw wait status) once a task exited and its output reached srun. When
// every task has exited, processes left in their process groups are
// killed, and REQUEST_STEP_COMPLETE (range_first = range_last = node id,
// step_rc as slurmstepd computes it, no accounting data) goes to the
// first controller of Config.Controllers that accepts it, retried for
// up to CompleteRetry. Messages to srun are retried a few times on
// transport errors. If stdio or the I/O connection cannot be set up,
// srun gets RESPONSE_LAUNCH_TASKS with ESLURMD_IO_ERROR and the
// controller the step's completion with that code.
//
// # The runtime's part
//
// The node daemon creates the Server with New, runs Serve, calls
// SignalJob for signals aimed at a whole job (scancel --signal, time
// limit), EndJob when the job's allocation ends on this node (cancel,
// time limit after KillWait, completion), and Close at shutdown.
//
// Tasks are children of the node daemon, not supervised processes: they
// are killed when it closes the Server and (Pdeathsig) when it dies, so
// unlike batch scripts, which io/jobexec keeps across a restart, steps
// do not survive a node daemon restart; srun sees its tasks killed.
//
// # Limits
//
// MaxConns connections are served at once, each bounded by
// MessageTimeout and MaxFrameSize; MaxSteps steps, MaxTasksPerNode tasks
// per step and MaxTasks tasks in all (ESLURMD_TOOMANYSTEPS beyond);
// argv and environment are bounded near execve's limit;
// stdin frames over 64 KiB end the I/O connection; the replay and
// revocation memories hold at most 65536 entries and forget them once
// CredExpire has passed.
//
// # Not done
//
// No cgroups (memory limits are not enforced for steps), no CPU or
// memory binding, no task prolog/epilog, no accounting data in step
// completion, no forwarding of launches to other nodes (srun contacts
// every node directly up to TreeWidth), no sattach/sstat RPCs, no
// SLURM_WORKING_CLUSTER.
package taskd
