--------------------------- MODULE SchedulerSafety ---------------------------
(***************************************************************************)
(* Safety of FLURM's scheduler: priority order with a reservation for the *)
(* highest-priority pending job, plus EASY backfill of lower-priority     *)
(* jobs around that reservation, over whole-node allocations.             *)
(*                                                                         *)
(* What is checked:                                                        *)
(*  - NoOverAllocation: no node belongs to two running jobs;              *)
(*  - PlacedAtMostOncePerAttempt: a job is placed at most once per        *)
(*    attempt (an attempt ends only by requeue);                          *)
(*  - BackfillKeepsReservation: the earliest start the top pending job    *)
(*    can get, judged from the time limits of running jobs, is never      *)
(*    later than the start reserved for it when it became the top job.    *)
(*                                                                         *)
(* Time is a bounded integer clock; jobs may end before their limit, and  *)
(* must have ended (time limit) before the clock passes it.               *)
(*                                                                         *)
(* Nodes have a capacity (CPUs and memory) and a job needs size nodes     *)
(* with cpus and mem free on each: FLURM, like select/cons_tres, shares   *)
(* nodes. The model's workload needs whole nodes (capacity 1).            *)
(*                                                                         *)
(* Simulator traces are checked against TraceNext (SchedulerSafetyTrace.  *)
(* cfg): every placement must fit the free capacity, only pending jobs    *)
(* are placed, at most once per attempt; the priority order and the      *)
(* backfill rule (StartTop, Backfill, Tick) are not part of it, because  *)
(* the traces carry neither the scheduler's clock nor its priorities.     *)
(* Next's steps are all TraceNext steps, so TraceNext is an abstraction   *)
(* of Spec, and the traces' allocations are judged by the same guards.    *)
(* TraceNext also has Shrink: a job's part on a node ends early.          *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Nodes,        \* compute nodes
    MaxTime,      \* clock bound of the model
    MaxAttempts,  \* requeue bound: attempts 1..MaxAttempts
    TraceChecking, \* FALSE when model checking; TRUE from tracecheck.mjs
    TraceHint,    \* when trace checking: the next observed state
    TraceWork,    \* when trace checking: the run's jobs (as ModelWork)
    TraceCap      \* when trace checking: [Nodes -> [cpus, mem]]

\* The model's workload: distinct priorities, node counts, time limits
\* (ticks), whole nodes.
ModelWork == [a |-> [prio |-> 3, size |-> 2, limit |-> 2, cpus |-> 1, mem |-> 1],
              b |-> [prio |-> 2, size |-> 1, limit |-> 1, cpus |-> 1, mem |-> 1],
              c |-> [prio |-> 1, size |-> 1, limit |-> 3, cpus |-> 1, mem |-> 1]]
Work == IF TraceChecking THEN TraceWork ELSE ModelWork
Cap == IF TraceChecking THEN TraceCap ELSE [n \in Nodes |-> [cpus |-> 1, mem |-> 1]]
Jobs == DOMAIN Work
MaxLimit == 3
NoReservation == MaxTime + MaxLimit + 1   \* resv value when no job is pending

VARIABLES
    now,        \* the clock
    st,         \* [Jobs -> {"NEW", "PENDING", "RUNNING", "DONE"}]
    alloc,      \* [Jobs -> SUBSET Nodes]
    startAt,    \* [Jobs -> Nat], start time of the current run
    attempt,    \* [Jobs -> 1..MaxAttempts]
    placed,     \* [Jobs -> Nat], placements in the current attempt
    resv        \* start reserved for the top pending job (ghost)

vars == <<now, st, alloc, startAt, attempt, placed, resv>>

Pending == {j \in Jobs : st[j] = "PENDING"}
Running == {j \in Jobs : st[j] = "RUNNING"}

RECURSIVE SumOver(_, _)
\* the sum of f over a finite set of jobs
SumOver(sumSet, sumF) ==
    IF sumSet = {} THEN 0
    ELSE LET x == CHOOSE y \in sumSet : TRUE
         IN sumF[x] + SumOver(sumSet \ {x}, sumF)
OnNode(n) == {k \in Running : n \in alloc[k]}
UsedCPUs(n) == SumOver(OnNode(n), [k \in Jobs |-> Work[k].cpus])
UsedMem(n) == SumOver(OnNode(n), [k \in Jobs |-> Work[k].mem])
\* nodes with no job at all
Free    == Nodes \ UNION {alloc[k] : k \in Running}
\* nodes with room for job j. In the model every job needs a whole node
\* (capacity 1, cpus 1), so these are the free nodes, which are cheaper
\* to compute.
FreeFor(j) ==
    IF ~TraceChecking THEN Free
    ELSE {n \in Nodes : /\ UsedCPUs(n) + Work[j].cpus <= Cap[n].cpus
                        /\ UsedMem(n) + Work[j].mem <= Cap[n].mem}

\* the highest-priority job of a non-empty set
Top(tp) == CHOOSE tj \in tp : \A tk \in tp : Work[tk].prio <= Work[tj].prio

\* Earliest time >= t at which job h finds enough nodes, if running jobs R
\* (allocations A, start times S) run to their full time limit.
\* (Parameter names are distinct from callers' names on purpose: tla-rs
\* 0.9.0 substitutes operator arguments without renaming bound names.)
FreeCountAt(u, fcRun, fcAlloc, fcStart) ==
    Cardinality(Nodes) - Cardinality(UNION {fcAlloc[k] : k \in {x \in fcRun : fcStart[x] + Work[x].limit > u}})
EarliestStart(h, t, esRun, esAlloc, esStart) ==
    LET ok(u) == FreeCountAt(u, esRun, esAlloc, esStart) >= Work[h].size
        T == t..(t + MaxLimit)
    \* ok is monotone in u (running jobs only end), so the first ok time
    \* is t plus the number of times that are not ok
    IN t + Cardinality({u \in T : ~ok(u)})

\* reservation for the top job of pending set P in a given state
Reserve(rsPend, rsT, rsRun, rsAlloc, rsStart) ==
    IF rsPend = {} THEN NoReservation
    ELSE EarliestStart(Top(rsPend), rsT, rsRun, rsAlloc, rsStart)

ESNow(eh) == EarliestStart(eh, now, Running, alloc, startAt)

\* resv is the model's ghost for BackfillKeepsReservation. Trace checking
\* hides it and does not compute it (it costs most of each step).
ResvAfter(newResv) == IF TraceChecking THEN resv ELSE newResv

-----------------------------------------------------------------------------
Init ==
    /\ now = 0
    /\ st = [j \in Jobs |-> "NEW"]
    /\ alloc = [j \in Jobs |-> {}]
    /\ startAt = [j \in Jobs |-> 0]
    /\ attempt = [j \in Jobs |-> 1]
    /\ placed = [j \in Jobs |-> 0]
    /\ resv = NoReservation

\* A submission may displace the top job; the new top gets a reservation.
Submit(j) ==
    /\ st[j] = "NEW"
    /\ st' = [st EXCEPT ![j] = "PENDING"]
    /\ LET P == Pending \cup {j}
       IN resv' = ResvAfter(IF Pending # {} /\ Top(P) = Top(Pending) THEN resv
                            ELSE Reserve(P, now, Running, alloc, startAt))
    /\ UNCHANGED <<now, alloc, startAt, attempt, placed>>

\* Place job j on nodes S at time now; R2/A2/S2 are the resulting running
\* set, allocations and start times.
Place(j, S) ==
    /\ st[j] = "PENDING"
    /\ S \subseteq FreeFor(j)
    /\ Cardinality(S) = Work[j].size
    /\ st' = [st EXCEPT ![j] = "RUNNING"]
    /\ alloc' = [alloc EXCEPT ![j] = S]
    /\ startAt' = [startAt EXCEPT ![j] = now]
    /\ placed' = [placed EXCEPT ![j] = @ + 1]
    /\ UNCHANGED <<now, attempt>>

\* Main scheduler: the top pending job starts when it fits.
StartTop(S) ==
    /\ Pending # {}
    /\ Place(Top(Pending), S)
    /\ LET P == Pending \ {Top(Pending)}
       IN resv' = Reserve(P, now, Running \cup {Top(Pending)},
                          [alloc EXCEPT ![Top(Pending)] = S],
                          [startAt EXCEPT ![Top(Pending)] = now])

\* EASY backfill: a lower-priority job j starts now if it fits and either
\* ends (at its full time limit) before the top job's earliest start, or
\* leaves enough nodes free at that start. This is the rule an
\* implementation uses; BackfillKeepsReservation checks it against the
\* definition of "does not delay" (EarliestStart).
Backfill(j, S) ==
    /\ Pending # {}
    /\ LET h == Top(Pending)
           e == ESNow(h)
       IN /\ j # h
          /\ \/ now + Work[j].limit <= e
             \/ FreeCountAt(e, Running, alloc, startAt) - Work[j].size >= Work[h].size
    /\ Place(j, S)
    /\ UNCHANGED resv

\* The job ends: exit, cancel, or its time limit (at the latest).
Finish(j) ==
    /\ st[j] = "RUNNING"
    /\ st' = [st EXCEPT ![j] = "DONE"]
    /\ alloc' = [alloc EXCEPT ![j] = {}]
    /\ UNCHANGED <<now, startAt, attempt, placed, resv>>

\* Requeue starts a new attempt; the job may become the top job again.
Requeue(j) ==
    /\ st[j] = "RUNNING"
    /\ attempt[j] < MaxAttempts
    /\ st' = [st EXCEPT ![j] = "PENDING"]
    /\ alloc' = [alloc EXCEPT ![j] = {}]
    /\ attempt' = [attempt EXCEPT ![j] = @ + 1]
    /\ placed' = [placed EXCEPT ![j] = 0]
    /\ LET P == Pending \cup {j}
           R == Running \ {j}
           A == [alloc EXCEPT ![j] = {}]
       IN resv' = ResvAfter(IF Pending # {} /\ Top(P) = Top(Pending) THEN resv
                            ELSE Reserve(P, now, R, A, startAt))
    /\ UNCHANGED <<now, startAt>>

\* Time advances only when no running job is at its limit and the top
\* job cannot start now (the scheduler runs before the clock moves).
Tick ==
    /\ now < MaxTime
    /\ \A k \in Running : startAt[k] + Work[k].limit > now
    /\ Pending # {} => ESNow(Top(Pending)) > now
    /\ now' = now + 1
    /\ UNCHANGED <<st, alloc, startAt, attempt, placed, resv>>

\* A pending job is cancelled; if it was the top job, the next one gets a
\* reservation.
Cancel(j) ==
    /\ st[j] = "PENDING"
    /\ st' = [st EXCEPT ![j] = "DONE"]
    /\ LET P == Pending \ {j}
       IN resv' = ResvAfter(IF Top(Pending) # j THEN resv
                            ELSE Reserve(P, now, Running, alloc, startAt))
    /\ UNCHANGED <<now, alloc, startAt, attempt, placed>>

Next ==
    \/ \E j \in Jobs : Submit(j) \/ Finish(j) \/ Requeue(j) \/ Cancel(j)
    \/ \E S \in SUBSET Free : StartTop(S) \/ \E j \in Pending : Backfill(j, S)
    \/ Tick

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
\* Trace checking. Only jobs whose observed state changes act, and a
\* placement takes exactly the observed nodes (see JobLifecycle.tla for
\* why such narrowing is exact).
Hinted(var) == TraceChecking /\ var \in DOMAIN TraceHint
JobsToTry ==
    IF Hinted("st") /\ Hinted("alloc") /\ Hinted("attempt")
    THEN {j \in Jobs : \/ TraceHint.st[j] # st[j]
                       \/ TraceHint.alloc[j] # alloc[j]
                       \/ TraceHint.attempt[j] # attempt[j]}
    ELSE Jobs
PlacementsToTry(j) ==
    IF Hinted("alloc") THEN {TraceHint.alloc[j]} ELSE SUBSET FreeFor(j)

\* A placement that only has to fit: the policy (top job first, backfill
\* around its reservation) is not observed in traces.
PlaceAny(j, S) ==
    /\ Place(j, S)
    /\ UNCHANGED resv

\* A running job's part on some of its nodes ends before the job does
\* (FLURM frees a node's share when the job's processes there exit; the
\* batch host's exit ends the job). Only in TraceNext: it only frees
\* capacity earlier, so it cannot break NoOverAllocation or
\* PlacedAtMostOncePerAttempt, and an earlier release can only make the
\* top job's earliest start earlier (BackfillKeepsReservation).
Shrink(j, S) ==
    /\ st[j] = "RUNNING"
    /\ S # {} /\ S \subseteq alloc[j] /\ S # alloc[j]
    /\ alloc' = [alloc EXCEPT ![j] = S]
    /\ UNCHANGED <<now, st, startAt, attempt, placed, resv>>

TraceNext ==
    \E j \in JobsToTry :
        \/ Submit(j) \/ Finish(j) \/ Requeue(j) \/ Cancel(j)
        \/ \E S \in PlacementsToTry(j) : PlaceAny(j, S) \/ Shrink(j, S)

-----------------------------------------------------------------------------
TypeOK ==
    /\ now \in 0..MaxTime
    /\ st \in [Jobs -> {"NEW", "PENDING", "RUNNING", "DONE"}]
    /\ \A j \in Jobs : alloc[j] \subseteq Nodes
    /\ attempt \in [Jobs -> 1..MaxAttempts]

NoOverAllocation ==
    \A n \in Nodes : UsedCPUs(n) <= Cap[n].cpus /\ UsedMem(n) <= Cap[n].mem

PlacedAtMostOncePerAttempt ==
    \A j \in Jobs : placed[j] <= 1

BackfillKeepsReservation ==
    Pending # {} => ESNow(Top(Pending)) <= resv
=============================================================================
