#!/usr/bin/env python3
"""Writes the hand-made RaftLog traces of tla/testdata/traces (raft_*.itf.json).

One good scenario (an election, replication, a commit, a crash of the
leader, a second election whose append truncates the old leader's
uncommitted entries) and bad variants, each rejected at a known state
(manifest.json). Run from this directory: python3 gen_raft.py
"""
import copy
import json

SERVERS = ["s1", "s2", "s3"]


def state(prev, action, **changes):
    s = copy.deepcopy(prev)
    s["mbt::actionTaken"] = action
    for key, value in changes.items():
        var, server = key.rsplit("_", 1)
        s[var][server] = value
    return s


def good():
    init = {
        "currentTerm": {x: 0 for x in SERVERS},
        "role": {x: "Follower" for x in SERVERS},
        "votedFor": {x: "none" for x in SERVERS},
        "log": {x: [] for x in SERVERS},
        "commitIndex": {x: 0 for x in SERVERS},
        "mbt::actionTaken": "init",
    }
    st = [init]
    add = lambda action, **kw: st.append(state(st[-1], action, **kw))
    add("Timeout(s1)", currentTerm_s1=1, role_s1="Candidate", votedFor_s1="s1")       # 1
    add("UpdateTerm(s2,1)", currentTerm_s2=1)                                          # 2
    add("GrantVote(s2,s1)", votedFor_s2="s1")                                          # 3
    add("BecomeLeader(s1)", role_s1="Leader")                                          # 4
    add("ClientRequest(s1,1)", log_s1=[1])                                             # 5
    add("UpdateTerm(s3,1)", currentTerm_s3=1)                                          # 6
    add("AcceptEntries(s2)", log_s2=[1])                                               # 7
    add("AdvanceCommit(s1)", commitIndex_s1=1)                                         # 8
    add("AcceptEntries(s3)", log_s3=[1], commitIndex_s3=1)                             # 9
    add("LearnCommit(s2)", commitIndex_s2=1)                                           # 10
    add("ClientRequest(s1,2)", log_s1=[1, 1, 1])                                       # 11
    add("StepDown(s1)", role_s1="Follower")                                            # 12: crash
    add("Timeout(s2)", currentTerm_s2=2, role_s2="Candidate", votedFor_s2="s2")       # 13
    add("UpdateTerm(s3,2)", currentTerm_s3=2, votedFor_s3="none")                      # 14
    add("GrantVote(s3,s2)", votedFor_s3="s2")                                          # 15
    add("BecomeLeader(s2)", role_s2="Leader")                                          # 16
    add("ClientRequest(s2,1)", log_s2=[1, 2])                                          # 17
    add("UpdateTerm(s1,2)", currentTerm_s1=2, votedFor_s1="none")                      # 18
    add("AcceptEntries(s1)", log_s1=[1, 2])                                            # 19: truncates 1,1
    add("AdvanceCommit(s2)", commitIndex_s2=2)                                         # 20
    return st


def itf(states, description):
    out = []
    for i, s in enumerate(states):
        e = {"#meta": {"index": i}}
        for var in ["currentTerm", "role", "votedFor", "log", "commitIndex"]:
            e[var] = {"#map": [[x, s[var][x]] for x in SERVERS]}
        e["mbt::actionTaken"] = s["mbt::actionTaken"]
        out.append(e)
    return {
        "#meta": {"format": "ITF", "spec": "RaftLog", "description": description,
                  "constants": {"Servers": {"#set": SERVERS}, "MaxTerm": 3, "MaxLogLen": 4}},
        "vars": ["currentTerm", "role", "votedFor", "log", "commitIndex", "mbt::actionTaken"],
        "states": out,
    }


def write(name, states, description):
    with open(name, "w") as f:
        json.dump(itf(states, description), f, indent=1)
        f.write("\n")


g = good()
write("raft_good.itf.json", g, "an election, replication and commit, the leader crashes, a second leader truncates its uncommitted entries")

bad = copy.deepcopy(g[:8])
bad[7] = state(g[6], "AdvanceCommit(s1)", commitIndex_s1=1, log_s2=[])
write("raft_bad_commit_without_quorum.itf.json", bad, "BAD: the leader commits an entry only it holds (rejected at 7)")

bad = copy.deepcopy(g[:15])
bad.append(state(g[14], "BecomeLeader(s2)", role_s2="Leader"))
write("raft_bad_leader_without_quorum.itf.json", bad, "BAD: s2 leads term 2 with only its own vote (rejected at 15)")

bad = copy.deepcopy(g[:16])
bad.append(state(g[15], "Timeout(s1)", currentTerm_s1=2, role_s1="Candidate", votedFor_s1="s1"))
bad.append(state(bad[-1], "GrantVote(s3,s1)", votedFor_s3="s1"))
write("raft_bad_vote_twice.itf.json", bad, "BAD: s3 votes for s2 and then for s1 in term 2 (rejected at 17)")

bad = copy.deepcopy(g)
bad.append(state(g[-1], "AcceptEntries(s3)", log_s3=[2]))
write("raft_bad_overwrite_committed.itf.json", bad, "BAD: a committed entry of s3 is replaced (rejected at 21)")

bad = copy.deepcopy(g)
bad.append(state(g[-1], "UpdateTerm(s3,1)", currentTerm_s3=1))
write("raft_bad_term_goes_back.itf.json", bad, "BAD: s3's term goes back (rejected at 21)")
