------------------------------- MODULE RaftLog -------------------------------
(***************************************************************************)
(* The Raft properties FLURM's controller relies on (etcd raft under the  *)
(* hood): election safety, log matching, leader completeness and state-   *)
(* machine safety of committed entries.                                    *)
(*                                                                         *)
(* Abstractions, to keep the state space checkable at small bounds:       *)
(*  - RPCs are atomic: a vote or an AppendEntries is sent and handled in  *)
(*    one step; message loss is a step not taken, and any server may learn *)
(*    a higher term from any other at any time (UpdateTerm);              *)
(*  - a log entry is just its term (the command does not matter here);    *)
(*  - AppendEntries sends every entry after a chosen prevLogIndex;        *)
(*  - a leader counts a follower toward a commit quorum when the follower *)
(*    is in the leader's term and holds the entry (its matchIndex).       *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Servers,     \* e.g. {"s1", "s2", "s3"}
    MaxTerm,     \* terms are 0..MaxTerm
    MaxLogLen    \* client requests stop at this log length

VARIABLES
    currentTerm,  \* [Servers -> 0..MaxTerm]
    role,         \* [Servers -> {"Follower", "Candidate", "Leader"}]
    votedFor,     \* [Servers -> Servers \cup {"none"}]
    votes,        \* [Servers -> SUBSET Servers], votes a candidate holds
    log,          \* [Servers -> Seq(0..MaxTerm)], the term of each entry
    commitIndex,  \* [Servers -> Nat]
    elected,      \* ghost: set of [term, leader] ever elected
    committed     \* ghost: set of [index, term] ever committed by a leader

vars == <<currentTerm, role, votedFor, votes, log, commitIndex, elected, committed>>

IsQuorum(S) == 2 * Cardinality(S) > Cardinality(Servers)
Min(a, b) == IF a < b THEN a ELSE b
Max(a, b) == IF a > b THEN a ELSE b
LastTerm(lg) == IF Len(lg) = 0 THEN 0 ELSE lg[Len(lg)]

\* Raft's election restriction: the candidate's log is at least as
\* up-to-date as the voter's (last term first, then length).
UpToDate(cand, voter) ==
    \/ LastTerm(cand) > LastTerm(voter)
    \/ /\ LastTerm(cand) = LastTerm(voter)
       /\ Len(cand) >= Len(voter)

-----------------------------------------------------------------------------
Init ==
    /\ currentTerm = [s \in Servers |-> 0]
    /\ role = [s \in Servers |-> "Follower"]
    /\ votedFor = [s \in Servers |-> "none"]
    /\ votes = [s \in Servers |-> {}]
    /\ log = [s \in Servers |-> <<>>]
    /\ commitIndex = [s \in Servers |-> 0]
    /\ elected = {}
    /\ committed = {}

\* election timeout: start an election in the next term
Timeout(s) ==
    /\ role[s] # "Leader"
    /\ currentTerm[s] < MaxTerm
    /\ currentTerm' = [currentTerm EXCEPT ![s] = @ + 1]
    /\ role' = [role EXCEPT ![s] = "Candidate"]
    /\ votedFor' = [votedFor EXCEPT ![s] = s]
    /\ votes' = [votes EXCEPT ![s] = {s}]
    /\ UNCHANGED <<log, commitIndex, elected, committed>>

\* any server that learns of a higher term steps down to follower
UpdateTerm(s, t) ==
    /\ currentTerm[t] > currentTerm[s]
    /\ currentTerm' = [currentTerm EXCEPT ![s] = currentTerm[t]]
    /\ role' = [role EXCEPT ![s] = "Follower"]
    /\ votedFor' = [votedFor EXCEPT ![s] = "none"]
    /\ votes' = [votes EXCEPT ![s] = {}]
    /\ UNCHANGED <<log, commitIndex, elected, committed>>

\* voter v handles candidate c's RequestVote (same term: v is up to date
\* on terms, UpdateTerm having run first) and grants its vote
GrantVote(c, v) ==
    /\ c # v
    /\ role[c] = "Candidate"
    /\ currentTerm[v] = currentTerm[c]
    /\ votedFor[v] \in {"none", c}
    /\ UpToDate(log[c], log[v])
    /\ votedFor' = [votedFor EXCEPT ![v] = c]
    /\ votes' = [votes EXCEPT ![c] = @ \cup {v}]
    /\ UNCHANGED <<currentTerm, role, log, commitIndex, elected, committed>>

BecomeLeader(c) ==
    /\ role[c] = "Candidate"
    /\ IsQuorum(votes[c])
    /\ role' = [role EXCEPT ![c] = "Leader"]
    /\ elected' = elected \cup {[term |-> currentTerm[c], leader |-> c]}
    /\ UNCHANGED <<currentTerm, votedFor, votes, log, commitIndex, committed>>

