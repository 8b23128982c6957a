package state

import (
	"slices"
)

// Result is what applying one command produced. A rejected command (Err set)
// changed nothing: every check runs before the first mutation.
type Result struct {
	Job JobID  // the job created or acted on
	Err *Error // why the command was rejected

	// Launch lists attempts that started; the leader sends their launches.
	Launch []JobAttempt
	// Kill lists attempts whose processes must stop on the nodes still
	// holding them; the leader sends the kills.
	Kill []JobAttempt
	// Skipped counts placements of a Start that no longer fit.
	Skipped int
	// Step is the step created or acted on by a step command.
	Step uint32
}

// Apply applies one command. It is deterministic: its only inputs are the
// state and the command.
func (m *Machine) Apply(c Command) Result {
	switch c := c.(type) {
	case Submit:
		return m.applySubmit(c)
	case Cancel:
		return m.applyCancel(c)
	case Update:
		return m.applyUpdate(c)
	case Requeue:
		return m.applyRequeue(c)
	case Start:
		return m.applyStart(c)
	case ProcEnded:
		return m.applyProcEnded(c)
	case Register:
		return m.applyRegister(c)
	case NodeDown:
		return m.applyNodeDown(c)
	case NodeAdmin:
		return m.applyNodeAdmin(c)
	case Timeout:
		return m.applyTimeout(c)
	case Purge:
		return m.applyPurge(c)
	case StepCreate:
		return m.applyStepCreate(c)
	case StepEnd:
		return m.applyStepEnd(c)
	case CompleteAllocation:
		return m.applyCompleteAllocation(c)
	case NodeCreate:
		return m.applyNodeCreate(c)
	}
	return Result{Err: reject(ErrGeneric, "unknown command %T", c)}
}

func failed(e *Error) Result { return Result{Err: e} }

// resources resolves a spec into per-node CPUs and memory, as Slurm lays out
// tasks evenly over the requested nodes.
func resources(s *JobSpec) (nodes, cpusPerNode int, memPerNode int64) {
	nodes = max(s.NumNodes, 1, len(s.ReqNodes))
	tasks := max(s.NumTasks, nodes)
	cpt := max(s.CPUsPerTask, 1)
	cpusPerNode = (tasks*cpt + nodes - 1) / nodes
	memPerNode = s.MemPerNode
	if memPerNode == 0 && s.MemPerCPU > 0 {
		memPerNode = s.MemPerCPU * int64(cpusPerNode)
	}
	return nodes, cpusPerNode, memPerNode
}

