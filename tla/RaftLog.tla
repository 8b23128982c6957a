------------------------------- MODULE RaftLog -------------------------------
(***************************************************************************)
(* The Raft properties FLURM's controller relies on (etcd raft under the  *)
(* hood): election safety, log matching, leader completeness and state-   *)
(* machine safety of committed entries.                                    *)
(*                                                                         *)
(* The spec is written so that the simulator's traces of etcd raft can be *)
(* checked against it (sim/refine_raft.go), so it is honest about what    *)
(* etcd raft does where the textbook differs:                              *)
(*  - Messages are delayed, duplicated, reordered and lost. Instead of a  *)
(*    message bag the spec keeps the ghost termLog: the log of the leader *)
(*    of each term, which only grows while it leads. An append of term T *)
(*    can be delivered at any later time, since it is a piece of          *)
(*    termLog[T]. A vote request delivered after its candidate left the  *)
(*    candidacy cannot elect it any more; see GrantVote.                  *)
(*  - A term update, a vote, an append and a commit are separate steps:   *)
(*    etcd handles them in one call, but each is allowed on its own.      *)
(*  - Commits: a leader commits an entry of its own term once a quorum    *)
(*    holds it (AdvanceCommit). It may record the commit after it lost    *)
(*    leadership in memory, so it needs to have been elected in its       *)
(*    current term, not to lead now. Others learn commits (LearnCommit)   *)
(*    only for entries some leader committed: clog is the longest log     *)
(*    prefix ever committed.                                               *)
(*  - StepDown: a leader or candidate becomes a follower in its term      *)
(*    (CheckQuorum, a crash and restart, an append of its own term).      *)
(*  - Pre-vote changes no persistent state; a pre-candidate is a follower *)
(*    here. Snapshots are appends of a committed prefix from prev = 0.    *)
(*  - AcceptEntries leaves the term alone (UpdateTerm comes first) and    *)
(*    accepts entries of a later term too: a crash can make the entries   *)
(*    of a write durable but not its term (a torn write).                 *)
(*  - A log entry is just its term.                                        *)
(*                                                                         *)
(* TraceChecking/TraceHint narrow the choices when tracecheck.mjs checks  *)
(* a trace (see JobLifecycle.tla); each narrowing only drops choices that *)
(* cannot give the observed next state. Model checking sets TraceChecking *)
(* = FALSE.                                                                *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Servers,       \* e.g. {"s1", "s2", "s3"}
    MaxTerm,       \* terms are 0..MaxTerm
    MaxLogLen,     \* client requests stop at this log length
    TraceChecking, \* FALSE when model checking; TRUE from tracecheck.mjs
    TraceHint      \* when trace checking: the next observed state

VARIABLES
    currentTerm,  \* [Servers -> 0..MaxTerm]
    role,         \* [Servers -> {"Follower", "Candidate", "Leader"}]
    votedFor,     \* [Servers -> Servers \cup {"none"}]
    log,          \* [Servers -> Seq(0..MaxTerm)], the term of each entry
    commitIndex,  \* [Servers -> Nat]
    votes,        \* [Servers -> SUBSET Servers], votes a candidate holds
    elected,      \* ghost: set of [term, leader] ever elected
       \* ghost: set of vote requests ever sent
    termLog,      \* ghost: [1..MaxTerm -> the log of the term's leader]
    clog          \* ghost: the longest log prefix ever committed

vars == <<currentTerm, role, votedFor, log, commitIndex, votes, elected,
          termLog, clog>>

IsQuorum(S) == 2 * Cardinality(S) > Cardinality(Servers)
Min(a, b) == IF a < b THEN a ELSE b
Max(a, b) == IF a > b THEN a ELSE b
LastTerm(lg) == IF Len(lg) = 0 THEN 0 ELSE lg[Len(lg)]
MaxCurrentTerm == CHOOSE t \in {currentTerm[s] : s \in Servers} :
                      \A s \in Servers : currentTerm[s] <= t

\* Raft's election restriction: a log with last term lt and length len is
\* at least as up to date as the voter's (last term first, then length).
UpToDate(lt, len, voter) ==
    \/ lt > LastTerm(voter)
    \/ lt = LastTerm(voter) /\ len >= Len(voter)

\* number of leading entries two logs share
CommonPrefix(a, b) ==
    LET m == Min(Len(a), Len(b))
        d == {i \in 1..m : a[i] # b[i]}
    IN IF d = {} THEN m ELSE (CHOOSE i \in d : \A k \in d : i <= k) - 1

LeaderTerms == {e.term : e \in elected}

Hinted(var) == TraceChecking /\ var \in DOMAIN TraceHint
\* tracecheck.mjs passes a sequence in TraceHint as [len, last]. A log
\* with the observed length and last term is the observed log: an entry
\* (index, term) is created once, by the leader of that term, with the
\* prefix it has (log matching), and AcceptEntries and ClientRequest only
\* ever give a server a prefix of some leader's log. If that argument
\* failed, this narrowing could only reject a trace, never accept one.
\* (Parameter names differ from every name the callers use: tla-checker
\* 0.9.0 substitutes arguments lazily, so an argument that mentions a name
\* equal to another parameter of the operator gets that parameter's value.)
HintSameLog(hintSeq, seq) ==
    /\ hintSeq.len = Len(seq)
    /\ Len(seq) = 0 \/ hintSeq.last = seq[Len(seq)]
\* When trace checking, only servers whose observed state changes act.
HintChanged(s) ==
    \/ TraceHint.currentTerm[s] # currentTerm[s]
    \/ TraceHint.votedFor[s] # votedFor[s]
    \/ TraceHint.role[s] # role[s]
    \/ TraceHint.commitIndex[s] # commitIndex[s]
    \/ ~HintSameLog(TraceHint.log[s], log[s])
ServersToTry ==
    IF /\ Hinted("currentTerm") /\ Hinted("votedFor") /\ Hinted("role")
       /\ Hinted("log") /\ Hinted("commitIndex")
    THEN {s \in Servers : HintChanged(s)}
    ELSE Servers
TermsToTry(s) ==
    IF Hinted("currentTerm") THEN {TraceHint.currentTerm[s]} ELSE 0..MaxTerm
CandidatesFor(v) ==
    IF Hinted("votedFor") THEN {TraceHint.votedFor[v]} \cap Servers ELSE Servers
CommitsToTry(s) ==
    IF Hinted("commitIndex") THEN {TraceHint.commitIndex[s]}
    ELSE (commitIndex[s] + 1)..MaxLogLen
BatchesToTry(s) ==
    IF Hinted("log") THEN {TraceHint.log[s].len - Len(log[s])}
    ELSE 1..MaxLogLen
\* AcceptEntries(f, T, prev, last) leaves f with termLog[T][1..last] (or
\* its old log), so only last = the observed length, and prev = the
\* prefix the old log shares with termLog[T][1..last], can give a new
\* observed log (any smaller prev that passes the consistency check gives
\* the same log).
AppendsToTry(f, T) ==
    IF Hinted("log")
    THEN LET last == TraceHint.log[f].len
         IN IF last <= Len(termLog[T])
            THEN {<<CommonPrefix(log[f], SubSeq(termLog[T], 1, last)), last>>}
            ELSE {}
    ELSE {<<p, q>> \in (0..Len(termLog[T])) \X (0..Len(termLog[T])) : p <= q}

-----------------------------------------------------------------------------
Init ==
    /\ currentTerm = [s \in Servers |-> 0]
    /\ role = [s \in Servers |-> "Follower"]
    /\ votedFor = [s \in Servers |-> "none"]
    /\ log = [s \in Servers |-> <<>>]
    /\ commitIndex = [s \in Servers |-> 0]
    /\ votes = [s \in Servers |-> {}]
    /\ elected = {}
    /\ termLog = [t \in 1..MaxTerm |-> <<>>]
    /\ clog = <<>>

\* election timeout: start an election in the next term
Timeout(s) ==
    /\ role[s] # "Leader"
    /\ currentTerm[s] < MaxTerm
    /\ currentTerm' = [currentTerm EXCEPT ![s] = @ + 1]
    /\ role' = [role EXCEPT ![s] = "Candidate"]
    /\ votedFor' = [votedFor EXCEPT ![s] = s]
    /\ votes' = [votes EXCEPT ![s] = {s}]
    /\ UNCHANGED <<log, commitIndex, elected, termLog, clog>>

\* s receives a message of a higher term T that some server has reached
UpdateTerm(s, T) ==
    /\ currentTerm[s] < T
    /\ T <= MaxCurrentTerm
    /\ currentTerm' = [currentTerm EXCEPT ![s] = T]
    /\ role' = [role EXCEPT ![s] = "Follower"]
    /\ votedFor' = [votedFor EXCEPT ![s] = "none"]
    /\ votes' = [votes EXCEPT ![s] = {}]
    /\ UNCHANGED <<log, commitIndex, elected, termLog, clog>>

\* voter v grants a vote request of its current term from c. While c is
\* a candidate in that term, the request carries c's log, which has not
\* changed since c started the election, and v checks it (Raft's election
\* restriction); c counts the vote. A request that arrives after c left
\* the candidacy (delayed, duplicated) can no longer elect c: the spec
\* lets v grant it or not without the check, which only keeps v from
\* voting for someone else in this term.
GrantVote(v, c) ==
    /\ c # v
    /\ role[v] = "Follower"
    /\ votedFor[v] = "none"
    /\ votedFor' = [votedFor EXCEPT ![v] = c]
    /\ IF role[c] = "Candidate" /\ currentTerm[c] = currentTerm[v]
       THEN /\ UpToDate(LastTerm(log[c]), Len(log[c]), log[v])
            /\ votes' = [votes EXCEPT ![c] = @ \cup {v}]
       ELSE UNCHANGED votes
    /\ UNCHANGED <<currentTerm, role, log, commitIndex, elected, termLog, clog>>

BecomeLeader(c) ==
    /\ role[c] = "Candidate"
    /\ IsQuorum(votes[c])
    /\ role' = [role EXCEPT ![c] = "Leader"]
    /\ elected' = elected \cup {[term |-> currentTerm[c], leader |-> c]}
    /\ termLog' = [termLog EXCEPT ![currentTerm[c]] = log[c]]
    /\ UNCHANGED <<currentTerm, votedFor, votes, log, commitIndex, clog>>

\* a leader or candidate becomes a follower in its term
StepDown(s) ==
    /\ role[s] # "Follower"
    /\ role' = [role EXCEPT ![s] = "Follower"]
    /\ votes' = [votes EXCEPT ![s] = {}]
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, elected, termLog, clog>>

\* the leader of the current term appends k client requests (etcd raft
\* writes a batch at once). The write may become durable after the leader
\* stepped down in memory, so l needs to have been elected in its term and
\* to hold that term's log (no one else appends to it), not to lead now.
ClientRequest(l, k) ==
    /\ [term |-> currentTerm[l], leader |-> l] \in elected
    /\ log[l] = termLog[currentTerm[l]]
    /\ k >= 1
    /\ Len(log[l]) + k <= MaxLogLen
    /\ LET newLog == log[l] \o [i \in 1..k |-> currentTerm[l]]
       IN /\ log' = [log EXCEPT ![l] = newLog]
          /\ termLog' = [termLog EXCEPT ![currentTerm[l]] = newLog]
    /\ UNCHANGED <<currentTerm, role, votedFor, votes, commitIndex, elected, clog>>

\* f accepts an append of term T: the entries prev+1..last of the log the
\* leader of T had, if f's log has the leader's entry at prev (the
\* consistency check). Entries that agree are kept; a conflict cuts the
\* log at prev. In the same step f may learn that entries up to n are
\* committed (the append carries the leader's commit index), if f is in
\* term T and n is committed.
AcceptEntries(f, T, prev, last, n) ==
    /\ role[f] # "Leader"
    /\ T \in LeaderTerms
    /\ currentTerm[f] <= T
    /\ last <= Len(termLog[T])
    /\ prev = 0 \/ (prev <= Len(log[f]) /\ log[f][prev] = termLog[T][prev])
    /\ LET ents == SubSeq(termLog[T], prev + 1, last)
           conflict == \E i \in (prev + 1)..Min(Len(log[f]), last) : log[f][i] # termLog[T][i]
           newLog == IF ~conflict /\ Len(log[f]) > last THEN log[f]
                     ELSE SubSeq(log[f], 1, prev) \o ents
       IN /\ log' = [log EXCEPT ![f] = newLog]
          /\ log' # log
          /\ \/ n = commitIndex[f]
             \/ /\ currentTerm[f] = T
                /\ commitIndex[f] < n /\ n <= last
                /\ n <= Len(clog) /\ newLog[n] = clog[n]
    /\ commitIndex' = [commitIndex EXCEPT ![f] = n]
    /\ role' = [role EXCEPT ![f] = "Follower"]
    /\ votes' = [votes EXCEPT ![f] = {}]
    /\ UNCHANGED <<currentTerm, votedFor, elected, termLog, clog>>

\* a server elected in its current term commits index n, an entry of its
\* term, once a quorum holds that entry (Raft's section 5.4.2)
AdvanceCommit(l, n) ==
    /\ [term |-> currentTerm[l], leader |-> l] \in elected
    /\ commitIndex[l] < n /\ n <= Len(log[l])
    /\ log[l][n] = currentTerm[l]
    /\ IsQuorum({q \in Servers : /\ currentTerm[q] >= currentTerm[l]
                                 /\ Len(log[q]) >= n
                                 /\ log[q][n] = log[l][n]})
    /\ commitIndex' = [commitIndex EXCEPT ![l] = n]
    /\ clog' = IF Len(clog) >= n THEN clog ELSE SubSeq(log[l], 1, n)
    /\ UNCHANGED <<currentTerm, role, votedFor, votes, log, elected, termLog>>

\* a server learns that its entry n is committed, from an append or a
\* heartbeat of the leader of its current term: the leader's commit index
\* covers only entries where the server's log matches the leader's
LearnCommit(s, n) ==
    /\ commitIndex[s] < n /\ n <= Len(log[s])
    /\ currentTerm[s] \in LeaderTerms
    /\ n <= Len(termLog[currentTerm[s]]) /\ log[s][n] = termLog[currentTerm[s]][n]
    /\ n <= Len(clog) /\ log[s][n] = clog[n]
    /\ commitIndex' = [commitIndex EXCEPT ![s] = n]
    /\ UNCHANGED <<currentTerm, role, votedFor, votes, log, elected, termLog, clog>>

Next ==
    \E s \in ServersToTry :
        \/ Timeout(s)
        \/ \E T \in TermsToTry(s) : UpdateTerm(s, T)
        \/ \E c \in CandidatesFor(s) : GrantVote(s, c)
        \/ BecomeLeader(s)
        \/ StepDown(s)
        \/ \E k \in BatchesToTry(s) : ClientRequest(s, k)
        \/ \E T \in LeaderTerms : \E pl \in AppendsToTry(s, T) :
              \E n \in {commitIndex[s]} \cup CommitsToTry(s) : AcceptEntries(s, T, pl[1], pl[2], n)
        \/ \E n \in CommitsToTry(s) : AdvanceCommit(s, n) \/ LearnCommit(s, n)

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
    \A l \in Servers : role[l] = "Leader" =>
        \A i \in 1..Len(clog) :
            currentTerm[l] > clog[i] => (Len(log[l]) >= i /\ log[l][i] = clog[i])

\* every server's committed entries are the committed prefix: no two
\* different entries are ever committed at the same index
StateMachineSafety ==
    \A s \in Servers :
        /\ commitIndex[s] <= Len(clog)
        /\ \A i \in 1..commitIndex[s] : log[s][i] = clog[i]
=============================================================================