ClientRequest(l) ==
    /\ role[l] = "Leader"
    /\ Len(log[l]) < MaxLogLen
    /\ log' = [log EXCEPT ![l] = Append(@, currentTerm[l])]
    /\ UNCHANGED <<currentTerm, role, votedFor, votes, commitIndex, elected, committed>>

\* leader l sends follower f every entry after prev; f accepts if its log
\* has the leader's entry at prev (the consistency check)
AppendEntries(l, f, prev) ==
    /\ role[l] = "Leader"
    /\ l # f
    /\ currentTerm[f] <= currentTerm[l]
    /\ prev <= Len(log[l])
    /\ prev = 0 \/ (prev <= Len(log[f]) /\ log[f][prev] = log[l][prev])
    /\ LET ents == SubSeq(log[l], prev + 1, Len(log[l]))
           last == prev + Len(ents)
           conflict == \E i \in (prev + 1)..Min(Len(log[f]), last) : log[f][i] # log[l][i]
           newLog == IF ~conflict /\ Len(log[f]) > last THEN log[f]
                     ELSE SubSeq(log[f], 1, prev) \o ents
       IN /\ log' = [log EXCEPT ![f] = newLog]
          /\ commitIndex' = [commitIndex EXCEPT ![f] = Max(@, Min(commitIndex[l], last))]
    /\ currentTerm' = [currentTerm EXCEPT ![f] = currentTerm[l]]
    /\ role' = [role EXCEPT ![f] = "Follower"]
    /\ votedFor' = IF currentTerm[f] < currentTerm[l]
                   THEN [votedFor EXCEPT ![f] = "none"] ELSE votedFor
    /\ votes' = [votes EXCEPT ![f] = {}]
    /\ UNCHANGED <<elected, committed>>

\* a leader commits index n once a quorum in its term holds its entry
\* there, and only for an entry of its own term (Raft's section 5.4.2)
AdvanceCommit(l, n) ==
    /\ role[l] = "Leader"
    /\ commitIndex[l] < n /\ n <= Len(log[l])
    /\ log[l][n] = currentTerm[l]
    /\ IsQuorum({q \in Servers : /\ currentTerm[q] = currentTerm[l]
                                 /\ Len(log[q]) >= n
                                 /\ log[q][n] = log[l][n]})
    /\ commitIndex' = [commitIndex EXCEPT ![l] = n]
    /\ committed' = committed \cup {[index |-> i, term |-> log[l][i]] : i \in 1..n}
    /\ UNCHANGED <<currentTerm, role, votedFor, votes, log, elected>>

Leaders == {s \in Servers : role[s] = "Leader"}
Candidates == {s \in Servers : role[s] = "Candidate"}

Next ==
    \/ \E s \in Servers : Timeout(s)
    \/ \E s, t \in Servers : UpdateTerm(s, t)
    \/ \E c \in Candidates : BecomeLeader(c) \/ \E v \in Servers : GrantVote(c, v)
    \/ \E l \in Leaders :
          \/ ClientRequest(l)
          \/ \E f \in Servers, prev \in 0..Len(log[l]) : AppendEntries(l, f, prev)
          \/ \E n \in (commitIndex[l] + 1)..Len(log[l]) : AdvanceCommit(l, n)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
TypeOK ==
    /\ \A s \in Servers :
          /\ currentTerm[s] \in 0..MaxTerm
          /\ role[s] \in {"Follower", "Candidate", "Leader"}
          /\ votedFor[s] \in Servers \cup {"none"}
          /\ Len(log[s]) <= MaxLogLen
          /\ commitIndex[s] <= Len(log[s])

\* at most one leader per term, over the whole history
ElectionSafety ==
    \A e1, e2 \in elected : e1.term = e2.term => e1.leader = e2.leader

\* two logs with the same term at an index agree on every earlier entry
LogMatching ==
    \A a, b \in Servers :
        \A i \in 1..Min(Len(log[a]), Len(log[b])) :
            log[a][i] = log[b][i] => \A k \in 1..i : log[a][k] = log[b][k]

\* every committed entry is in the log of every leader of a later term
LeaderCompleteness ==
    \A c \in committed : \A l \in Servers :
        (role[l] = "Leader" /\ currentTerm[l] > c.term)
            => (Len(log[l]) >= c.index /\ log[l][c.index] = c.term)

\* no two different entries are ever committed at the same index
StateMachineSafety ==
    \A c1, c2 \in committed : c1.index = c2.index => c1.term = c2.term
=============================================================================
