---------------------------- MODULE JobLifecycle ----------------------------
(***************************************************************************)
(* Slurm job states and the legal transitions between them, as FLURM      *)
(* implements them: submit, start, suspend/resume, complete, fail, time   *)
(* limit, cancel, requeue (manual or after a node failure), node failure  *)
(* and node return.                                                        *)
(*                                                                         *)
(* The job table grows: a job id is in DOMAIN jobState once submitted.    *)
(* This is the variable set the simulator's trace recorder writes (see    *)
(* README.md, "Trace format"), so every variable here is observable.     *)
(*                                                                         *)
(* Nodes are shared: FLURM, like Slurm's select/cons_tres, places several *)
(* jobs on one node while its CPUs and memory last (exclusive jobs are a  *)
(* per-job flag). This spec has no capacity model, so Start only needs    *)
(* nodes that are up; that no node is over-allocated is SchedulerSafety's *)
(* NoOverAllocation (and the simulator's state.Check), not checked here.  *)
(* The scheduler's choice of nodes is otherwise free.                     *)
(* COMPLETING (epilog still running) is folded into the terminal step.    *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Jobs,         \* universe of job ids the model (or a trace) may use
    Nodes,        \* compute nodes
    MaxRestarts,  \* requeue bound (Slurm's MaxBatchRequeue, kept small)
    TraceChecking,\* FALSE when model checking; TRUE from tracecheck.mjs
    TraceHint     \* when trace checking: the next observed state (a record)

VARIABLES
    jobState,   \* [submitted jobs -> JobStates]
    alloc,      \* [submitted jobs -> SUBSET Nodes], nodes held by the job
    restarts,   \* [submitted jobs -> 0..MaxRestarts], Slurm's restart_cnt
    down        \* SUBSET Nodes: nodes that are DOWN

vars == <<jobState, alloc, restarts, down>>

Active   == {"RUNNING", "SUSPENDED"}                 \* hold an allocation
Terminal == {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"}
JobStates == {"PENDING"} \cup Active \cup Terminal

Submitted == DOMAIN jobState

\* a job's state, "NONE" before it is submitted (keeps formulas total)
StateOf(j) == IF j \in Submitted THEN jobState[j] ELSE "NONE"

\* Node sets Start may choose for job j. When tracecheck.mjs checks a
\* trace it passes the next observed state as TraceHint, and only the
\* allocation observed there is tried: any other would be rejected anyway,
\* and SUBSET Nodes grows as 2^|Nodes| (too slow for traces of many nodes).
StartChoices(j) ==
    IF TraceChecking /\ "alloc" \in DOMAIN TraceHint
    THEN IF j \in DOMAIN TraceHint.alloc THEN {TraceHint.alloc[j]} ELSE {}
    ELSE SUBSET Nodes

\* Sets of jobs NodeFail may requeue, out of the candidates rqCands. When
\* trace checking only the observed choice is tried: the candidates that
\* are PENDING in the next observed state. Nodes are shared, so a node may
\* hold many jobs, and SUBSET rqCands grows as 2^|rqCands|.
RequeueChoices(rqCands) ==
    IF TraceChecking /\ "jobState" \in DOMAIN TraceHint
    THEN {{x \in rqCands : x \in DOMAIN TraceHint.jobState
                            /\ TraceHint.jobState[x] = "PENDING"}}
    ELSE SUBSET rqCands

\* Jobs and nodes whose actions Next tries. Model checking tries all. When
\* trace checking, only those whose part of the state differs in the next
\* observed state: every job action changes jobState[j] (Submit adds j),
\* and NodeFail(n)/NodeReturn(n) change n's membership in down, so no other
\* choice can produce the observed state. Without this, each step of a
\* trace with many jobs costs one evaluation of every action of every job.
Hinted(var) == TraceChecking /\ var \in DOMAIN TraceHint
NewJobsToTry ==
    IF Hinted("jobState") THEN (DOMAIN TraceHint.jobState \cap Jobs) \ Submitted ELSE Jobs
JobsToTry ==
    IF Hinted("jobState")
    THEN {x \in Submitted \cap DOMAIN TraceHint.jobState : TraceHint.jobState[x] # jobState[x]}
    ELSE Submitted
\* Release changes only alloc.
ReleaseJobsToTry ==
    IF Hinted("alloc")
    THEN {x \in Submitted \cap DOMAIN TraceHint.alloc : TraceHint.alloc[x] # alloc[x]}
    ELSE Submitted
NodesToTry ==
    IF Hinted("down")
    THEN {y \in Nodes : ~((y \in down) <=> (y \in TraceHint.down))}
    ELSE Nodes
\* NodeReboot(n) leaves down unchanged and moves jobs off n: when trace
\* checking, only nodes held by a job whose state changes are tried.
RebootNodesToTry ==
    IF Hinted("down") /\ Hinted("alloc")
    THEN IF TraceHint.down = down
         THEN UNION {alloc[x] : x \in JobsToTry}
         ELSE {}
    ELSE Nodes

\* jobState/alloc/restarts with job j set to the given values
Set(f, j, v) == [f EXCEPT ![j] = v]

-----------------------------------------------------------------------------
Init ==
    /\ jobState = [j \in {} |-> "PENDING"]
    /\ alloc    = [j \in {} |-> {}]
    /\ restarts = [j \in {} |-> 0]
    /\ down     = {}

Submit(j) ==
    /\ j \notin Submitted
    /\ jobState' = [x \in Submitted \cup {j} |-> IF x = j THEN "PENDING" ELSE jobState[x]]
    /\ alloc'    = [x \in Submitted \cup {j} |-> IF x = j THEN {} ELSE alloc[x]]
    /\ restarts' = [x \in Submitted \cup {j} |-> IF x = j THEN 0 ELSE restarts[x]]
    /\ UNCHANGED down

\* the scheduler places a pending job on a non-empty set of up nodes, which
\* other jobs may share (capacity is not modelled, see the header)
Start(j, S) ==
    /\ StateOf(j) = "PENDING"
    /\ S # {}
    /\ S \subseteq Nodes \ down
    /\ jobState' = Set(jobState, j, "RUNNING")
    /\ alloc'    = Set(alloc, j, S)
    /\ UNCHANGED <<restarts, down>>

Suspend(j) ==
    /\ StateOf(j) = "RUNNING"
    /\ jobState' = Set(jobState, j, "SUSPENDED")
    /\ UNCHANGED <<alloc, restarts, down>>

Resume(j) ==
    /\ StateOf(j) = "SUSPENDED"
    /\ jobState' = Set(jobState, j, "RUNNING")
    /\ UNCHANGED <<alloc, restarts, down>>

\* The job's part on node n ends before the job does: FLURM frees a node's
\* share when the job's processes there exit, and the batch host's exit
\* ends the job. The job no longer holds n, so n failing does not touch it.
Release(j, n) ==
    /\ StateOf(j) \in Active
    /\ n \in alloc[j]
    /\ alloc[j] # {n}
    /\ alloc' = Set(alloc, j, alloc[j] \ {n})
    /\ UNCHANGED <<jobState, restarts, down>>

\* the job's batch script exits (0 -> COMPLETED, else FAILED), or its time
\* limit expires (TIMEOUT); only a running job can do any of these
End(j, final) ==
    /\ StateOf(j) = "RUNNING"
    /\ jobState' = Set(jobState, j, final)
    /\ alloc'    = Set(alloc, j, {})
    /\ UNCHANGED <<restarts, down>>

Complete(j) == End(j, "COMPLETED")
Fail(j)     == End(j, "FAILED")
Timeout(j)  == End(j, "TIMEOUT")

Cancel(j) ==
    /\ StateOf(j) \in {"PENDING"} \cup Active
    /\ jobState' = Set(jobState, j, "CANCELLED")
    /\ alloc'    = Set(alloc, j, {})
    /\ UNCHANGED <<restarts, down>>

\* scontrol requeue: running, suspended or finished jobs go back to PENDING
Requeue(j) ==
    /\ StateOf(j) \in Active \cup Terminal
    /\ restarts[j] < MaxRestarts
    /\ jobState' = Set(jobState, j, "PENDING")
    /\ alloc'    = Set(alloc, j, {})
    /\ restarts' = Set(restarts, j, restarts[j] + 1)
    /\ UNCHANGED down

\* A node goes DOWN. Every active job using it is killed; each one either
\* is requeued (if it may still restart) or ends in NODE_FAIL.
NodeFail(n) ==
    /\ n \notin down
    /\ LET hit == {j \in Submitted : jobState[j] \in Active /\ n \in alloc[j]}
       IN \E requeued \in RequeueChoices({j \in hit : restarts[j] < MaxRestarts}) :
            /\ jobState' = [j \in Submitted |->
                              IF j \in requeued THEN "PENDING"
                              ELSE IF j \in hit THEN "NODE_FAIL"
                              ELSE jobState[j]]
            /\ alloc'    = [j \in Submitted |-> IF j \in hit THEN {} ELSE alloc[j]]
            /\ restarts' = [j \in Submitted |->
                              IF j \in requeued THEN restarts[j] + 1 ELSE restarts[j]]
    /\ down' = down \cup {n}

\* Sets of jobs a reboot of a node lost, out of the candidates lostCands.
\* When trace checking only the observed choice is tried: the candidates
\* whose state changes in the next observed state.
LostChoices(lostCands) ==
    IF Hinted("jobState")
    THEN {{x \in lostCands : x \in DOMAIN TraceHint.jobState
                              /\ TraceHint.jobState[x] # jobState[x]}}
    ELSE SUBSET lostCands

\* The node agent on n restarted and the controller notices only when n
\* registers again, without n having been DOWN. Jobs the controller gave
\* the new incarnation meanwhile keep running; the active jobs on n it no
\* longer runs (a non-empty subset) are requeued or end in NODE_FAIL, as in
\* NodeFail. (Slurm itself would set such a node DOWN and kill everything
\* on it unless ReturnToService=2; FLURM keeps what the node still runs.)
NodeReboot(n) ==
    /\ n \notin down
    /\ LET onNode == {j \in Submitted : jobState[j] \in Active /\ n \in alloc[j]}
       IN \E lost \in LostChoices(onNode) :
          \E rq \in RequeueChoices({j \in lost : restarts[j] < MaxRestarts}) :
            /\ lost # {}
            /\ jobState' = [j \in Submitted |->
                              IF j \in rq THEN "PENDING"
                              ELSE IF j \in lost THEN "NODE_FAIL"
                              ELSE jobState[j]]
            /\ alloc'    = [j \in Submitted |-> IF j \in lost THEN {} ELSE alloc[j]]
            /\ restarts' = [j \in Submitted |->
                              IF j \in rq THEN restarts[j] + 1 ELSE restarts[j]]
    /\ UNCHANGED down

NodeReturn(n) ==
    /\ n \in down
    /\ down' = down \ {n}
    /\ UNCHANGED <<jobState, alloc, restarts>>

Next ==
    \/ \E j \in NewJobsToTry : Submit(j)
    \/ \E j \in JobsToTry :
          \/ \E S \in StartChoices(j) : Start(j, S)
          \/ Suspend(j) \/ Resume(j)
          \/ Complete(j) \/ Fail(j) \/ Timeout(j)
          \/ Cancel(j) \/ Requeue(j)
    \/ \E j \in ReleaseJobsToTry : \E n \in alloc[j] : Release(j, n)
    \/ \E n \in NodesToTry : NodeFail(n) \/ NodeReturn(n)
    \/ \E n \in RebootNodesToTry : NodeReboot(n)

\* Time limits always fire eventually (strong fairness: a job may be
\* suspended and resumed many times), and suspended jobs get resumed.
Fairness ==
    \A j \in Jobs : /\ SF_vars(Timeout(j))
                    /\ WF_vars(Resume(j))

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
(* Invariants *)

TypeOK ==
    /\ Submitted \subseteq Jobs
    /\ DOMAIN alloc = Submitted /\ DOMAIN restarts = Submitted
    /\ \A j \in Submitted :
          /\ StateOf(j) \in JobStates
          /\ alloc[j] \subseteq Nodes
          /\ restarts[j] \in 0..MaxRestarts
    /\ down \subseteq Nodes

\* a job holds nodes exactly while it is running or suspended
AllocIffActive ==
    \A j \in Submitted : (alloc[j] # {}) <=> (jobState[j] \in Active)

\* no job keeps an allocation on a DOWN node
NoJobOnDownNode ==
    \A j \in Submitted : jobState[j] \in Active => alloc[j] \cap down = {}

(* Liveness, for TLC (tla-checker's WASM API does not check PROPERTY):   *)
(* a running job always leaves RUNNING/SUSPENDED: it ends or is requeued. *)
RunningJobsLeave ==
    \A j \in Jobs :
        StateOf(j) = "RUNNING" ~> StateOf(j) \in Terminal \cup {"PENDING"}
=============================================================================
