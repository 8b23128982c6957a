#!/usr/bin/env python3
"""Writes the hand-made SchedulerSafety traces of tla/testdata/traces
(sched_*.itf.json), checked with SchedulerSafetyTrace.cfg.

Two nodes of 4 CPUs; job 1 needs 1 node x 2 CPUs, job 2 needs 2 nodes x 2
CPUs, job 3 needs 1 node x 4 CPUs. The good trace shares n1 between jobs
1 and 2, requeues job 2 once, cancels job 3 while pending. Each bad
variant is rejected at a known state (manifest.json).
Run from this directory: python3 gen_sched.py
"""
import copy
import json

JOBS = ["1", "2", "3"]
WORK = {"1": (1, 2), "2": (2, 2), "3": (1, 4)}


def state(prev, action, job, st, alloc=None, attempt=None):
    s = copy.deepcopy(prev)
    s["mbt::actionTaken"] = action
    s["st"][job] = st
    s["alloc"][job] = sorted(alloc or [])
    if attempt is not None:
        s["attempt"][job] = attempt
    return s


def good():
    st = [{"st": {j: "NEW" for j in JOBS}, "alloc": {j: [] for j in JOBS},
           "attempt": {j: 1 for j in JOBS}, "mbt::actionTaken": "init"}]
    add = lambda *a, **kw: st.append(state(st[-1], *a, **kw))
    add("Submit(1)", "1", "PENDING")                          # 1
    add("Submit(2)", "2", "PENDING")                          # 2
    add("PlaceAny(1,[n1])", "1", "RUNNING", ["n1"])           # 3
    add("PlaceAny(2,[n1 n2])", "2", "RUNNING", ["n1", "n2"])  # 4: n1 shared, 4 of 4 CPUs
    add("Submit(3)", "3", "PENDING")                          # 5
    add("Requeue(2)", "2", "PENDING", [], 2)                  # 6
    add("PlaceAny(2,[n1 n2])", "2", "RUNNING", ["n1", "n2"], 2)  # 7
    add("Cancel(3)", "3", "DONE")                             # 8
    add("Finish(1)", "1", "DONE")                             # 9
    add("Finish(2)", "2", "DONE")                             # 10
    return st


def itf(states, description):
    out = []
    for i, s in enumerate(states):
        e = {"#meta": {"index": i}}
        e["st"] = {"#map": [[j, s["st"][j]] for j in JOBS]}
        e["alloc"] = {"#map": [[j, {"#set": s["alloc"][j]}] for j in JOBS]}
        e["attempt"] = {"#map": [[j, s["attempt"][j]] for j in JOBS]}
        e["mbt::actionTaken"] = s["mbt::actionTaken"]
        out.append(e)
    work = {"#map": [[j, {"prio": 0, "size": n, "limit": 0, "cpus": c, "mem": 100}] for j, (n, c) in WORK.items()]}
    cap = {"#map": [[n, {"cpus": 4, "mem": 1000}] for n in ["n1", "n2"]]}
    return {
        "#meta": {"format": "ITF", "spec": "SchedulerSafety", "cfg": "SchedulerSafetyTrace", "description": description,
                  "constants": {"Nodes": {"#set": ["n1", "n2"]}, "MaxAttempts": 2, "MaxTime": 0,
                                "TraceWork": work, "TraceCap": cap}},
        "vars": ["st", "alloc", "attempt", "mbt::actionTaken"],
        "states": out,
    }


def write(name, states, description):
    with open(name, "w") as f:
        json.dump(itf(states, description), f, indent=1)
        f.write("\n")


g = good()
write("sched_good.itf.json", g, "nodes shared by CPUs, a requeue, a cancel of a pending job")

bad = g[:5]
bad.append(state(g[4], "PlaceAny(3,[n1])", "3", "RUNNING", ["n1"]))
write("sched_bad_overcommit.itf.json", bad, "BAD: job 3 needs 4 CPUs on n1, where 4 are in use (rejected at 5)")

bad = g[:4]
bad.append(state(g[3], "PlaceAny(2,[n2])", "2", "RUNNING", ["n2"]))
write("sched_bad_wrong_size.itf.json", bad, "BAD: job 2 needs 2 nodes and gets 1 (rejected at 4)")

bad = g[:5]
bad.append(state(g[4], "Submit(3)+Finish(1)", "3", "PENDING"))
bad[-1]["st"]["1"] = "DONE"
bad[-1]["alloc"]["1"] = []
write("sched_bad_two_steps.itf.json", bad, "BAD: two jobs change in one state (rejected at 5)")

bad = g[:10]
bad.append(state(g[9], "PlaceAny(1,[n2])", "1", "RUNNING", ["n2"]))
write("sched_bad_place_done_job.itf.json", bad, "BAD: a finished job is placed again in the same attempt (rejected at 10)")

bad = g[:8]
bad.append(state(g[7], "Requeue(2)", "2", "PENDING", [], 3))
write("sched_bad_requeue_limit.itf.json", bad, "BAD: a third attempt with MaxAttempts 2 (rejected at 8)")
