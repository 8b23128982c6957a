package sched

// Snapshot is the immutable input of one scheduling pass. The caller builds
// it from its own state; Schedule never modifies it and keeps no reference
// to it after returning.
//
// Times are int64 Unix seconds and durations int64 seconds. Node and
// partition references are indices into Nodes and Partitions.
type Snapshot struct {
	// Now is the instant the plan is made for. Nothing starts before Now.
	Now int64
	// Nodes are the compute nodes. A node's index in this slice is its
	// identity everywhere else in the snapshot and in the plan.
	Nodes      []Node
	Partitions []Partition
	// Pending are the jobs waiting to start, in any order: Schedule sorts
	// them (see the package documentation for the order).
	Pending []PendingJob
	// Running are the jobs holding resources now.
	Running []RunningJob
}

// Node is one compute node as the scheduler sees it.
type Node struct {
	Name  string
	CPUs  int
	MemMB int64
	// Weight orders node selection: lower weights are used first, ties go
	// to the lower index (Slurm's Weight= semantics).
	Weight int
	// Available is false for nodes that must not receive new work: DOWN,
	// DRAIN, not responding, and so on. Jobs already running on such a
	// node still hold their resources.
	Available bool
}

// Partition is a named set of nodes with limits, like a Slurm partition.
type Partition struct {
	Name string
	// Nodes are node indices. Out-of-range and duplicate entries are
	// ignored (Validate reports them).
	Nodes []int
	// Up is true for State=UP and State=DRAIN: in both, jobs already
	// queued may still be scheduled. False (DOWN, INACTIVE) holds every
	// job with reason PartitionDown.
	Up bool
	// MaxTime is the longest time limit a job may have, in seconds;
	// 0 means unlimited. It is also the time limit of jobs that set none.
	MaxTime int64
	// MaxNodes is the most nodes one job may use; 0 means unlimited.
	MaxNodes int
	// PriorityTier orders jobs of different partitions before their job
	// priority does (higher first), as in Slurm.
	PriorityTier int
}

// PendingJob is a job waiting to start.
type PendingJob struct {
	ID         uint32
	Priority   uint32
	SubmitTime int64
	// Partition is an index into Snapshot.Partitions.
	Partition int
	// NumNodes is the number of distinct nodes the job needs; values
	// below 1 are treated as 1.
	NumNodes int
	// CPUsPerNode is the CPUs needed on each node; values below 1 are
	// treated as 1, Slurm's default of one CPU per task.
	CPUsPerNode int
	// MemPerNodeMB is the memory needed on each node; 0 requests none.
	MemPerNodeMB int64
	// TimeLimit in seconds; 0 means the partition's MaxTime, or unlimited
	// if that is 0 too.
	TimeLimit int64
	// Exclusive jobs need idle nodes and keep every other job off them.
	Exclusive bool
	// Held jobs never start. UserHold selects the reason: JobHeldUser
	// when the job's owner placed the hold, JobHeldAdmin otherwise.
	Held     bool
	UserHold bool
	// EligibleTime is the job's begin time: it may not start before it.
	EligibleTime int64
	// ReqNodes must all be among the job's nodes (sbatch -w); the job
	// starts only when every one of them fits, and gets other partition
	// nodes only when NumNodes asks for more. ExcNodes are never given to
	// it (sbatch -x). Node indices; a duplicate counts once. A required
	// node that is out of range, outside the partition or also excluded
	// makes the job unrunnable (ReasonPartitionConfig); an out-of-range
	// excluded node is ignored.
	ReqNodes []int
	ExcNodes []int
}

// RunningJob is a job holding resources on nodes.
type RunningJob struct {
	ID uint32
	// Nodes are node indices. Out-of-range entries are ignored and a
	// duplicate counts twice (Validate reports both).
	Nodes        []int
	CPUsPerNode  int
	MemPerNodeMB int64
	Exclusive    bool
	// ExpectedEnd is start time plus time limit, when the job's resources
	// are expected back. 0 means unknown or unlimited: the job holds its
	// resources forever as far as the plan is concerned. A job already
	// past its ExpectedEnd is assumed to end one second after Now.
	ExpectedEnd int64
}