// validateSpec checks a spec against limits and the partition, returning the
// partition index and effective time limit.
func (m *Machine) validateSpec(s *JobSpec) (part int, limit int64, e *Error) {
	switch {
	case len(s.Name) > MaxJobNameLen:
		return 0, 0, reject(ErrGeneric, "job name longer than %d bytes", MaxJobNameLen)
	case len(s.Env) > MaxEnvEntries:
		return 0, 0, reject(ErrGeneric, "more than %d environment entries", MaxEnvEntries)
	case len(s.Argv) > MaxScriptArgs:
		return 0, 0, reject(ErrGeneric, "more than %d script arguments", MaxScriptArgs)
	case s.NumNodes < 0 || s.NumNodes > MaxNodesPerJob || s.NumTasks < 0 || s.NumTasks > MaxTasksPerJob:
		return 0, 0, reject(ErrInvalidTaskCount, "Task count specification invalid")
	case s.CPUsPerTask < 0 || s.CPUsPerTask > MaxCPUsPerTask:
		return 0, 0, reject(ErrInvalidTaskCount, "Invalid cpus-per-task %d", s.CPUsPerTask)
	case s.MemPerNode < 0 || s.MemPerCPU < 0 || s.TimeLimit < 0:
		return 0, 0, reject(ErrGeneric, "negative memory or time limit")
	case s.Nice < -MaxNice || s.Nice > MaxNice:
		return 0, 0, reject(ErrGeneric, "nice %d outside ±%d", s.Nice, MaxNice)
	}
	if s.Partition == "" {
		p, ok := m.defaultPartition()
		if !ok {
			return 0, 0, reject(ErrInvalidPartition, "No partition specified or system default partition")
		}
		part = p
	} else {
		p, ok := m.partIndex[s.Partition]
		if !ok {
			return 0, 0, reject(ErrInvalidPartition, "Invalid partition name specified")
		}
		part = p
	}
	p := &m.parts[part]
	if p.State == PartitionInactive || p.State == PartitionDrain {
		return 0, 0, reject(ErrPartitionNotAvail, "Requested partition configuration not available now")
	}
	nodes, cpus, mem := resources(s)
	if p.MaxNodes > 0 && nodes > p.MaxNodes {
		return 0, 0, reject(ErrNodeConfigUnavail, "Node count specification invalid")
	}
	if e := m.validateNodeLists(s, p); e != nil {
		return 0, 0, e
	}
	fit := 0
	for _, n := range p.Nodes {
		big := m.nodes[n].CPUs >= cpus && m.nodes[n].MemMB >= mem
		if !big && slices.Contains(s.ReqNodes, n) {
			fit = -1 // a required node too small for the job
			break
		}
		if big && !slices.Contains(s.ExcNodes, n) {
			fit++
		}
	}
	if fit < nodes {
		return 0, 0, reject(ErrNodeConfigUnavail, "Requested node configuration is not available")
	}
	limit = s.TimeLimit
	if limit == 0 {
		limit = p.DefaultTime
	}
	if limit == 0 {
		limit = p.MaxTime
	}
	if p.MaxTime > 0 && limit > p.MaxTime {
		return 0, 0, reject(ErrInvalidTimeLimit, "Requested time limit is invalid (missing or exceeds some limit)")
	}
	return part, limit, nil
}

// Further limits on a spec.
const (
	MaxTasksPerJob = 1 << 22
	MaxCPUsPerTask = 4096
	MaxNice        = 2147483645 // Slurm's NICE_OFFSET - 3
)

func (m *Machine) priority(j *Job) uint32 {
	if j.Spec.Hold {
		return 0
	}
	if j.Spec.Priority != 0 {
		return j.Spec.Priority
	}
	p := int64(basePriority) - 1 - int64(j.ID-m.opts.FirstJobID) - int64(j.Spec.Nice)
	return uint32(min(max(p, 1), 1<<32-2))
}

func (m *Machine) applySubmit(c Submit) Result {
	key := requestKey{c.Client, c.Seq}
	if c.Client != "" {
		if id, ok := m.requests[key]; ok {
			return Result{Job: id}
		}
	}
	if len(m.order) >= m.opts.MaxJobCount {
		return failed(reject(ErrTooManyJobs, "Job limit reached (MaxJobCount=%d)", m.opts.MaxJobCount))
	}
	part, limit, e := m.validateSpec(&c.Spec)
	if e == nil {
		e = m.validateDependencies(&c.Spec)
	}
	if e == nil {
		e = m.validateArray(c.Spec.ArrayTasks)
	}
	if e != nil {
		return failed(e)
	}
	_, cpus, mem := resources(&c.Spec)
	spec := c.Spec
	spec.Env = slices.Clone(spec.Env)
	spec.Dependencies = m.knownDependencies(spec.Dependencies)
	if len(spec.Dependencies) == 0 {
		spec.DependAny = false
	}
	spec.NumNodes = max(spec.NumNodes, 1, len(spec.ReqNodes))
	tasks := spec.ArrayTasks
	spec.ArrayTasks = nil
	first := m.nextID
	count := max(len(tasks), 1)
	for i := range count {
		j := &Job{
			ID: m.nextID, Spec: spec, State: JobPending, Partition: part,
			SubmitTime: c.Time, CPUsPerNode: cpus, MemPerNode: mem, TimeLimit: limit,
		}
		j.Spec.Env = slices.Clone(spec.Env) // records never share backing arrays
		j.Spec.Argv = slices.Clone(spec.Argv)
		j.Spec.Dependencies = slices.Clone(spec.Dependencies)
		j.Spec.ReqNodes, j.Spec.ExcNodes = slices.Clone(spec.ReqNodes), slices.Clone(spec.ExcNodes)
		if spec.Exclusive {
			j.CPUsPerNode, j.MemPerNode = cpus, mem // the hold widens to the whole node at start
		}
		if len(tasks) > 0 {
			j.ArrayJobID, j.ArrayTaskID = first, tasks[i]
		}
		j.Priority = m.priority(j)
		m.nextID++
		if m.nextID == 0 { // wrapped: Slurm restarts at FirstJobId
			m.nextID = m.opts.FirstJobID
		}
		if _, taken := m.jobs[m.nextID]; taken {
			// validateArray made sure this cannot happen within an
			// array, so no task has been added when it does.
			return failed(reject(ErrTooManyJobs, "job id space exhausted"))
		}
		m.addJob(j)
	}
	if c.Client != "" {
		m.requests[key] = first
	}
	return Result{Job: first}
}

