------------------------ MODULE ControllerReplication ------------------------
(***************************************************************************)
(* FLURM's replicated controller, above the Raft log (RaftLog.tla checks  *)
(* the log properties assumed here: one leader per term; a new leader     *)
(* holds every committed entry).                                           *)
(*                                                                         *)
(* The replicated job table (jobs, where, attempt) is the committed       *)
(* state. A leader proposes submissions; only the leader of the newest    *)
(* term can commit (a stale leader cannot reach a quorum). Launch and     *)
(* kill requests carry the leader's term; a node agent remembers the      *)
(* newest term it has seen and refuses older requests (fencing). Between  *)
(* one leader and one node, requests of one term arrive in order (one     *)
(* connection); across terms they may be reordered arbitrarily, and any  *)
(* message may be lost.                                                    *)
(*                                                                         *)
(* A leader may write a node off and requeue its job without a kill: the *)
(* run may go on there (a zombie), and the leader reaps zombies it hears  *)
(* of. The promise: at most one run per job that was not written off;     *)
(* zombies are reaped (liveness, not checked here).                       *)
(*                                                                         *)
(* Checked: an acknowledged submission is never lost across leader        *)
(* changes; no job has two runs at once, except zombies; every run on a   *)
(* node that is not a zombie is the one the job table records (term       *)
(* fencing protects this).                                                *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Servers,      \* controller replicas
    Jobs,         \* job ids
    Nodes,        \* node agents
    MaxTerm,      \* terms are 0..MaxTerm
    MaxAttempts,  \* runs per job (a requeue starts the next attempt)
    TraceChecking, \* FALSE when model checking; TRUE from tracecheck.mjs
    TraceHint      \* when trace checking: the next observed state

VARIABLES
    curTerm,     \* newest term in which a leader was elected
    leaderTerm,  \* [Servers -> 0..MaxTerm]: term s leads in, 0 if not leader
    proposed,    \* [Servers -> SUBSET Jobs]: appended, not yet committed
    jobs,        \* [Jobs -> JobStatus], committed
    where,       \* [Jobs -> Nodes \cup {"none"}], committed node of the run
    attempt,     \* [Jobs -> 0..MaxAttempts], committed run number
    acked,       \* SUBSET Jobs: submissions acknowledged to clients
    agentTerm,   \* [Nodes -> 0..MaxTerm]: newest leader term the agent saw
    msgs,        \* set of in-flight messages (records, see below)
    running,     \* set of [job, node, attempt]: runs executing on nodes
    writtenOff,  \* SUBSET [job, attempt]: attempts the table wrote off
    sent         \* trace checking only (TraceNext): launches some leader
                 \* may have sent, [job, node, attempt, term]; {} in Next

vars == <<curTerm, leaderTerm, proposed, jobs, where, attempt, acked,
          agentTerm, msgs, running, writtenOff, sent>>

JobStatus == {"none", "pending", "running", "killing", "done"}
None == "none"

\* Messages: controller -> agent  [type |-> "launch"/"kill", job, node, term, attempt]
\*           agent -> controller  [type |-> "ended", job, node, term |-> 0, attempt]
Msg(t, j, n, tm, a) == [type |-> t, job |-> j, node |-> n, term |-> tm, attempt |-> a]

\* the leader of the newest term: the only one that can commit
IsCurrentLeader(s) == leaderTerm[s] = curTerm /\ curTerm > 0

-----------------------------------------------------------------------------
Init ==
    /\ curTerm = 0
    /\ leaderTerm = [s \in Servers |-> 0]
    /\ proposed = [s \in Servers |-> {}]
    /\ jobs = [j \in Jobs |-> "none"]
    /\ where = [j \in Jobs |-> None]
    /\ attempt = [j \in Jobs |-> 0]
    /\ acked = {}
    /\ agentTerm = [n \in Nodes |-> 0]
    /\ msgs = {}
    /\ running = {}
    /\ writtenOff = {}
    /\ sent = {}

\* s wins the election of a newer term t (terms without an elected leader
\* are skipped). Old leaders do not know yet. Uncommitted proposals of s
\* are not carried over (clients retry).
Elect(s, t) ==
    /\ curTerm < t
    /\ curTerm' = t
    /\ leaderTerm' = [leaderTerm EXCEPT ![s] = t]
    /\ proposed' = [proposed EXCEPT ![s] = {}]
    /\ UNCHANGED <<jobs, where, attempt, acked, agentTerm, msgs, running>>

\* a leader learns it is deposed (or gives up leadership)
StepDown(s) ==
    /\ leaderTerm[s] > 0
    /\ leaderTerm' = [leaderTerm EXCEPT ![s] = 0]
    /\ proposed' = [proposed EXCEPT ![s] = {}]
    /\ UNCHANGED <<curTerm, jobs, where, attempt, acked, agentTerm, msgs, running>>

\* a client's submission reaches a (possibly stale) leader
Submit(s, j) ==
    /\ leaderTerm[s] > 0
    /\ jobs[j] = "none"
    /\ proposed' = [proposed EXCEPT ![s] = @ \cup {j}]
    /\ UNCHANGED <<curTerm, leaderTerm, jobs, where, attempt, acked, agentTerm, msgs, running>>

Commit(s, j) ==
    /\ IsCurrentLeader(s)
    /\ j \in proposed[s]
    /\ jobs[j] = "none"
    /\ jobs' = [jobs EXCEPT ![j] = "pending"]
    /\ proposed' = [proposed EXCEPT ![s] = @ \ {j}]
    /\ UNCHANGED <<curTerm, leaderTerm, where, attempt, acked, agentTerm, msgs, running>>

\* the client is told "Submitted batch job j" only once j is committed
Ack(s, j) ==
    /\ leaderTerm[s] > 0
    /\ jobs[j] # "none"
    /\ j \notin acked
    /\ acked' = acked \cup {j}
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, jobs, where, attempt, agentTerm, msgs, running>>

\* the leader commits "j runs on n (attempt a)" and sends the launch
Launch(s, j, n) ==
    /\ IsCurrentLeader(s)
    /\ jobs[j] = "pending"
    /\ attempt[j] < MaxAttempts
    /\ jobs' = [jobs EXCEPT ![j] = "running"]
    /\ where' = [where EXCEPT ![j] = n]
    /\ attempt' = [attempt EXCEPT ![j] = @ + 1]
    /\ msgs' = msgs \cup {Msg("launch", j, n, curTerm, attempt[j] + 1)}
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, acked, agentTerm, running>>

\* the leader commits "killing j" (scontrol requeue) and sends the kill
Kill(s, j) ==
    /\ IsCurrentLeader(s)
    /\ jobs[j] = "running"
    /\ jobs' = [jobs EXCEPT ![j] = "killing"]
    /\ msgs' = msgs \cup {Msg("kill", j, where[j], curTerm, attempt[j])}
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, where, attempt, acked, agentTerm, running>>

\* the agent handles a launch: refused if its term is older than the
\* newest term the agent has seen
DeliverLaunch(m) ==
    /\ m \in msgs /\ m.type = "launch"
    /\ msgs' = msgs \ {m}
    /\ IF m.term >= agentTerm[m.node]
       THEN /\ agentTerm' = [agentTerm EXCEPT ![m.node] = m.term]
            /\ running' = running \cup {[job |-> m.job, node |-> m.node, attempt |-> m.attempt]}
       ELSE UNCHANGED <<agentTerm, running>>
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, jobs, where, attempt, acked>>

\* the agent handles a kill (same fencing); it reports the run as ended.
\* Same-term order: a kill cannot overtake a launch of its own term.
DeliverKill(m) ==
    /\ m \in msgs /\ m.type = "kill"
    /\ ~\E l \in msgs : l.type = "launch" /\ l.job = m.job /\ l.node = m.node /\ l.term = m.term
    /\ IF m.term >= agentTerm[m.node]
       THEN /\ agentTerm' = [agentTerm EXCEPT ![m.node] = m.term]
            /\ running' = {r \in running : ~(r.job = m.job /\ r.node = m.node /\ r.attempt = m.attempt)}
            /\ msgs' = (msgs \ {m}) \cup {Msg("ended", m.job, m.node, 0, m.attempt)}
       ELSE /\ msgs' = msgs \ {m}
            /\ UNCHANGED <<agentTerm, running>>
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, jobs, where, attempt, acked>>

\* a run's batch script exits by itself; the agent reports it
Exit(r) ==
    /\ r \in running
    /\ running' = running \ {r}
    /\ msgs' = msgs \cup {Msg("ended", r.job, r.node, 0, r.attempt)}
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, jobs, where, attempt, acked, agentTerm>>

\* The current leader commits the end of the current run: a killed job is
\* requeued (pending), any other ends (done). Reports about older runs
\* are discarded.
HandleEnded(s, m) ==
    /\ IsCurrentLeader(s)
    /\ m \in msgs /\ m.type = "ended"
    /\ msgs' = msgs \ {m}
    /\ IF m.attempt = attempt[m.job] /\ m.node = where[m.job]
          /\ jobs[m.job] \in {"running", "killing"}
       THEN /\ jobs' = [jobs EXCEPT ![m.job] = IF @ = "killing" THEN "pending" ELSE "done"]
            /\ where' = [where EXCEPT ![m.job] = None]
       ELSE UNCHANGED <<jobs, where>>
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, attempt, acked, agentTerm, running>>

\* the network loses a message (a lost kill leaves the job in "killing";
\* that is a liveness matter, resending is not modelled)
Lose(m) ==
    /\ m \in msgs
    /\ msgs' = msgs \ {m}
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, jobs, where, attempt, acked, agentTerm, running>>

\* The current leader writes a node off (it stopped answering) and
\* requeues its job at once, without a kill: the run may go on executing
\* there, a zombie, and a launch of that attempt still in flight may even
\* start one later (the node never saw a newer term). The attempt is
\* remembered as written off; its runs are not the table's any more.
WriteOff(s, j) ==
    /\ IsCurrentLeader(s)
    /\ jobs[j] = "running"
    /\ jobs' = [jobs EXCEPT ![j] = "pending"]
    /\ where' = [where EXCEPT ![j] = None]
    /\ writtenOff' = writtenOff \cup {[job |-> j, attempt |-> attempt[j]]}
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, attempt, acked, agentTerm, msgs, running>>

WrittenOff(r) == [job |-> r.job, attempt |-> r.attempt] \in writtenOff

\* The current leader reaps a zombie it hears of (the node reports it
\* running): a kill of that attempt, in its term.
Reap(s, r) ==
    /\ IsCurrentLeader(s)
    /\ r \in running /\ WrittenOff(r)
    /\ ~\E k \in msgs : k.type = "kill" /\ k.job = r.job /\ k.node = r.node /\ k.attempt = r.attempt
    /\ msgs' = msgs \cup {Msg("kill", r.job, r.node, curTerm, r.attempt)}
    /\ UNCHANGED <<curTerm, leaderTerm, proposed, jobs, where, attempt, acked, agentTerm, running>>

ReplicaNext ==
    \/ \E s \in Servers :
          \/ \E t \in 1..MaxTerm : Elect(s, t)
          \/ StepDown(s)
          \/ \E j \in Jobs : Submit(s, j) \/ Commit(s, j) \/ Ack(s, j) \/ Kill(s, j)
          \/ \E j \in Jobs, n \in Nodes : Launch(s, j, n)
          \/ \E m \in msgs : HandleEnded(s, m)
    \/ \E m \in msgs : DeliverLaunch(m) \/ DeliverKill(m) \/ Lose(m)
    \/ \E r \in running : Exit(r)

Next ==
    /\ \/ ReplicaNext /\ UNCHANGED writtenOff
       \/ \E s \in Servers : \E j \in Jobs : WriteOff(s, j)
       \/ \E s \in Servers : \E r \in running : Reap(s, r) /\ UNCHANGED writtenOff
    /\ UNCHANGED sent

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
TypeOK ==
    /\ curTerm \in 0..MaxTerm
    /\ leaderTerm \in [Servers -> 0..MaxTerm]
    /\ jobs \in [Jobs -> JobStatus]
    /\ where \in [Jobs -> Nodes \cup {None}]
    /\ attempt \in [Jobs -> 0..MaxAttempts]
    /\ acked \subseteq Jobs
    /\ agentTerm \in [Nodes -> 0..MaxTerm]

\* an acknowledged submission is in the committed table, whoever leads
AckedNeverLost ==
    \A j \in acked : jobs[j] # "none"

\* Runs of attempts the table wrote off are zombies: FLURM, like Slurm,
\* cannot stop a node it cannot reach, so the promise is about the rest.
LiveRuns == {r \in running : ~WrittenOff(r)}

\* at most one run per job that was not written off
NoDoubleRun ==
    \A r1, r2 \in LiveRuns : r1.job = r2.job => r1 = r2

\* every run executing on a node is the table's current attempt, on the
\* node the table records, unless its attempt was written off (a zombie,
\* which Reap kills). Term fencing is what protects it: without it a
\* launch of an attempt that ended normally can start after a new leader
\* moved on (ControllerReplication_NoLaunchFencing).
ZombiesOnlyWrittenOff ==
    \A r \in LiveRuns : /\ r.attempt = attempt[r.job]
                        /\ r.node = where[r.job]
                        /\ jobs[r.job] \in {"running", "killing"}

\* agents never see a term from the future
AgentTermsBounded ==
    \A n \in Nodes : agentTerm[n] <= curTerm

-----------------------------------------------------------------------------
(***************************************************************************)
(* Trace checking (tracecheck.mjs with ControllerReplicationTrace.cfg):   *)
(* the simulator's traces observe curTerm, jobs, where, attempt,          *)
(* agentTerm and running, and are checked against TraceNext, not Next.    *)
(* TraceNext is what FLURM does at that level of detail, which Next does  *)
(* not (yet) model: launches are sent after apply, and resent by every    *)
(* later leader while the table holds the run; messages of one term are   *)
(* reordered and duplicated too; a node written off keeps its processes   *)
(* (zombies) while the table requeues the job; the agent learns newer     *)
(* terms from heartbeat acknowledgements, forgets its term when its       *)
(* daemon restarts, and the processes survive that (adoption) but not a   *)
(* machine crash. What the traces still check: the table only changes    *)
(* while some leader was elected, attempts only grow, a run starts only   *)
(* on the node the table recorded for that attempt, from a launch of a    *)
(* term in which the table held that run, and never from a term older    *)
(* than the agent's (fencing); agents never see a term no leader had.     *)
(* Not modelled here: the incarnation fence (a launch names the daemon    *)
(* incarnation it is meant for), so after a daemon restart TraceNext lets *)
(* any earlier launch through: weaker than FLURM, never stronger.         *)
(* In TraceNext attempt[j] is the current attempt's number (FLURM's       *)
(* Job.Attempt + 1) from submission on, and "killing" is not used: FLURM  *)
(* requeues at once and reaps the old attempt's processes as zombies.     *)
(***************************************************************************)
TraceUnchangedHidden == UNCHANGED <<leaderTerm, proposed, acked, msgs, writtenOff>>
TableRuns(t) == {[job |-> j, node |-> where[j], attempt |-> attempt[j], term |-> t] :
                   j \in {k \in Jobs : jobs[k] = "running"}}

\* a leader is elected in a newer term t: it resends the launches of the
\* runs the committed table holds (its applied state catches up to it)
TElect(t) ==
    /\ curTerm < t
    /\ curTerm' = t
    /\ sent' = sent \cup TableRuns(t)
    /\ TraceUnchangedHidden
    /\ UNCHANGED <<jobs, where, attempt, agentTerm, running>>

\* a committed change of one job's entry in the table
TCommit(j, st, n, a) ==
    /\ curTerm > 0
    /\ jobs' = [jobs EXCEPT ![j] = st]
    /\ where' = [where EXCEPT ![j] = n]
    /\ attempt' = [attempt EXCEPT ![j] = a]
    /\ TraceUnchangedHidden
    /\ UNCHANGED <<curTerm, agentTerm, running>>

TSubmit(j) ==
    /\ jobs[j] = "none"
    /\ TCommit(j, "pending", None, 1)
    /\ UNCHANGED sent

\* the leader of curTerm applies "j runs on n" and sends the launch
TStart(j, n) ==
    /\ jobs[j] = "pending"
    /\ TCommit(j, "running", n, attempt[j])
    /\ sent' = sent \cup {[job |-> j, node |-> n, attempt |-> attempt[j], term |-> curTerm]}

\* requeue (scontrol requeue, a node written off or rebooted): the next
\* attempt; the old one's processes may still run, as zombies
TRequeue(j) ==
    /\ jobs[j] = "running"
    /\ attempt[j] < MaxAttempts
    /\ TCommit(j, "pending", None, attempt[j] + 1)
    /\ UNCHANGED sent

\* the job ends, whatever the reason (exit, cancel, time limit, node fail)
TEnd(j) ==
    /\ jobs[j] \in {"pending", "running"}
    /\ TCommit(j, "done", None, attempt[j])
    /\ UNCHANGED sent

\* the agent on n accepts a launch of term t: fenced by its newest term
TDeliverLaunch(j, n, a, t) ==
    /\ [job |-> j, node |-> n, attempt |-> a, term |-> t] \in sent
    /\ t >= agentTerm[n]
    /\ [job |-> j, node |-> n, attempt |-> a] \notin running
    /\ agentTerm' = [agentTerm EXCEPT ![n] = t]
    /\ running' = running \cup {[job |-> j, node |-> n, attempt |-> a]}
    /\ TraceUnchangedHidden
    /\ UNCHANGED <<curTerm, jobs, where, attempt, sent>>

\* the agent learns a newer term (heartbeat acknowledgement, a kill, a
\* launch it ignores as a duplicate or after a kill tombstone)
TLearnTerm(n, t) ==
    /\ agentTerm[n] < t /\ t <= curTerm
    /\ agentTerm' = [agentTerm EXCEPT ![n] = t]
    /\ TraceUnchangedHidden
    /\ UNCHANGED <<curTerm, jobs, where, attempt, running, sent>>

\* the agent daemon stops or the machine crashes: the newest term is
\* forgotten (the next daemon starts from 0)
TAgentReset(n) ==
    /\ agentTerm[n] > 0
    /\ agentTerm' = [agentTerm EXCEPT ![n] = 0]
    /\ TraceUnchangedHidden
    /\ UNCHANGED <<curTerm, jobs, where, attempt, running, sent>>

\* a run's processes end: exit, kill, time limit, machine crash
TExit(r) ==
    /\ running' = running \ {r}
    /\ TraceUnchangedHidden
    /\ UNCHANGED <<curTerm, jobs, where, attempt, agentTerm, sent>>

\* When trace checking, TraceHint (the next observed state) narrows the
\* choices to those that can give it; model checking never uses TraceNext.
\* The narrowing only leaves out steps whose result differs from the hint,
\* so it can only make the check faster, never accept more.
HintJobs ==
    IF TraceChecking
    THEN {x \in Jobs : \/ TraceHint.jobs[x] # jobs[x]
                       \/ TraceHint.where[x] # where[x]
                       \/ TraceHint.attempt[x] # attempt[x]}
    ELSE Jobs
HintWhere(x) == IF TraceChecking THEN {TraceHint.where[x]} \cap Nodes ELSE Nodes
HintElect == IF TraceChecking THEN {TraceHint.curTerm} \cap (1..MaxTerm) ELSE 1..MaxTerm
HintNodes ==
    IF TraceChecking THEN {y \in Nodes : TraceHint.agentTerm[y] # agentTerm[y]} ELSE Nodes
HintLearn(y) == IF TraceChecking THEN {TraceHint.agentTerm[y]} \cap (1..MaxTerm) ELSE 1..MaxTerm
HintSent ==
    IF TraceChecking
    THEN {e \in sent : /\ [job |-> e.job, node |-> e.node, attempt |-> e.attempt] \in TraceHint.running
                       /\ e.term = TraceHint.agentTerm[e.node]}
    ELSE sent
HintExits == IF TraceChecking THEN {x \in running : x \notin TraceHint.running} ELSE running

TraceNext ==
    \/ \E t \in HintElect : TElect(t)
    \/ \E j \in HintJobs : TSubmit(j) \/ TRequeue(j) \/ TEnd(j) \/ \E n \in HintWhere(j) : TStart(j, n)
    \/ \E m \in HintSent : TDeliverLaunch(m.job, m.node, m.attempt, m.term)
    \/ \E n \in HintNodes : TAgentReset(n) \/ \E t \in HintLearn(n) : TLearnTerm(n, t)
    \/ \E r \in HintExits : TExit(r)
=====