// Options tune one pass. The zero value is strict priority FIFO with the
// defaults below.
type Options struct {
	// MaxJobTest is how many pending jobs one pass evaluates against the
	// resource timeline, like Slurm's bf_max_job_test. Jobs rejected by
	// cheap checks (held, begin time, partition limits) do not count.
	// 0 means DefaultMaxJobTest; values above MaxJobTestLimit are capped.
	MaxJobTest int
	// Backfill lets lower-priority jobs start ahead of blocked ones when
	// they delay none of them. Without it the pass is strict FIFO per
	// partition.
	Backfill bool
	// BackfillWindow is how far ahead, in seconds, jobs get reservations,
	// like bf_window. A job whose earliest start lies beyond the window
	// gets no reservation and so no protection. 0 means
	// DefaultBackfillWindow.
	BackfillWindow int64
	// TimelineLimit bounds the segments the pass may add to its resource
	// timeline, like bf_node_space_size. When the next start or
	// reservation would exceed it the pass stops. 0 means
	// DefaultTimelineLimit; values above MaxTimelineLimit are capped.
	TimelineLimit int
}

// Defaults and caps for Options.
const (
	DefaultMaxJobTest     = 100
	MaxJobTestLimit       = 100_000
	DefaultBackfillWindow = 24 * 60 * 60
	DefaultTimelineLimit  = 1 << 18
	MaxTimelineLimit      = 1 << 22
)

// Plan is the output of one pass.
type Plan struct {
	// Starts are the jobs to start now, in the order they were placed.
	Starts []Start
	// Pending holds one verdict per pending job not started, in the order
	// the jobs were considered (priority order).
	Pending []Verdict
	Stats   Stats
}

// Start tells the caller to start a job on the given nodes now.
type Start struct {
	JobID uint32
	// Nodes are the node indices, NumNodes of them, distinct, ordered by
	// selection preference (weight, then index).
	Nodes []int
	// Backfilled is true when strict priority FIFO would not have started
	// the job in this pass: a higher-priority job of the same partition
	// is blocked, or one of the chosen nodes belongs to a partition with a
	// blocked higher-priority job.
	Backfilled bool
}

// Verdict explains why a pending job did not start.
type Verdict struct {
	JobID  uint32
	Reason Reason
	// ExpectedStart is the time the job is reserved to start, or 0 when it
	// has no reservation. Nodes are the reserved nodes. A reservation is
	// honored by every other start of the same plan; see the package
	// documentation for what it promises across passes.
	ExpectedStart int64
	Nodes         []int
}

// Stats describe the work a pass did, for logging and sdiag-like output.
type Stats struct {
	// Tested counts jobs evaluated against the resource timeline.
	Tested int
	// TimelineSegments is the number of segments the pass added.
	TimelineSegments int
	// StoppedAt is why the pass stopped evaluating jobs early, or "" if it
	// did not: "max_job_test" or "timeline_limit".
	StoppedAt string
}

// Reason is a pending job's reason, spelled as Slurm's job_reason_string
// spells it, so it can be shown by squeue unchanged.
type Reason string

// Reasons Schedule produces.
const (
	// ReasonPriority: higher-priority jobs come first (they are blocked
	// and this job may not pass them, or the pass stopped before it).
	ReasonPriority Reason = "Priority"
	// ReasonResources: the highest-priority blocked job of its partition
	// is waiting for resources.
	ReasonResources Reason = "Resources"
	// ReasonPartitionNodeLimit: NumNodes exceeds the partition's MaxNodes
	// or its node count.
	ReasonPartitionNodeLimit Reason = "PartitionNodeLimit"
	// ReasonPartitionTimeLimit: TimeLimit exceeds the partition's MaxTime.
	ReasonPartitionTimeLimit Reason = "PartitionTimeLimit"
	// ReasonPartitionDown: the partition is neither UP nor DRAIN.
	ReasonPartitionDown Reason = "PartitionDown"
	// ReasonPartitionConfig: the job can never run in its partition, for
	// example no partition node has enough CPUs, or the partition index is
	// invalid.
	ReasonPartitionConfig Reason = "PartitionConfig"
	// ReasonBeginTime: EligibleTime is still in the future.
	ReasonBeginTime Reason = "BeginTime"
	// ReasonJobHeldUser and ReasonJobHeldAdmin: the job is held.
	ReasonJobHeldUser  Reason = "JobHeldUser"
	ReasonJobHeldAdmin Reason = "JobHeldAdmin"
)

// Why a pass stopped early (Stats.StoppedAt).
const (
	StoppedAtMaxJobTest    = "max_job_test"
	StoppedAtTimelineLimit = "timeline_limit"
)