func (m *Machine) ownJob(id JobID, uid uint32) (*Job, *Error) {
	j := m.jobs[id]
	if j == nil {
		return nil, reject(ErrInvalidJobID, "Invalid job id specified")
	}
	if uid != j.Spec.UID && !m.isOperator(uid) {
		return nil, reject(ErrAccessDenied, "Access/permission denied")
	}
	return j, nil
}

func (m *Machine) applyCancel(c Cancel) Result {
	j, e := m.ownJob(c.ID, c.UID)
	if e != nil {
		return failed(e)
	}
	if c.Array && j.ArrayJobID == c.ID {
		return m.cancelArray(c)
	}
	if j.State.Terminal() {
		return failed(reject(ErrAlreadyDone, "Job/step already completing or completed"))
	}
	return m.end(j, JobCancelled, c.Time, "")
}

// cancelArray cancels every unfinished task of array c.ID. Each task is
// checked for ownership first, so a rejection changes nothing.
func (m *Machine) cancelArray(c Cancel) Result {
	tasks := m.ArrayTasks(c.ID)
	live := 0
	for _, t := range tasks {
		if t.Spec.UID != c.UID && !m.isOperator(c.UID) {
			return failed(reject(ErrAccessDenied, "Access/permission denied"))
		}
		if !t.State.Terminal() {
			live++
		}
	}
	if live == 0 {
		return failed(reject(ErrAlreadyDone, "Job/step already completing or completed"))
	}
	r := Result{Job: c.ID}
	for _, t := range tasks {
		if !t.State.Terminal() {
			r.Kill = append(r.Kill, m.end(t, JobCancelled, c.Time, "").Kill...)
		}
	}
	return r
}

// end moves a pending or running job to a terminal state. Its holds stay
// until each node reports the processes gone.
func (m *Machine) end(j *Job, to JobState, now int64, reason string) Result {
	m.transition(j, to)
	was := j.State
	j.State, j.EndTime, j.Reason = to, now, reason
	j.Steps = nil // a job's steps end with it
	r := Result{Job: j.ID}
	if was == JobRunning || was == JobSuspended {
		r.Kill = []JobAttempt{{j.ID, j.Attempt}}
	}
	return r
}

