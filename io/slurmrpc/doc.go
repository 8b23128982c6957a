// Package slurmrpc is flurmctld's Slurm RPC server: it answers unmodified
// Slurm 22.05 clients (sbatch, salloc, srun, squeue, sinfo, scancel,
// scontrol, sdiag) and node daemons on
// SlurmctldPort, filling every record the way slurmctld 22.05.8 fills it,
// so the clients print what they would print for a real controller in the
// same state. The wire codec is io/slurmproto; the cluster state and the
// operations are core's, reached through Backend; credentials are checked
// and made by an Authenticator (MUNGE in production).
//
// # Connections
//
// Server.Serve accepts connections and serves exactly one request on each,
// then closes it, as slurmctld does (clients open one connection per RPC).
// At most MaxConns connections are served at once; a slot is taken before
// Accept, so further clients wait in the listen backlog. Reading the
// request, handling it and writing the reply share one deadline,
// MessageTimeout. A request is at most MaxFrameSize bytes.
//
// The connection is closed without a reply, as slurmctld's
// slurm_receive_msg failure path does, when:
//
//   - the frame is truncated, oversized or malformed;
//   - the protocol version is not 22.05's (0x2600): older and newer peers
//     alike, since only the 22.05 layouts are implemented;
//   - Authenticator.Verify rejects the credential (bad, expired, replayed,
//     or not over this body);
//   - the body does not decode for its type, or the type has no decoder
//     (slurmctld's unpack_msg fails for types it cannot unpack).
//
// A panic while handling a request is recovered and logged, and the
// connection dropped; the server goes on serving.
//
// A reply is encoded in the requester's protocol version with the
// request's header flags and orig_addr, carries a fresh credential from
// Authenticator.Credential over its body, and for RPCs that change state
// is sent only after Backend.Do returned (the change is committed).
//
// # Leadership
//
// A controller that is not the leader answers REQUEST_PING with rc 0,
// REQUEST_CONTROL_STATUS with control time 0 and REQUEST_SHUTDOWN as a
// Slurm backup does. Any other request it relays, bytes unchanged and
// unverified, to the leader's SlurmctldPort and relays the reply back
// (forward.go): Slurm's clients stop at the first SlurmctldHost that
// accepts a connection and, told ESLURM_IN_STANDBY_MODE (2027), sleep
// SlurmctldTimeout/2 and start again from the primary, so with Raft
// choosing any leader they would wait or never reach it. Only when no
// leader is known (an election), or it cannot be reached, does a
// follower answer ESLURM_IN_STANDBY_MODE; Backend.Do returning
// ErrNotLeader gives the same code. Server.NoForward turns relaying off. Any other Do error means the outcome is unknown and is
// answered SLURM_ERROR (never EAGAIN, which would make sbatch resubmit).
//
// # Supported RPCs
//
//	REQUEST_PING 1008            8001 rc 0
//	REQUEST_FED_INFO 2049        2050, not in a federation
//	REQUEST_CONTROL_STATUS 2053  2054 (leader: daemon start time)
//	REQUEST_BUILD_INFO 2001      2002 from the slurm.conf in View.Conf, with
//	                             Slurm's defaults for unset keys
//	REQUEST_STATS_INFO 2035      2036: job counts from the state, schedule
//	                             cycles from controller.Stats, RPC counts and
//	                             times per type and per user kept here; RESET
//	                             (operators) clears them
//	REQUEST_JOB_INFO 2003        2004, all jobs or the listed ids
//	REQUEST_JOB_USER_INFO 2039   2004, jobs of one uid (squeue -u)
//	REQUEST_JOB_INFO_SINGLE 2021 2004 (every task when the id is an
//	                             array's), or ESLURM_INVALID_JOB_ID
//	REQUEST_JOB_READY 4019       4020: 7 while running, 4 otherwise
//	REQUEST_NODE_INFO 2007       2008, every node in table order
//	REQUEST_NODE_INFO_SINGLE 2040 2008 with that node, or no record
//	REQUEST_PARTITION_INFO 2009  2010 (Hidden partitions only with SHOW_ALL)
//	REQUEST_RESERVATION_INFO 2024, REQUEST_LICENSE_INFO 1021
//	                             empty tables: FLURM has no reservations
//	                             or licenses
//	REQUEST_JOB_STEP_INFO 2005   2006: the running steps of running jobs,
//	                             a batch job's script as step N.batch
//	REQUEST_SUBMIT_BATCH_JOB 4003 msg.OpSubmit; 4004 with the job id
//	                             (error_code ESLURM_JOB_HELD for sbatch -H)
//	REQUEST_KILL_JOB 5032        SIGKILL: msg.OpCancel; sjob_id "N" or "N_*"
//	                             cancels all of array N (Array), "N_T" task T
//	                             alone, "N_[list]" ESLURM_NOT_SUPPORTED;
//	                             another signal to a running job:
//	                             msg.OpSignal (the batch script's processes)
//	                             and REQUEST_SIGNAL_TASKS to its steps' node
//	                             daemons (-b: only the former, KILL_STEPS_ONLY
//	                             only the latter)
//	REQUEST_RESOURCE_ALLOCATION 4001 msg.OpSubmit of a job without a script;
//	                             4002 with the allocation once it runs
//	                             (waiting up to Server.AllocationWait), else
//	                             node_cnt 0 and the allocation sent later to
//	                             the client's alloc_resp_port
//	REQUEST_JOB_ALLOCATION_INFO 4014, REQUEST_HET_JOB_ALLOC_INFO 4027
//	                             4015 / 4026 (one component) for a running
//	                             job of the caller; ESLURM_JOB_PENDING,
//	                             ESLURM_ALREADY_DONE otherwise
//	REQUEST_JOB_STEP_CREATE 5001 msg.OpStepCreate; 5002 with a block
//	                             layout and a job credential signed by
//	                             Server.Signer (cred/munge: MUNGE over the
//	                             packed fields); no Signer: ESLURM_NOT_SUPPORTED
//	REQUEST_STEP_COMPLETE 5016   msg.OpStepEnd for the node range; only root
//	                             and SlurmUser (else ESLURM_USER_ID_MISSING)
//	REQUEST_CANCEL_JOB_STEP 5005 REQUEST_SIGNAL_TASKS to the step's node
//	                             daemons; SIGKILL also msg.OpStepEnd (All)
//	REQUEST_COMPLETE_JOB_ALLOCATION 5017 msg.OpCompleteAllocation (job_rc
//	                             is a wait status, NO_VAL cancels), then
//	                             SRUN_JOB_COMPLETE to the job's sruns
//	REQUEST_UPDATE_JOB 3001      msg.OpUpdate: TimeLimit, Priority (hold =
//	                             0, release = INFINITE), Nice, JobName,
//	                             Partition, NumNodes
//	REQUEST_JOB_REQUEUE 5023     msg.OpRequeue (+ hold for requeuehold)
//	REQUEST_UPDATE_NODE 3002     msg.OpNodeAdmin: DRAIN, DOWN, RESUME, UNDRAIN
//	REQUEST_SHUTDOWN 1005        Server.OnShutdown after the reply
//	REQUEST_RECONFIGURE 1003     Server.OnReconfigure
//
// Only root and SlurmUser may shut down, reconfigure, update nodes or
// reset statistics (ESLURM_USER_ID_MISSING, or ESLURM_ACCESS_DENIED for
// the statistics reset, as slurmctld answers); job ownership and the
// other permission checks are core's.
//
// The uid and gid a job runs as are the authenticated ones. A job
// description naming another user_id or group_id is refused with
// ESLURM_USER_ID_MISSING (slurmctld would let root and SlurmUser submit for
// others). As in slurmctld, a --priority from anyone but an operator is
// dropped and a negative --nice from them refused (ESLURM_INVALID_NICE).
//
// # Not supported
//
// Request types slurmctld handles but FLURM does not (heterogeneous jobs,
// job will-run, reservations and partitions changes, suspend, top,
// triggers, sbcast, ...) are answered
// ESLURM_NOT_SUPPORTED (2036). Types that decode but that slurmctld has no
// handler for are answered EINVAL (22), as slurmctld_req does.
//
// Within supported RPCs, options core cannot represent are refused rather
// than dropped: a submit using the job array task throttle (--array=...%N), dependency types other than
// after, afterany, afterok and afternotok (singleton, aftercorr, +time),
// accounts, QOS, reservations, GRES/TRES, node lists, features, mail, script arguments,
// and the other options listed in checkUnsupported gets
// RESPONSE_SLURM_RC_MSG with ESLURM_NOT_SUPPORTED and a text naming the
// option (sbatch prints it); an update job touching any other field, an
// update node changing anything but the state, SIGKILL to only the batch
// script or only the steps of a job, a step create choosing its step id
// or interactive (salloc's use_interactive_step), the batch and extern
// steps in step cancels, and requeueing a finished job get
// ESLURM_NOT_SUPPORTED. A step completion for the batch or extern step
// gets ESLURM_INVALID_JOB_ID: those are the node agent's to report. A signal other than SIGKILL to a pending job gets
// ESLURM_TRANSITION_STATE_NO_UPDATE, as in Slurm.
//
// A submission core rejects as not fitting its partition is answered as
// slurmctld answers it: ESLURM_INVALID_NODE_COUNT for more nodes than the
// partition has, ESLURM_TOO_MANY_REQUESTED_CPUS for more CPUs, and
// otherwise ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE with the text sbatch
// prints first ("CPU count per node can not be satisfied", "Memory
// specification can not be satisfied"); an unknown partition adds
// "invalid partition specified: NAME". An update of someone else's job
// gets ESLURM_USER_ID_MISSING, as update_job_str answers (scancel and
// requeue get ESLURM_ACCESS_DENIED). Resuming a drained node that never
// registered clears the drain and answers ESLURM_INVALID_NODE_STATE, as
// update_node does for a node whose base state is UNKNOWN. Build info reports EnforcePartLimits
// ALL, which is what core does whatever slurm.conf says.
//
// Info requests are always answered with full data: the last_update of a
// request never yields SLURM_NO_CHANGE_IN_DATA.
//
// # srun and salloc
//
// An allocation is a job whose spec has no script: the node agents hold
// its resources and run nothing until srun launches a step's tasks on the
// node daemons' Slurm ports itself. Steps are replicated (core/state
// steps.go); a step's credential carries one core per CPU, the job's
// holds as its cores, and its memory request. Where the clients of an
// allocation or step listen (resp_host is the connection's peer, as in
// slurmctld) is remembered in memory on this controller only: after a
// failover the new leader cannot push a queued allocation's grant or
// SRUN_JOB_COMPLETE, and the clients rely on their own polling. Messages
// this server sends (allocation grants, SRUN_JOB_COMPLETE,
// REQUEST_SIGNAL_TASKS) carry an Authenticator credential, go on fresh
// connections bounded by DialTimeout, and are best effort. A job's
// alloc_node is the short name of the credential's origin host
// (Identity.Origin, else the connection's peer; a loopback address is
// this host's name), falling back on SLURM_SUBMIT_HOST.
//
// # Records
//
// Job records are built by jobinfo.go from state.Job plus the controller's
// pending reason and expected start (a pending job whose partition has
// fewer usable nodes than it needs, because nodes are down, drained or
// never registered, shows "ReqNodeNotAvail, UnavailableNodes:<nodes>" in
// place of Resources or Priority, and a job with a future --begin has
// that time as its eligible, accrue and start time, as in slurmctld); node records by nodeinfo.go, with the
// node state derived from health and holds (IDLE, MIXED, ALLOCATED,
// DOWN, UNKNOWN, with DRAIN, COMPLETING and NO_RESPOND flags). Values
// FLURM does not know are sent as Slurm sends unknown values (CPU load and
// free memory NO_VAL, shown as N/A). The tests compare the records field
// by field with the ones the real slurmctld sent in shared/captures.
package slurmrpc
