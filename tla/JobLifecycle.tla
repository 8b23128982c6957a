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
(* Nodes are allocated whole (exclusive), as with Slurm's select/linear   *)
(* or OverSubscribe=EXCLUSIVE; the scheduler's choice of nodes is free.   *)
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

\* nodes held by some active job
Busy == UNION {alloc[k] : k \in {x \in Submitted : jobState[x] \in Active}}
FreeNodes == Nodes \ (Busy \cup down)

\* Node sets Start may choose for job j. When tracecheck.mjs checks a
\* trace it passes the next observed state as TraceHint, and only the
\* allocation observed there is tried: any other would be rejected anyway,
\* and SUBSET Nodes grows as 2^|Nodes| (too slow for traces of many nodes).
StartChoices(j) ==
    IF TraceChecking /\ "alloc" \in DOMAIN TraceHint
    THEN IF j \in DOMAIN TraceHint.alloc THEN {TraceHint.alloc[j]} ELSE {}
    ELSE SUBSET Nodes

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

\* the scheduler places a pending job on a non-empty set of free, up nodes
Start(j, S) ==
    /\ StateOf(j) = "PENDING"
    /\ S # {}
    /\ S \subseteq FreeNodes
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
       IN \E requeued \in SUBSET {j \in hit : restarts[j] < MaxRestarts} :
            /\ jobState' = [j \in Submitted |->
                              IF j \in requeued THEN "PENDING"
                              ELSE IF j \in hit THEN "NODE_FAIL"
                              ELSE jobState[j]]
            /\ alloc'    = [j \in Submitted |-> IF j \in hit THEN {} ELSE alloc[j]]
            /\ restarts' = [j \in Submitted |->
                              IF j \in requeued THEN restarts[j] + 1 ELSE restarts[j]]
    /\ down' = down \cup {n}

NodeReturn(n) ==
    /\ n \in down
    /\ down' = down \ {n}
    /\ UNCHANGED <<jobState, alloc, restarts>>

Next ==
    \/ \E j \in Jobs : Submit(j)
    \/ \E j \in Submitted :
          \/ \E S \in StartChoices(j) : Start(j, S)
          \/ Suspend(j) \/ Resume(j)
          \/ Complete(j) \/ Fail(j) \/ Timeout(j)
          \/ Cancel(j) \/ Requeue(j)
    \/ \E n \in Nodes : NodeFail(n) \/ NodeReturn(n)

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

\* no node is allocated to two jobs at once
NoOverAllocation ==
    \A a, b \in Submitted :
        (a # b /\ jobState[a] \in Active /\ jobState[b] \in Active)
            => alloc[a] \cap alloc[b] = {}

\* no job keeps an allocation on a DOWN node
NoJobOnDownNode ==
    \A j \in Submitted : jobState[j] \in Active => alloc[j] \cap down = {}

(* Liveness, for TLC (tla-checker's WASM API does not check PROPERTY):   *)
(* a running job always leaves RUNNING/SUSPENDED: it ends or is requeued. *)
RunningJobsLeave ==
    \A j \in Jobs :
        StateOf(j) = "RUNNING" ~> StateOf(j) \in Terminal \cup {"PENDING"}
=============================================================================
