package slurmrpc

import (
	"slices"
	"strings"

	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Job records as slurmctld's pack_job fills them for a batch job with
// details (job_mgr.c pack_job, _pack_default_job_details,
// _pack_pending_job_details), checked against the captured records of
// scontrol show job and squeue.

// Slurm job_state_reason values (slurm.h enum job_state_reason).
const (
	reasonNone          uint16 = 0
	reasonPriority      uint16 = 1
	reasonDependency    uint16 = 2
	reasonResources     uint16 = 3
	reasonPartNodeLimit uint16 = 4
	reasonPartTimeLimit uint16 = 5
	reasonPartDown      uint16 = 6
	reasonPartInactive  uint16 = 7
	reasonHeldAdmin     uint16 = 8
	reasonBeginTime     uint16 = 9
	reasonNodeNotAvail  uint16 = 15
	reasonHeldUser      uint16 = 16
	reasonDownNode      uint16 = 20
	reasonExitCode      uint16 = 24
	reasonTimeout       uint16 = 25
	reasonDepInvalid    uint16 = 39
	reasonPartConfig    uint16 = 178
	reasonOOM           uint16 = 181 // FAIL_OOM
)

// reasonCodes maps job_reason_string spellings (what core uses) to numbers.
var reasonCodes = map[string]uint16{
	"None": reasonNone, "Priority": reasonPriority, "Resources": reasonResources,
	"PartitionNodeLimit": reasonPartNodeLimit, "PartitionTimeLimit": reasonPartTimeLimit,
	"PartitionDown": reasonPartDown, "PartitionInactive": reasonPartInactive,
	"JobHeldAdmin": reasonHeldAdmin, "BeginTime": reasonBeginTime,
	"ReqNodeNotAvail": reasonNodeNotAvail, "JobHeldUser": reasonHeldUser,
	"NodeDown": reasonDownNode, "NodeFail": reasonDownNode, "NonZeroExitCode": reasonExitCode,
	"TimeLimit": reasonTimeout, "PartitionConfig": reasonPartConfig, "OutOfMemory": reasonOOM,
	"Dependency": reasonDependency, "DependencyNeverSatisfied": reasonDepInvalid,
}

// Job bit flags (slurm.h) FLURM reports.
const (
	flagNTasksSet     uint64 = 1 << 14
	flagCPUsSet       uint64 = 1 << 15
	flagMemSet        uint64 = 1 << 23
	flagDefaultAcct   uint64 = 1 << 25
	flagDefaultPart   uint64 = 1 << 26
	flagDefaultQOS    uint64 = 1 << 27
	flagDefaultWCKey  uint64 = 1 << 28
	flagPartAssigned  uint64 = 1 << 31
	memPerCPUBit      uint64 = 1 << 63 // MEM_PER_CPU in pn_min_memory
	sharedNone        uint16 = 0       // JOB_SHARED_NONE (--exclusive)
	sharedUser        uint16 = 2       // JOB_SHARED_USER
	unlimitedEndDelay int64  = 365 * 24 * 3600
)

// jobContext is what every record of one reply shares.
type jobContext struct {
	v          View
	nodeNames  []string
	cluster    string
	plugin     uint32
	show       uint16
	held       map[state.JobAttempt]bool  // attempts some node still holds
	heldCPUs   map[state.JobAttempt]int64 // the CPUs they hold
	partMinMem []int64                    // smallest node memory per partition
	partAvail  []partAvailability         // per partition
}

// partAvailability is how many of a partition's nodes can take jobs
// (registered, not down, not drained) and the others as a host list.
type partAvailability struct {
	available   int
	unavailable string
}

func availability(m *state.Machine) []partAvailability {
	nodes := m.Nodes()
	parts := m.Partitions()
	out := make([]partAvailability, len(parts))
	for i := range parts {
		var names []string
		for _, n := range parts[i].Nodes {
			switch {
			case n < 0 || n >= len(nodes):
			case nodes[n].Available():
				out[i].available++
			default:
				names = append(names, nodes[n].Name)
			}
		}
		out[i].unavailable = hostlist.Compress(names)
	}
	return out
}

// nodesNotAvail is slurmctld's WAIT_NODE_NOT_AVAIL for a pending job
// that is waiting only on the scheduler: when its partition has fewer
// usable nodes than the job needs because some are down, drained or
// never registered, select_nodes fails with ESLURM_NODE_NOT_AVAIL and
// the job shows "ReqNodeNotAvail, UnavailableNodes:<those nodes>" (what
// clients print for a cluster whose slurmds are not running) rather than
// Resources, Priority or BeginTime.
func (c *jobContext) nodesNotAvail(j *state.Job, reason uint16) (string, bool) {
	if j.State != state.JobPending || j.Spec.Hold || j.Partition < 0 || j.Partition >= len(c.partAvail) {
		return "", false
	}
	switch reason {
	case reasonNone, reasonResources, reasonPriority, reasonBeginTime:
		// slurmctld shows ReqNodeNotAvail for a job waiting for its
		// --begin time too, while its nodes are unusable.
	default:
		return "", false
	}
	if len(j.Spec.ReqNodes) > 0 || len(j.Spec.ExcNodes) > 0 {
		return c.nodeListNotAvail(j)
	}
	pa := c.partAvail[j.Partition]
	if pa.unavailable == "" || pa.available >= max(j.Spec.NumNodes, 1) {
		return "", false
	}
	return "ReqNodeNotAvail, UnavailableNodes:" + pa.unavailable, true
}

// nodeListNotAvail is nodesNotAvail for a job with -w or -x: it waits on
// unusable nodes when one of its required nodes is unusable, or when its
// usable, not excluded partition nodes are too few. slurmctld then lists
// the unusable required nodes, or without -w the partition's unusable
// nodes, excluded ones included (select_nodes).
func (c *jobContext) nodeListNotAvail(j *state.Job) (string, bool) {
	nodes := c.v.State.Nodes()
	part := c.v.State.Partitions()[j.Partition]
	var reqDown []string
	for _, n := range j.Spec.ReqNodes {
		if n >= 0 && n < len(nodes) && !nodes[n].Available() {
			reqDown = append(reqDown, nodes[n].Name)
		}
	}
	if len(reqDown) > 0 {
		return "ReqNodeNotAvail, UnavailableNodes:" + hostlist.Compress(reqDown), true
	}
	usable := 0
	for _, n := range part.Nodes {
		if _, excluded := slices.BinarySearch(j.Spec.ExcNodes, n); !excluded && n >= 0 && n < len(nodes) && nodes[n].Available() {
			usable++
		}
	}
	pa := c.partAvail[j.Partition]
	if pa.unavailable == "" || usable >= max(j.Spec.NumNodes, 1) {
		return "", false
	}
	return "ReqNodeNotAvail, UnavailableNodes:" + pa.unavailable, true
}

func newJobContext(v View, show uint16) *jobContext {
	nodes := v.State.Nodes()
	names := make([]string, len(nodes))
	for i := range nodes {
		names[i] = nodes[i].Name
	}
	held := make(map[state.JobAttempt]bool)
	heldCPUs := make(map[state.JobAttempt]int64)
	for i := range nodes {
		for _, h := range nodes[i].Holds {
			held[h.JobAttempt] = true
			heldCPUs[h.JobAttempt] += int64(h.CPUs)
		}
	}
	return &jobContext{v: v, nodeNames: names, cluster: clusterName(v.Conf), plugin: selectPluginID(v.Conf), show: show, held: held, heldCPUs: heldCPUs,
		partMinMem: minNodeMem(v.State), partAvail: availability(v.State)}
}

// completing reports whether nodes still hold resources of a job that is
// no longer running there: slurmctld's JOB_COMPLETING (squeue's CG), set
// for an ended job until its epilogs finish and for a requeued one until
// the old attempt is gone.
func (c *jobContext) completing(j *state.Job) bool {
	switch {
	case j.State.Terminal():
		return c.held[state.JobAttempt{ID: j.ID, Attempt: j.Attempt}]
	case j.State == state.JobPending && j.Attempt > 0:
		return c.held[state.JobAttempt{ID: j.ID, Attempt: j.Attempt - 1}]
	}
	return false
}

// jobCPUs is the CPU count a pending job asks for (details->min_cpus) and
// the one a started job was given (total_cpus: what its nodes held, so an
// --exclusive job counts whole nodes).
func (c *jobContext) jobCPUs(j *state.Job) int64 {
	if len(j.Nodes) > 0 {
		if held := c.heldCPUs[state.JobAttempt{ID: j.ID, Attempt: j.Attempt}]; held > 0 {
			return held
		}
		return int64(j.CPUsPerNode) * int64(len(j.Nodes))
	}
	nodes := int64(max(j.Spec.NumNodes, 1))
	return max(int64(j.Spec.NumTasks), nodes) * int64(max(j.Spec.CPUsPerTask, 1))
}

// jobTasks is num_tasks as _pack_default_job_details sends it: the
// requested count, else the node count (pending: requested, started:
// allocated), else NO_VAL for a job that ended without ever running.
func jobTasks(j *state.Job) uint32 {
	switch {
	case j.Spec.NumTasks > 0:
		return uint32(j.Spec.NumTasks)
	case j.State == state.JobPending:
		return uint32(max(j.Spec.NumNodes, 1))
	case len(j.Nodes) > 0:
		return uint32(len(j.Nodes))
	}
	return slurmproto.NoVal
}

// jobShared is the job's OverSubscribe as packed: the user's --exclusive,
// else what the partition imposes (EXCLUSIVE, FORCE, ExclusiveUser).
func (c *jobContext) jobShared(j *state.Job) uint16 {
	if j.Spec.Exclusive {
		return sharedNone
	}
	if c.v.Conf == nil {
		return slurmproto.NoVal16
	}
	p, ok := c.v.Conf.Partition(c.partitionName(j))
	if !ok {
		return slurmproto.NoVal16
	}
	switch {
	case p.ExclusiveUser:
		return sharedUser
	case strings.EqualFold(p.OverSubscribe.Mode, "FORCE") && p.OverSubscribe.Jobs > 1:
		return 1
	case strings.EqualFold(p.OverSubscribe.Mode, "EXCLUSIVE"):
		return sharedNone
	}
	return slurmproto.NoVal16
}

// jobMem is the memory a job's TRES request counts: what it asked for, or
// when it asked for none (the whole node's memory under cons_tres), the
// memory of the nodes it holds or of the smallest node of its partition.
func (c *jobContext) jobMem(j *state.Job) int64 {
	nodes := int64(max(j.Spec.NumNodes, 1))
	if j.MemPerNode > 0 {
		return j.MemPerNode * nodes
	}
	all := c.v.State.Nodes()
	if len(j.Nodes) > 0 {
		var sum int64
		for _, n := range j.Nodes {
			if n >= 0 && n < len(all) {
				sum += all[n].MemMB
			}
		}
		return sum
	}
	if j.Partition < 0 || j.Partition >= len(c.partMinMem) {
		return 0
	}
	return c.partMinMem[j.Partition] * nodes
}

// minNodeMem is the smallest node memory of each partition.
func minNodeMem(m *state.Machine) []int64 {
	all := m.Nodes()
	parts := m.Partitions()
	out := make([]int64, len(parts))
	for i := range parts {
		least := int64(-1)
		for _, n := range parts[i].Nodes {
			if n >= 0 && n < len(all) && (least < 0 || all[n].MemMB < least) {
				least = all[n].MemMB
			}
		}
		out[i] = max(least, 0)
	}
	return out
}

// jobReason is the state_reason of a job and, for a pending one, the
// scheduler's expected start (0 when unknown).
func jobReason(v View, j *state.Job) (uint16, int64) {
	switch {
	case j.State == state.JobPending:
		if j.Spec.Hold {
			return reasonHeldUser, 0
		}
		// From the state, not the last scheduling pass, so a follower
		// and a job submitted a moment ago answer the same.
		if ok, never := v.State.DependencyState(j); never {
			return reasonDepInvalid, 0
		} else if !ok {
			return reasonDependency, 0
		}
		if v.Controller != nil {
			if why, start, ok := v.Controller.PendingReason(j.ID); ok {
				return reasonCodes[why], start
			}
		}
		if j.Spec.BeginTime > v.Now.Unix() {
			return reasonBeginTime, 0
		}
		return reasonNone, 0
	case j.State == state.JobFailed && j.ExitCode != 0:
		return reasonExitCode, 0
	case j.State.Terminal() && j.StartTime == 0 && j.Spec.Hold:
		return reasonHeldUser, 0 // a held job cancelled keeps its reason
	case j.State.Terminal():
		return reasonCodes[j.Reason], 0
	}
	return reasonNone, 0
}

// jobRecord builds one RESPONSE_JOB_INFO record.
func (c *jobContext) jobRecord(j *state.Job) slurmproto.JobInfo {
	v := c.v
	cpus := c.jobCPUs(j)
	nodes := int64(max(j.Spec.NumNodes, 1))
	if len(j.Nodes) > 0 {
		nodes = int64(len(j.Nodes)) // total_nodes once started
	}
	reason, expected := jobReason(v, j)
	desc, notAvail := c.nodesNotAvail(j, reason)
	if notAvail {
		reason, expected = reasonNodeNotAvail, 0
	}
	r := slurmproto.JobInfo{
		ArrayTaskID:  slurmproto.NoVal,
		ArrayJobID:   uint32(j.ArrayJobID),
		JobID:        uint32(j.ID),
		UserID:       j.Spec.UID,
		GroupID:      j.Spec.GID,
		JobState:     uint32(j.State),
		BatchFlag:    1,
		StateReason:  reason,
		StateDesc:    optStr(desc),
		RestartCnt:   uint16(min(j.Attempt, 0xffff)),
		ShowFlags:    c.show,
		TimeLimit:    minutes(j.TimeLimit),
		Nice:         uint32(int64(slurmproto.NiceOffset) + int64(j.Spec.Nice)),
		SubmitTime:   slurmproto.Time(j.SubmitTime),
		Priority:     j.Priority,
		BillableTRES: float64(slurmproto.NoVal),
		Cluster:      optStr(c.cluster),
		Partition:    optStr(c.partitionName(j)),
		SiteFactor:   slurmproto.NiceOffset,
		Comment:      optStr(j.Spec.Comment),
		Dependency:   optStr(c.v.State.DependencyString(j)),
		ExitCode:     uint32(j.ExitCode&0xff)<<8 | uint32(j.Signal&0x7f),
		DerivedEC:    uint32(j.DerivedExitCode),
		JobResrcs:    slurmproto.JobResources{},
		Name:         optStr(j.Spec.Name),
		// user_name stays NULL as in slurmctld's records; clients look
		// the uid up themselves.
		AllocNode:        optStr(allocNodeOf(j)),
		SelectPluginID:   c.plugin,
		WorkDir:          optStr(j.Spec.WorkDir),
		NumCPUs:          uint32(min(cpus, int64(slurmproto.NoVal-1))),
		NumNodes:         uint32(nodes),
		NumTasks:         jobTasks(j),
		Shared:           c.jobShared(j),
		CPUFreqMin:       slurmproto.NoVal,
		CPUFreqMax:       slurmproto.NoVal,
		CPUFreqGov:       slurmproto.NoVal,
		CoreSpec:         slurmproto.NoVal16,
		CPUsPerTask:      uint16(max(j.Spec.CPUsPerTask, 1)),
		PnMinCPUs:        uint16(max(j.Spec.CPUsPerTask, 1)),
		StdErr:           optStr(j.Spec.StdErr),
		StdIn:            slurmproto.S("/dev/null"),
		StdOut:           optStr(j.Spec.StdOut),
		MultiCore:        defaultMultiCore(),
		BitFlags:         c.bitFlags(j),
		TRESReqStr:       optStr(tresString(cpus, c.jobMem(j), nodes, true)),
		StartProtocolVer: slurmproto.ProtocolVersion,
		MailUser:         optStr(j.Spec.User),
	}
	if j.Spec.Requeue {
		r.Requeue = 1
	}
	if j.Spec.Script == "" {
		r.BatchFlag = 0 // an allocation of salloc or srun
	}
	switch {
	case j.Spec.MemPerNode > 0:
		r.PnMinMemory = uint64(j.Spec.MemPerNode)
	case j.Spec.MemPerCPU > 0:
		r.PnMinMemory = uint64(j.Spec.MemPerCPU) | memPerCPUBit
	}
	if c.completing(j) {
		r.JobState |= slurmproto.JobCompleting
	}
	c.fillTimes(&r, j, expected)
	r.ReqNodes, r.ReqNodeInx = nodeSet(c.nodeNames, j.Spec.ReqNodes)
	r.ExcNodes, r.ExcNodeInx = nodeSet(c.nodeNames, j.Spec.ExcNodes)
	if len(j.Nodes) > 0 {
		r.Nodes, r.NodeInx = nodeSet(c.nodeNames, j.Nodes)
		if j.Nodes[0] >= 0 && j.Nodes[0] < len(c.nodeNames) {
			r.BatchHost = slurmproto.S(c.nodeNames[j.Nodes[0]])
		}
		r.BillableTRES = float64(cpus)
		var mem int64
		if j.MemPerNode > 0 {
			mem = j.MemPerNode * int64(len(j.Nodes))
		}
		r.TRESAllocStr = slurmproto.S(tresString(cpus, mem, int64(len(j.Nodes)), true))
	}
	if j.IsArrayTask() {
		// Each task is its own record, as slurmctld shows a task split
		// off its array: array_job_id and array_task_id set, no
		// array_task_str (that is for the meta record FLURM lacks).
		r.ArrayTaskID = j.ArrayTaskID
	}
	return r
}

// allocNodeOf is the job's alloc_node: the submit host recorded at submit
// time (see Server.allocNode), or for jobs submitted before FLURM kept it,
// the SLURM_SUBMIT_HOST in the environment.
func allocNodeOf(j *state.Job) string {
	if j.Spec.SubmitHost != "" {
		return j.Spec.SubmitHost
	}
	return submitHost(j.Spec.Env)
}

// submitHost is the host sbatch ran on, from the SLURM_SUBMIT_HOST it puts
// in the job's environment.
func submitHost(env []string) string {
	for _, e := range env {
		if h, ok := strings.CutPrefix(e, "SLURM_SUBMIT_HOST="); ok {
			return h
		}
	}
	return ""
}

// fillTimes sets the record's times the way slurmctld keeps them.
func (c *jobContext) fillTimes(r *slurmproto.JobInfo, j *state.Job, expected int64) {
	eligible := max(j.SubmitTime, j.Spec.BeginTime)
	switch {
	case j.State == state.JobPending:
		r.LastSchedEval = slurmproto.Time(j.SubmitTime)
		if j.Spec.BeginTime > c.v.Now.Unix() {
			// slurmctld sets a job's start time to its --begin time at
			// submission, held or not, so squeue --start shows it.
			r.EligibleTime = slurmproto.Time(j.Spec.BeginTime)
			r.AccrueTime = r.EligibleTime
			r.StartTime = r.EligibleTime
			if j.TimeLimit > 0 {
				r.EndTime = slurmproto.Time(j.Spec.BeginTime + j.TimeLimit)
			}
			break
		}
		if j.Spec.Hold {
			break // a held job is not eligible and accrues nothing
		}
		if eligible <= c.v.Now.Unix() {
			r.EligibleTime = slurmproto.Time(eligible)
			r.AccrueTime = slurmproto.Time(eligible)
		}
		if expected > 0 {
			r.StartTime = slurmproto.Time(expected)
			if j.TimeLimit > 0 {
				r.EndTime = slurmproto.Time(expected + j.TimeLimit)
			}
		}
	case j.Running():
		r.EligibleTime = slurmproto.Time(eligible)
		r.AccrueTime = slurmproto.Time(eligible)
		r.StartTime = slurmproto.Time(j.StartTime)
		r.LastSchedEval = slurmproto.Time(j.StartTime)
		limit := j.TimeLimit
		if limit <= 0 {
			limit = unlimitedEndDelay // job_mgr.c: an unlimited job "ends" a year out
		}
		r.EndTime = slurmproto.Time(j.StartTime + limit)
	default: // terminal
		r.EndTime = slurmproto.Time(j.EndTime)
		if j.StartTime > 0 {
			r.EligibleTime = slurmproto.Time(eligible)
			r.AccrueTime = slurmproto.Time(eligible)
			r.StartTime = slurmproto.Time(j.StartTime)
			r.LastSchedEval = slurmproto.Time(j.StartTime)
		} else {
			// A job cancelled while pending gets start = end (job_signal).
			r.StartTime = slurmproto.Time(j.EndTime)
			r.LastSchedEval = slurmproto.Time(j.SubmitTime)
			if !j.Spec.Hold && eligible <= j.EndTime {
				r.EligibleTime = slurmproto.Time(eligible)
				r.AccrueTime = slurmproto.Time(eligible)
			}
		}
	}
}

func (c *jobContext) partitionName(j *state.Job) string {
	parts := c.v.State.Partitions()
	if j.Partition >= 0 && j.Partition < len(parts) {
		return parts[j.Partition].Name
	}
	return j.Spec.Partition
}

func (c *jobContext) bitFlags(j *state.Job) uint64 {
	// FLURM has no accounts, QOS or wckeys: every job uses the defaults.
	f := flagDefaultAcct | flagDefaultQOS | flagDefaultWCKey
	if j.Spec.Partition == "" {
		f |= flagDefaultPart | flagPartAssigned
	}
	if j.Spec.NumTasks > 0 {
		f |= flagNTasksSet
	}
	if j.Spec.CPUsPerTask > 0 {
		f |= flagCPUsSet
	}
	if j.Spec.MemPerNode > 0 || j.Spec.MemPerCPU > 0 {
		f |= flagMemSet
	}
	return f
}

// defaultMultiCore is the multi_core_data slurmctld keeps for a job that
// gave no socket/core/thread options (as captured).
func defaultMultiCore() *slurmproto.MultiCore {
	return &slurmproto.MultiCore{
		SocketsPerNode: slurmproto.NoVal16, CoresPerSocket: slurmproto.NoVal16, ThreadsPerCore: slurmproto.NoVal16,
		NTasksPerSocket: slurmproto.Infinite16, NTasksPerCore: slurmproto.Infinite16,
	}
}
