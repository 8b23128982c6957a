package state

// JobID is Slurm's job id: a uint32 allocated by the state machine, never by
// a controller, so every replica gives the same job the same id.
type JobID uint32

// JobState follows Slurm's enum job_states numbering, so the wire codec can
// use it unchanged.
type JobState uint8

const (
	JobPending   JobState = 0
	JobRunning   JobState = 1
	JobSuspended JobState = 2
	JobCompleted JobState = 3
	JobCancelled JobState = 4
	JobFailed    JobState = 5
	JobTimeout   JobState = 6
	JobNodeFail  JobState = 7
	JobPreempted JobState = 8
	JobBootFail  JobState = 9
	JobDeadline  JobState = 10
	JobOOM       JobState = 11
	jobStateEnd  JobState = 12
)

var jobStateNames = [...]string{
	"PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "CANCELLED", "FAILED",
	"TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY",
}

func (s JobState) String() string {
	if s < jobStateEnd {
		return jobStateNames[s]
	}
	return "UNKNOWN"
}

// Terminal reports whether a job in state s will never run again.
func (s JobState) Terminal() bool { return s >= JobCompleted && s < jobStateEnd }

// JobSpec is what a user asked for at submit time. Everything the scheduler
// needs is here in resolved form; the wire layer converts Slurm's many
// options into it.
type JobSpec struct {
	Name        string
	UID, GID    uint32
	User        string
	Partition   string // empty means the default partition
	NumNodes    int    // 0 means 1
	NumTasks    int    // 0 means one per node
	CPUsPerTask int    // 0 means 1
	MemPerNode  int64  // MB; 0 means no memory request
	MemPerCPU   int64  // MB; used when MemPerNode is 0
	TimeLimit   int64  // seconds; 0 means the partition's DefaultTime/MaxTime
	BeginTime   int64  // Unix seconds; the job is not eligible before
	Nice        int
	Priority    uint32 // 0 means computed by the controller
	Hold        bool
	Requeue     bool // may be requeued after a node failure
	Exclusive   bool
	WorkDir     string
	StdOut      string
	StdErr      string
	Comment     string
	Script      string
	Env         []string
	Argv        []string // batch script arguments (sbatch script args...)
	StdIn       string   // empty means /dev/null
	OpenAppend  bool     // --open-mode=append: output files are appended to, not truncated
	SubmitHost  string   // where the job was submitted from (Slurm's alloc_node)
	// Dependencies must hold before the job may start: all of them, or
	// any one when DependAny (sbatch --dependency with "?").
	Dependencies []Dependency
	DependAny    bool
	// ReqNodes are nodes the job must get (sbatch -w), ExcNodes nodes it
	// must not get (sbatch -x): node indexes, strictly increasing.
	// NumNodes is at least len(ReqNodes) once submitted.
	ReqNodes []int
	ExcNodes []int
	// ArrayTasks, when not empty, makes the submit a job array: one job
	// per task id, strictly increasing, each below MaxArraySize (see
	// array.go). The created task records do not carry the list.
	ArrayTasks []uint32
}

// Limits on a job spec, checked before a submit is applied.
const (
	MaxJobNameLen  = 1024
	MaxScriptLen   = MaxStringLen
	MaxEnvEntries  = 4096
	MaxScriptArgs  = 1024
	MaxNodesPerJob = 100000
)

// JobAttempt names one run of a job: Slurm's restart count, incremented on
// every requeue. Node agents key their processes by attempt so a stale run
// can never be confused with the current one.
type JobAttempt struct {
	ID      JobID
	Attempt uint32
}

// Job is one job's replicated record.
type Job struct {
	ID          JobID
	Spec        JobSpec
	State       JobState
	Reason      string // why pending, or why it ended
	Priority    uint32
	Attempt     uint32 // Slurm's restart_cnt
	Partition   int    // index into Cluster.Partitions
	SubmitTime  int64
	StartTime   int64
	EndTime     int64
	Nodes       []int // allocation of the current attempt, batch host first
	CPUsPerNode int
	MemPerNode  int64
	TimeLimit   int64 // effective limit in seconds, 0 = unlimited
	ExitCode    int   // exit status of the batch script
	Signal      int   // terminating signal, if any
	// DerivedExitCode is the largest wait status any step of the current
	// attempt ended with (Slurm's DerivedExitCode).
	DerivedExitCode int
	LaunchTerm      uint64 // Raft term of the leader that placed the attempt
	ArrayJobID      JobID  // the array this job is a task of (the first task's id); 0 if none
	ArrayTaskID     uint32 // the task's index within the array, when ArrayJobID is set
	NextStep        uint32 // the id the job's next step gets (steps.go)
	Steps           []Step // running steps, in increasing id order
}

