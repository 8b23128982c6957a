// Package msg defines the messages FLURM's processes exchange: Raft traffic
// between controllers, client requests and replies, and the controller/node
// agent protocol. Messages are plain values; the simulator passes them as
// they are, the io layer encodes them for TCP.
//
// Every message a controller or agent sends is addressed by Addr. Receivers
// must treat every field as untrusted: a message may be stale, duplicated,
// reordered or from a process that has since restarted.
package msg

import "github.com/flurm/flurm/core/state"

// Addr names a process: "ctl/1", "node/n001", "client/7".
type Addr string

// ControllerAddr is the address of controller id.
func ControllerAddr(id uint64) Addr { return Addr("ctl/" + itoa(id)) }

// NodeAddr is the address of the agent of node name.
func NodeAddr(name string) Addr { return Addr("node/" + name) }

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// Message is any of the types below.
type Message interface{ isMessage() }

// Raft carries one marshaled raftpb.Message between controllers. It is kept
// as bytes so no two processes ever share a mutable value.
type Raft struct{ Data []byte }

// ClientRequest asks a controller to change the cluster. Client and Seq
// identify the request across retries: a retried submit returns the job the
// first attempt created.
type ClientRequest struct {
	Client string
	Seq    uint64
	UID    uint32 // verified caller identity (MUNGE in production)
	Op     Op
}

// Op is one client operation.
type Op interface{ isOp() }

// OpSubmit submits a batch job.
type OpSubmit struct{ Spec state.JobSpec }

// OpCancel cancels a job; with Array, every task of the job array ID
// (state.Cancel).
type OpCancel struct {
	ID    state.JobID
	Array bool
}

// OpUpdate changes a job; nil fields are left alone.
type OpUpdate struct {
	ID        state.JobID
	TimeLimit *int64
	Priority  *uint32
	Nice      *int
	Hold      *bool
	NumNodes  *int
	Partition *string
	Name      *string
	// ReqNodes and ExcNodes replace a pending job's node lists (sorted
	// node indexes; empty clears).
	ReqNodes *[]int
	ExcNodes *[]int
}

// OpRequeue requeues a running job.
type OpRequeue struct{ ID state.JobID }

// OpNodeAdmin drains, resumes or downs a node.
type OpNodeAdmin struct {
	Node   string
	Op     state.NodeAdminOp
	Reason string
}

func (OpSubmit) isOp()    {}
func (OpCancel) isOp()    {}
func (OpUpdate) isOp()    {}
func (OpRequeue) isOp()   {}
func (OpNodeAdmin) isOp() {}

// ClientReply answers a ClientRequest. It is sent only after the change was
// committed and applied (OK or Err), or when the receiver cannot serve the
// request (NotLeader, Retry), in which case nothing was committed by it.
type ClientReply struct {
	Seq       uint64
	Job       state.JobID
	Err       *state.Error
	NotLeader bool // ask LeaderHint (if set) or another controller
	Retry     bool // the outcome is unknown: retry with the same Seq
	Leader    Addr
	Index     uint64 // log index at which the request was applied
}

// Heartbeat is a node agent's periodic report, sent to every controller.
// The leader acts on it; followers ignore it.
type Heartbeat struct {
	Node        string
	Incarnation uint64 // changes when the agent restarts
	CPUs        int
	MemMB       int64
	Running     []state.JobAttempt // attempts with live processes
	Ended       []ProcReport       // attempts whose processes ended, not yet acknowledged
	MaxTerm     uint64             // newest leader term the agent has seen
	// Dynamic is set by a daemon of a node not in slurm.conf: the leader
	// creates the node (state.NodeCreate) before it registers.
	Dynamic *DynamicNode
}

// ProcReport says a job attempt's processes on the node are gone.
type ProcReport struct {
	Job      state.JobAttempt
	ExitCode int
	Signal   int
	OOM      bool // killed for exceeding its memory limit
	Time     int64
}

// HeartbeatAck tells an agent who leads and which ended reports are now
// committed, so it can forget them.
type HeartbeatAck struct {
	Term   uint64
	Leader Addr
	Acked  []state.JobAttempt
}

// Launch starts a job attempt on a node. Term fences it: an agent that has
// seen a newer term refuses it, so a deposed leader cannot start work the
// new leader does not know about.
type Launch struct {
	Term uint64
	// Incarnation is the node agent's boot id the replicated state has
	// for the node. An agent that booted since refuses the launch: the
	// state has not yet heard what the new incarnation runs, so a launch
	// prompted by a stale heartbeat must not start anything there.
	Incarnation uint64
	Job         state.JobAttempt
	Nodes       []string // the whole allocation, batch host first
	NodeCPUs    []int    // CPUs held on each of Nodes, in the same order
	CPUs        int      // on this node
	MemMB       int64
	Limit       int64 // seconds, 0 = unlimited
	Spec        state.JobSpec
	Start       int64
	LaunchID    uint64

	// What the job's environment and output file names need besides
	// the spec (agent.BatchEnv, agent.OutputPath).
	Cluster   string
	Partition string
	Array     ArrayInfo // zero unless the job is a task of an array
}

// ArrayInfo describes a job array task: Slurm's SLURM_ARRAY_* variables.
type ArrayInfo struct {
	JobID           state.JobID // the array's id (its first task's id)
	TaskID          uint32
	Count, Min, Max uint32 // over the array's tasks the controller still knows
}

// Kill stops a job attempt's processes on a node. Signal 0 means Slurm's
// termination sequence: SIGTERM, then SIGKILL after KillWait. An agent that
// does not run the attempt remembers the kill, so a launch that arrives
// late is refused, and reports the attempt ended.
type Kill struct {
	Term   uint64
	Job    state.JobAttempt
	Signal int
	// Why is why the controller ends the attempt (with Signal 0 only):
	// the node that runs the batch script tells the job's user, as
	// slurmstepd writes "*** JOB N ON node CANCELLED AT ... ***" into the
	// job's output.
	Why EndReason
}

// EndReason is why a controller ends an attempt.
type EndReason uint8

const (
	// EndUntold is a kill nobody is told about: the attempt is a zombie
	// the controller reaps, or its job is gone.
	EndUntold EndReason = iota
	EndCancelled
	EndTimeLimit
	EndRequeued
	EndNodeFail
)

// LaunchRefused tells the sender why an agent did not start an attempt.
type LaunchRefused struct {
	Node    string
	Job     state.JobAttempt
	Term    uint64
	MaxTerm uint64
}

func (Raft) isMessage()          {}
func (ClientRequest) isMessage() {}
func (ClientReply) isMessage()   {}
func (Heartbeat) isMessage()     {}
func (HeartbeatAck) isMessage()  {}
func (Launch) isMessage()        {}
func (Kill) isMessage()          {}
func (LaunchRefused) isMessage() {}
