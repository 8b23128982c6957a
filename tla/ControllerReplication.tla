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
(* Checked: an acknowledged submission is never lost across leader        *)
(* changes; no job runs twice at once; every run on a node is the one the *)
(* job table records.                                                     *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Servers,      \* controller replicas
    Jobs,         \* job ids
    Nodes,        \* node agents
    MaxTerm,      \* terms are 0..MaxTerm
    MaxAttempts   \* runs per job (a requeue starts the next attempt)

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
    running      \* set of [job, node, attempt]: runs executing on nodes

vars == <<curTerm, leaderTerm, proposed, jobs, where, attempt, acked,
          agentTerm, msgs, running>>

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
            /\ running' = {r \in running : ~(r.job = m.job /\ r.node = m.node)}
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

Next ==
    \/ \E s \in Servers :
          \/ \E t \in 1..MaxTerm : Elect(s, t)
          \/ StepDown(s)
          \/ \E j \in Jobs : Submit(s, j) \/ Commit(s, j) \/ Ack(s, j) \/ Kill(s, j)
          \/ \E j \in Jobs, n \in Nodes : Launch(s, j, n)
          \/ \E m \in msgs : HandleEnded(s, m)
    \/ \E m \in msgs : DeliverLaunch(m) \/ DeliverKill(m) \/ Lose(m)
    \/ \E r \in running : Exit(r)

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

\* no job has two runs executing at the same time
NoDoubleRun ==
    \A r1, r2 \in running : r1.job = r2.job => r1 = r2

\* every executing run is the current attempt, on the recorded node
RunsMatchTable ==
    \A r \in running : /\ r.attempt = attempt[r.job]
                       /\ r.node = where[r.job]
                       /\ jobs[r.job] \in {"running", "killing"}

\* agents never see a term from the future
AgentTermsBounded ==
    \A n \in Nodes : agentTerm[n] <= curTerm
=============================================================================