// Running reports whether the job holds an allocation as a live job.
func (j *Job) Running() bool { return j.State == JobRunning || j.State == JobSuspended }

// NodeState is the administrative and health state of a node. Allocation
// (IDLE/MIXED/ALLOCATED) is derived from holds, as Slurm derives it.
type Node struct {
	Name        string
	CPUs        int
	MemMB       int64
	Weight      int
	Registered  bool   // has ever registered since the cluster was configured
	Down        bool   // not responding or declared down
	DownByAdmin bool   // set down by an administrator: only RESUME brings it back
	Drain       bool   // admin drain: no new jobs
	Reason      string // why down or drained
	ReasonTime  int64
	Incarnation uint64 // the agent's boot id from its last registration
	Holds       []Hold // what occupies this node, ordered by (job, attempt)

	// Dynamic marks a node that joined by registering (slurmd -Z), not
	// from slurm.conf. Its address is part of the record, since no
	// slurm.conf names it (dynamic.go).
	Dynamic  bool
	Deleted  bool   // a dynamic node removed by scontrol delete: a tombstone keeping its index
	Addr     string // NodeAddr: where srun reaches the node's daemon (dynamic nodes only)
	Hostname string // NodeHostname (dynamic nodes only)
	Port     int    // the daemon's slurmd port (dynamic nodes only)
}

// Hold is resources of one job attempt held on one node. A hold exists from
// the attempt's start until the node reports its processes gone, so a job
// being killed (Slurm's COMPLETING) keeps its resources.
type Hold struct {
	JobAttempt
	CPUs  int
	MemMB int64
}

// AllocCPUs is the number of CPUs held on the node.
func (n *Node) AllocCPUs() (cpus int, mem int64) {
	for _, h := range n.Holds {
		cpus += h.CPUs
		mem += h.MemMB
	}
	return cpus, mem
}

// Available reports whether the scheduler may place new work on the node.
func (n *Node) Available() bool { return n.Registered && !n.Down && !n.Drain && !n.Deleted }

// PartitionState follows Slurm's partition states.
type PartitionState uint8

const (
	PartitionUp PartitionState = iota
	PartitionDown
	PartitionDrain
	PartitionInactive
)

var partitionStateNames = [...]string{"UP", "DOWN", "DRAIN", "INACTIVE"}

func (s PartitionState) String() string {
	if int(s) < len(partitionStateNames) {
		return partitionStateNames[s]
	}
	return "UNKNOWN"
}

// Partition is a named set of nodes with limits.
type Partition struct {
	Name         string
	Nodes        []int // indexes into Nodes
	Default      bool
	State        PartitionState
	MaxTime      int64 // seconds, 0 = unlimited
	DefaultTime  int64 // seconds, 0 = use MaxTime
	MaxNodes     int   // 0 = unlimited
	PriorityTier int
	// AllNodes is slurm.conf's Nodes=ALL: dynamic nodes join it when
	// they are created (Slurm's _update_parts).
	AllNodes bool
}

// Options are cluster-wide settings from slurm.conf that Apply depends on.
// They are part of the replicated state so replicas cannot disagree on them.
type Options struct {
	FirstJobID      JobID
	MaxJobCount     int
	JobRequeue      bool // default for jobs that do not say (slurm.conf JobRequeue)
	MinJobAge       int64
	SlurmUID        uint32 // SlurmUser: may act on any job, like root
	ReturnToService int    // 0: a node down for not responding stays down; 1,2: it returns when it registers
	MaxArraySize    int    // array task ids must be below it; 0 means DefaultMaxArraySize
	// MaxNodeCount bounds the node table, static nodes included; 0 means
	// dynamic nodes may not register (slurm.conf MaxNodeCount unset).
	MaxNodeCount int
}