func (m *Machine) applyUpdate(c Update) Result {
	j, e := m.ownJob(c.ID, c.UID)
	if e != nil {
		return failed(e)
	}
	if j.State.Terminal() {
		return failed(reject(ErrJobFinished, "Job has already finished"))
	}
	op := m.isOperator(c.UID)
	pending := j.State == JobPending
	if (c.Partition != nil || c.NumNodes != nil || c.Hold != nil || c.ReqNodes != nil || c.ExcNodes != nil) && !pending {
		return failed(reject(ErrJobNotPending, "Job is no longer pending execution"))
	}
	if c.Priority != nil && !op {
		return failed(reject(ErrAccessDenied, "Access/permission denied"))
	}
	if c.Nice != nil && *c.Nice < 0 && !op {
		return failed(reject(ErrAccessDenied, "Access/permission denied"))
	}
	if c.Name != nil && len(*c.Name) > MaxJobNameLen {
		return failed(reject(ErrGeneric, "job name longer than %d bytes", MaxJobNameLen))
	}
	spec := j.Spec
	if c.Partition != nil {
		spec.Partition = *c.Partition
	}
	if c.NumNodes != nil {
		spec.NumNodes = *c.NumNodes
	}
	if c.TimeLimit != nil {
		if *c.TimeLimit > j.TimeLimit && j.TimeLimit != 0 && !op {
			return failed(reject(ErrAccessDenied, "Access/permission denied"))
		}
		spec.TimeLimit = *c.TimeLimit
	}
	if c.Nice != nil {
		spec.Nice = *c.Nice
	}
	if c.Name != nil {
		spec.Name = *c.Name
	}
	if c.Hold != nil {
		spec.Hold = *c.Hold
	}
	if c.Priority != nil {
		spec.Priority = *c.Priority
	}
	if c.ReqNodes != nil {
		spec.ReqNodes = slices.Clip(slices.Clone(*c.ReqNodes)) // an empty list clears
		if len(spec.ReqNodes) == 0 {
			spec.ReqNodes = nil
		}
	}
	if c.ExcNodes != nil {
		spec.ExcNodes = slices.Clip(slices.Clone(*c.ExcNodes))
		if len(spec.ExcNodes) == 0 {
			spec.ExcNodes = nil
		}
	}
	part, limit, e := m.validateSpec(&spec)
	if e != nil {
		return failed(e)
	}
	if !pending && c.TimeLimit == nil {
		limit = j.TimeLimit // a running job keeps its limit unless asked
	}
	if pending {
		_, j.CPUsPerNode, j.MemPerNode = resources(&spec)
		spec.NumNodes = max(spec.NumNodes, 1, len(spec.ReqNodes))
	}
	j.Spec, j.Partition, j.TimeLimit = spec, part, limit
	j.Priority = m.priority(j)
	return Result{Job: j.ID}
}

// ErrJobFinished is ESLURM_JOB_FINISHED.
const ErrJobFinished ErrCode = 2084

func (m *Machine) applyRequeue(c Requeue) Result {
	j, e := m.ownJob(c.ID, c.UID)
	if e != nil {
		return failed(e)
	}
	if !j.Running() {
		return failed(reject(ErrJobNotRunning, "Job is not running"))
	}
	return m.requeue(j, c.Time, "Requeued")
}

// requeue sends a running job back to pending as a new attempt. The old
// attempt's holds remain until its nodes report the processes gone.
func (m *Machine) requeue(j *Job, now int64, reason string) Result {
	m.transition(j, JobPending)
	old := JobAttempt{j.ID, j.Attempt}
	j.State, j.Reason = JobPending, reason
	j.Attempt++
	j.Nodes, j.StartTime, j.LaunchTerm = nil, 0, 0
	j.Steps = nil // the steps ran in the old attempt
	j.DerivedExitCode = 0
	return Result{Job: j.ID, Kill: []JobAttempt{old}}
}

func (m *Machine) applyTimeout(c Timeout) Result {
	j := m.jobs[c.Job.ID]
	if j == nil || j.Attempt != c.Job.Attempt || !j.Running() {
		return failed(reject(ErrStale, "timeout for %v: attempt not running", c.Job))
	}
	if j.TimeLimit == 0 || c.Time < j.StartTime+j.TimeLimit {
		return failed(reject(ErrGeneric, "job %d has not reached its time limit", j.ID))
	}
	return m.end(j, JobTimeout, c.Time, "TimeLimit")
}

func (m *Machine) applyPurge(c Purge) Result {
	held := make(map[JobID]bool)
	for i := range m.nodes {
		for _, h := range m.nodes[i].Holds {
			held[h.ID] = true
		}
	}
	kept := m.order[:0]
	for _, id := range m.order {
		j := m.jobs[id]
		if j.State.Terminal() && j.EndTime+m.opts.MinJobAge <= c.Time && !held[id] {
			delete(m.jobs, id)
			continue
		}
		kept = append(kept, id)
	}
	m.order = kept
	for k, id := range m.requests {
		if m.jobs[id] == nil {
			delete(m.requests, k)
		}
	}
	return Result{}
}
