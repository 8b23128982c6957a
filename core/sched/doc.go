/*
Package sched is FLURM's scheduler: one pure function from an immutable
Snapshot of the cluster to a Plan of jobs to start now.

	plan := sched.Schedule(snapshot, options)

This is Nomad's seam. The caller (the replicated state machine) copies
the nodes, partitions, pending jobs and running jobs it holds into a
Snapshot, and this package imports nothing from the rest of FLURM.
Schedule reads no clock, draws no random numbers, starts no goroutines
and does no I/O. The same Snapshot and Options always give the same Plan,
whatever order Running is in, and whatever order Pending is in as long
as job IDs are distinct. Schedule never modifies its
input and never panics.

# Contract

The caller must:

 1. Build the Snapshot from one consistent state. Snapshot.Now is the
    instant the plan is for (the time carried by the log entry that
    triggers the pass, never a local clock).
 2. Call Validate while developing and testing. A snapshot that fails
    Validate is a caller bug. Schedule still handles it: bad references
    are ignored and bad values clamped, so no start can overcommit a
    node. But its running time is bounded only for valid snapshots.
 3. Apply Plan.Starts in order, each to the nodes it names, and record
    Plan.Pending (reason, expected start, reserved nodes) on the pending
    jobs. If the state changed since the snapshot was taken, the applier
    must check each start against the current state, as Nomad's plan
    applier does, or discard the plan and run a new pass.
 4. Run a new pass whenever something changes: a job is submitted, ends
    or is cancelled, a node changes state, or time reaches the earliest
    ExpectedStart. A pass keeps no state from the one before.

# Resources and time

A node has CPUs and MemMB. A job asks for NumNodes distinct nodes, each
with CPUsPerNode free CPUs and MemPerNodeMB free memory (0 asks for no
memory). An exclusive job needs nodes where no job holds anything, and
while it runs no other job may use its nodes. New work goes only to
Available nodes of the job's own partition. Jobs already on an
unavailable node still count there.

Each node has a timeline: a step function of usage from Now on. It
starts with the running jobs, each holding its resources until its
ExpectedEnd (forever if that is 0, Now+1 if it has already passed).
Every start and every reservation the pass makes is added to it for
[start, start+limit). The limit is the job's TimeLimit, else its
partition's MaxTime, else forever. A job fits a node at time T if it
fits every timeline segment in [T, T+limit). Among the nodes that fit,
Schedule takes the lowest Weight first, then the lowest index.

A job may name required nodes (ReqNodes, sbatch -w) and excluded ones
(ExcNodes, sbatch -x). It starts, or is reserved, only at a time when
every required node fits, and gets those first, then as many preferred
partition nodes as NumNodes asks for beyond them; excluded nodes are
never candidates. A required node outside the partition, or also
excluded, or exclusions that leave fewer nodes than NumNodes, give
PartitionConfig.

# Order and reasons

Jobs are considered one at a time, in Slurm's order (sort_job_queue2):
partition PriorityTier, higher first; then Priority, higher first; then
SubmitTime, earlier first; then ID, lower first. For each job, in turn:

  - Checks that need no timeline come first. They give, in order:
    PartitionConfig (no such partition), JobHeldUser or JobHeldAdmin,
    BeginTime (EligibleTime > Now), PartitionConfig (a required node
    outside the partition or excluded), PartitionNodeLimit (NumNodes
    above MaxNodes or above the partition's node count), PartitionConfig
    (exclusions leave fewer nodes than NumNodes), PartitionTimeLimit
    (TimeLimit above MaxTime), PartitionDown. Such jobs block nothing and
    do not count against MaxJobTest.
  - Strict FIFO only: a job whose partition is blocked gets Priority.
  - Once MaxJobTest jobs have been evaluated against the timeline, the
    pass stops: every later job gets Priority (or its reason from the
    checks above).
  - Otherwise the job is tested. If enough nodes fit from Now on, it
    starts. If not, it is reserved at its earliest start T within the
    window, on concrete nodes, and T+limit is added to the timeline.
    Its verdict is Resources if it is the first blocked job of its
    partition in this pass and Priority otherwise. The partition is now
    blocked. A job that could not run even on idle nodes gets
    PartitionConfig instead and blocks nothing. A job with no start
    inside the window (or none at all) gets no reservation.

Without Options.Backfill the pass is strict priority FIFO, as in Slurm's
main scheduler. A blocked job stops every lower-priority job of its
partition. It also freezes all its partition's nodes: no other partition
may start jobs on them in this pass. Reservations and expected start
times are still computed. A job kept off frozen nodes can therefore be
reserved for Now.

With Options.Backfill every job within MaxJobTest is tested against the
timeline. Any job that fits now starts, including jobs behind blocked
ones. Start.Backfilled marks the starts strict FIFO would have refused:
those in a blocked partition or on a frozen node.

# The no-delay guarantee

The timeline holds the reservations of all higher-priority jobs, so a
backfilled job only starts where it stays clear of them. Three
properties, each checked by property tests against an independent
brute-force model, make this precise:

 1. Feasibility. Running jobs, Plan.Starts and all reservations, taken
    together, never overcommit a node at any instant. So no start in a
    plan gets in the way of any reservation in it.
 2. Prefix independence. A job's outcome depends only on the jobs ahead
    of it in the order. Dropping any set of lower-priority jobs leaves
    it unchanged. Lower-priority jobs, backfilled or not, cannot move a
    higher-priority job's start or reservation.
 3. Earliest start. Each reservation is at the earliest time the job
    fits, given the running jobs and the starts and reservations of the
    jobs ahead of it. It is on the nodes preferred at that time.

Under backfill, if the world then behaves as planned, the plan is also
consistent over time. Running jobs end at ExpectedEnd, started jobs run for their whole
limit, and no job appears that the first pass skipped. A pass at the
earliest reserved time then starts exactly the jobs reserved for that
time, on their reserved nodes, and leaves every other reservation as it
was.

The guarantee covers only jobs that got a reservation. Nothing protects
jobs beyond MaxJobTest, jobs whose earliest start lies beyond the
window, or jobs that cannot run at all: later jobs may use their
resources. Like all conservative backfill, reservations are not
monotone across passes. A job that ends early, a node that fails, or a
new higher-priority job can reorder them.

# Bounded work

MaxJobTest (default 100, at most 100,000) bounds the jobs tested per
pass. TimelineLimit (like bf_node_space_size, default 2^18) bounds the
timeline segments a pass may add; each start or reservation adds at most
two per node it uses. When the next one would exceed it, the pass stops
as if MaxJobTest had been reached, and Stats.StoppedAt says why.

A pass costs a sort of the pending jobs, plus, for each tested job, one
scan of its partition's node timelines and a sort of their free
intervals. Starting a job now stops the scan once enough nodes are
found. For cost figures on a 1000-node, 5000-job queue, see
BenchmarkSchedule.
*/
package sched
