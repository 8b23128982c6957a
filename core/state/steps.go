package state

import "slices"

// Job steps (srun). A step is a set of tasks run inside a running job's
// allocation, on some of its nodes. Step records are replicated so that any
// controller can list them (squeue -s, scontrol show step) and so that
// step ids are never reused within a job. A record exists only while the
// step runs: when every node of the step has reported its tasks gone (or
// the step is cancelled) the record is dropped, as slurmctld drops
// finished steps from its step list. Ending, requeueing or losing the job
// drops all of its steps.
//
// Steps share the job's resources: the job's holds cover them, so a step
// never changes what a node holds. A step may not ask for more nodes or
// CPUs than the job has.

// Limits on steps.
const (
	// MaxStepsPerJob is Slurm's default MaxStepCount: the step ids a job
	// may use over its life (ESLURM_STEP_LIMIT beyond).
	MaxStepsPerJob = 40000
	// MaxLiveSteps bounds the steps of one job running at once.
	MaxLiveSteps = 1024
	// MaxStepHostLen bounds the srun host name (Slurm's limit is 1024).
	MaxStepHostLen = 1024
)

// Slurm error numbers used by step commands.
const (
	ErrInvalidNodeCount ErrCode = 2006 // ESLURM_INVALID_NODE_COUNT
	ErrJobPendingStep   ErrCode = 2011 // ESLURM_DUPLICATE_JOB_ID: slurmctld's answer to a step for a pending job
	ErrPathnameTooLong  ErrCode = 2012 // ESLURM_PATHNAME_TOO_LONG
	ErrUserIDMissing    ErrCode = 2010 // ESLURM_USER_ID_MISSING
	ErrStepLimit        ErrCode = 2076 // ESLURM_STEP_LIMIT
	ErrTooManyCPUs      ErrCode = 2005 // ESLURM_TOO_MANY_REQUESTED_CPUS
)

// Step is one running job step.
type Step struct {
	ID        uint32
	Name      string
	Nodes     []int // node indexes, a subset of the job's nodes in the job's order
	Tasks     int   // tasks in the step, laid out block-wise over Nodes
	CPUs      int   // CPUs the step asked for in total
	StartTime int64
	TimeLimit int64 // seconds; 0 means the job's limit
	SrunHost  string
	SrunPID   uint32
	// Request is the creator's id for the creation, so it can find the
	// step it made and a retried creation returns the same step.
	Request uint64
	// Done marks, per entry of Nodes, the nodes that reported the step's
	// tasks ended there.
	Done []bool
	// ExitCode is the largest status reported so far (a wait status).
	ExitCode int
}

// TaskLayout returns how many tasks run on each node of the step: block
// distribution, the first nodes taking one more when tasks do not divide
// evenly. Task ids are consecutive on each node, in node order.
func (s *Step) TaskLayout() []int {
	n := len(s.Nodes)
	out := make([]int, n)
	if n == 0 {
		return out
	}
	for i := range out {
		out[i] = s.Tasks / n
		if i < s.Tasks%n {
			out[i]++
		}
	}
	return out
}

// StepCreate starts a step in a running job (REQUEST_JOB_STEP_CREATE).
// The step runs on the nodes Nodes names (srun -w) plus, up to NumNodes
// nodes in all, the job's other nodes in the job's order; with neither
// set, on all of the job's nodes.
type StepCreate struct {
	Job       JobID
	Time      int64
	UID       uint32
	Request   uint64
	Name      string
	NumNodes  int
	Nodes     []int
	Tasks     int
	CPUs      int // 0 means one per task
	TimeLimit int64
	SrunHost  string
	SrunPID   uint32
}

// StepEnd reports a step's tasks ended on the step's nodes First..Last
// (positions in Step.Nodes, Slurm's range_first/range_last), or with All
// ends the whole step now (a cancelled step). Node reports come from node
// daemons: only root and SlurmUser may send them; a cancel may also come
// from the job's owner.
type StepEnd struct {
	Job         JobID
	Step        uint32
	Time        int64
	UID         uint32
	First, Last int
	ExitCode    int
	All         bool
}

// CompleteAllocation ends a job whose allocation its srun or salloc has
// finished with (REQUEST_COMPLETE_JOB_ALLOCATION). A running job ends
// COMPLETED when ExitCode and Signal are 0, else FAILED with them; with
// Cancel, or for a job still pending, it ends CANCELLED. Holds stay until
// the nodes report the attempt gone, as for a cancel.
type CompleteAllocation struct {
	ID       JobID
	Time     int64
	UID      uint32
	ExitCode int
	Signal   int
	Cancel   bool
}

func (StepCreate) kind() cmdKind         { return kindStepCreate }
func (StepEnd) kind() cmdKind            { return kindStepEnd }
func (CompleteAllocation) kind() cmdKind { return kindCompleteAllocation }

// FindStep returns the running step id of job, or nil. The result must
// not be modified.
func (j *Job) FindStep(id uint32) *Step {
	for i := range j.Steps {
		if j.Steps[i].ID == id {
			return &j.Steps[i]
		}
	}
	return nil
}

// StepByRequest returns the running step a creation with this request id
// made, or nil.
func (j *Job) StepByRequest(request uint64) *Step {
	for i := range j.Steps {
		if j.Steps[i].Request == request {
			return &j.Steps[i]
		}
	}
	return nil
}

func (m *Machine) applyStepCreate(c StepCreate) Result {
	j := m.jobs[c.Job]
	if j == nil {
		return failed(reject(ErrInvalidJobID, "Invalid job id specified"))
	}
	if c.UID != j.Spec.UID && !m.isOperator(c.UID) {
		return failed(reject(ErrAccessDenied, "Access/permission denied"))
	}
	switch {
	case j.State == JobSuspended:
		return failed(reject(ErrDisabled, "Requested operation is presently disabled"))
	case j.State == JobPending:
		return failed(reject(ErrJobPendingStep, "Job is pending execution"))
	case j.State != JobRunning:
		return failed(reject(ErrAlreadyDone, "Job/step already completing or completed"))
	}
	if c.Request != 0 {
		if s := j.StepByRequest(c.Request); s != nil {
			return Result{Job: j.ID, Step: s.ID} // a retry of a creation already applied
		}
	}
	nodes, e := m.validateStep(j, &c)
	if e != nil {
		return failed(e)
	}
	s := Step{
		ID: j.NextStep, Name: c.Name, Nodes: slices.Clone(nodes), Tasks: c.Tasks, CPUs: max(c.CPUs, c.Tasks),
		StartTime: c.Time, TimeLimit: c.TimeLimit, SrunHost: c.SrunHost, SrunPID: c.SrunPID,
		Request: c.Request, Done: make([]bool, len(nodes)),
	}
	j.NextStep++
	j.Steps = append(j.Steps, s)
	return Result{Job: j.ID, Step: s.ID}
}

// validateStep checks a step request against the job's allocation and
// returns the nodes the step runs on.
func (m *Machine) validateStep(j *Job, c *StepCreate) ([]int, *Error) {
	switch {
	case j.NextStep >= MaxStepsPerJob:
		return nil, reject(ErrStepLimit, "Step limit reached for this job")
	case len(j.Steps) >= MaxLiveSteps:
		return nil, reject(ErrStepLimit, "more than %d steps running in job %d", MaxLiveSteps, j.ID)
	case len(c.Name) > MaxJobNameLen || len(c.SrunHost) > MaxStepHostLen:
		return nil, reject(ErrPathnameTooLong, "Pathname of a file, directory or other parameter too long")
	case c.Tasks < 1 || c.Tasks > MaxTasksPerJob:
		return nil, reject(ErrInvalidTaskCount, "Task count specification invalid")
	case c.CPUs < 0 || c.CPUs > MaxTasksPerJob:
		return nil, reject(ErrInvalidTaskCount, "Invalid CPU count %d", c.CPUs)
	case c.TimeLimit < 0:
		return nil, reject(ErrInvalidTimeLimit, "Requested time limit is invalid (missing or exceeds some limit)")
	case c.NumNodes < 0 || c.NumNodes > len(j.Nodes) || len(c.Nodes) > len(j.Nodes):
		return nil, reject(ErrInvalidNodeCount, "Node count specification invalid")
	}
	for k, n := range c.Nodes {
		if !slices.Contains(j.Nodes, n) || slices.Contains(c.Nodes[:k], n) {
			return nil, reject(ErrNodeConfigUnavail, "Requested node configuration is not available")
		}
	}
	// The required nodes, then further nodes of the job in its order until
	// there are NumNodes, all in the job's order.
	want := len(j.Nodes)
	if c.NumNodes > 0 || len(c.Nodes) > 0 {
		want = max(c.NumNodes, len(c.Nodes))
	}
	extra := want - len(c.Nodes)
	nodes := make([]int, 0, want)
	for _, n := range j.Nodes {
		switch {
		case slices.Contains(c.Nodes, n):
			nodes = append(nodes, n)
		case extra > 0:
			nodes = append(nodes, n)
			extra--
		}
	}
	if c.Tasks < len(nodes) {
		return nil, reject(ErrInvalidTaskCount, "Task count specification invalid")
	}
	cpus := 0
	for _, n := range nodes {
		held, _ := j.HoldSize(&m.nodes[n])
		cpus += held
	}
	if max(c.CPUs, c.Tasks) > cpus {
		return nil, reject(ErrTooManyCPUs, "More processors requested than permitted")
	}
	return nodes, nil
}

func (m *Machine) applyStepEnd(c StepEnd) Result {
	j := m.jobs[c.Job]
	if j == nil {
		return failed(reject(ErrInvalidJobID, "Invalid job id specified"))
	}
	if c.All {
		if c.UID != j.Spec.UID && !m.isOperator(c.UID) {
			return failed(reject(ErrUserIDMissing, "Invalid user id"))
		}
	} else if !m.isOperator(c.UID) {
		return failed(reject(ErrAccessDenied, "Access/permission denied"))
	}
	if !j.Running() {
		return failed(reject(ErrAlreadyDone, "Job/step already completing or completed"))
	}
	k := slices.IndexFunc(j.Steps, func(s Step) bool { return s.ID == c.Step })
	if k < 0 {
		return failed(reject(ErrAlreadyDone, "Job/step already completing or completed"))
	}
	s := &j.Steps[k]
	if !c.All && (c.First < 0 || c.Last < c.First || c.Last >= len(s.Nodes)) {
		return failed(reject(ErrGeneric, "step %d.%d has no nodes %d-%d", j.ID, s.ID, c.First, c.Last))
	}
	if c.All {
		j.Steps = slices.Delete(j.Steps, k, k+1)
		return Result{Job: j.ID, Step: c.Step}
	}
	for i := c.First; i <= c.Last; i++ {
		s.Done[i] = true
	}
	s.ExitCode = max(s.ExitCode, c.ExitCode)
	j.DerivedExitCode = max(j.DerivedExitCode, c.ExitCode) // Slurm's derived_ec: the worst step
	if !slices.Contains(s.Done, false) {
		j.Steps = slices.Delete(j.Steps, k, k+1)
	}
	return Result{Job: j.ID, Step: c.Step}
}

func (m *Machine) applyCompleteAllocation(c CompleteAllocation) Result {
	j := m.jobs[c.ID]
	if j == nil {
		return failed(reject(ErrInvalidJobID, "Invalid job id specified"))
	}
	if c.UID != j.Spec.UID && !m.isOperator(c.UID) {
		return failed(reject(ErrUserIDMissing, "Invalid user id"))
	}
	if j.State.Terminal() {
		return failed(reject(ErrAlreadyDone, "Job/step already completing or completed"))
	}
	if c.Cancel || j.State == JobPending {
		return m.end(j, JobCancelled, c.Time, "")
	}
	to := JobCompleted
	if c.ExitCode != 0 || c.Signal != 0 {
		to = JobFailed
	}
	j.ExitCode, j.Signal = c.ExitCode, c.Signal
	return m.end(j, to, c.Time, "")
}

func (c StepCreate) encode(w *writer) {
	w.uvarint(uint64(c.Job))
	w.varint(c.Time)
	w.uvarint(uint64(c.UID))
	w.uvarint(c.Request)
	w.str(c.Name)
	w.varint(int64(c.NumNodes))
	w.ints(c.Nodes)
	w.varint(int64(c.Tasks))
	w.varint(int64(c.CPUs))
	w.varint(c.TimeLimit)
	w.str(c.SrunHost)
	w.uvarint(uint64(c.SrunPID))
}

func decodeStepCreate(r *reader) StepCreate {
	return StepCreate{Job: JobID(r.u32()), Time: r.varint(), UID: r.u32(), Request: r.uvarint(),
		Name: r.str(), NumNodes: r.int(), Nodes: r.ints(), Tasks: r.int(), CPUs: r.int(),
		TimeLimit: r.varint(), SrunHost: r.str(), SrunPID: r.u32()}
}

func (c StepEnd) encode(w *writer) {
	w.uvarint(uint64(c.Job))
	w.uvarint(uint64(c.Step))
	w.varint(c.Time)
	w.uvarint(uint64(c.UID))
	w.varint(int64(c.First))
	w.varint(int64(c.Last))
	w.varint(int64(c.ExitCode))
	w.bool(c.All)
}

func decodeStepEnd(r *reader) StepEnd {
	return StepEnd{Job: JobID(r.u32()), Step: r.u32(), Time: r.varint(), UID: r.u32(),
		First: r.int(), Last: r.int(), ExitCode: r.int(), All: r.bool()}
}

func (c CompleteAllocation) encode(w *writer) {
	w.uvarint(uint64(c.ID))
	w.varint(c.Time)
	w.uvarint(uint64(c.UID))
	w.varint(int64(c.ExitCode))
	w.varint(int64(c.Signal))
	w.bool(c.Cancel)
}

func decodeCompleteAllocation(r *reader) CompleteAllocation {
	return CompleteAllocation{ID: JobID(r.u32()), Time: r.varint(), UID: r.u32(),
		ExitCode: r.int(), Signal: r.int(), Cancel: r.bool()}
}

// encodeSteps and decodeSteps are the snapshot form of a job's steps.
func encodeSteps(w *writer, j *Job) {
	w.uvarint(uint64(j.NextStep))
	w.varint(int64(j.DerivedExitCode))
	w.uvarint(uint64(len(j.Steps)))
	for i := range j.Steps {
		s := &j.Steps[i]
		w.uvarint(uint64(s.ID))
		w.str(s.Name)
		w.ints(s.Nodes)
		w.varint(int64(s.Tasks))
		w.varint(int64(s.CPUs))
		w.varint(s.StartTime)
		w.varint(s.TimeLimit)
		w.str(s.SrunHost)
		w.uvarint(uint64(s.SrunPID))
		w.uvarint(s.Request)
		w.uvarint(uint64(len(s.Done)))
		for _, d := range s.Done {
			w.bool(d)
		}
		w.varint(int64(s.ExitCode))
	}
}

func decodeSteps(r *reader, j *Job) {
	j.NextStep = r.u32()
	j.DerivedExitCode = r.int()
	n := r.length(MaxLiveSteps, 8)
	for i := 0; i < n && r.err == nil; i++ {
		s := Step{ID: r.u32(), Name: r.str(), Nodes: r.ints(), Tasks: r.int(), CPUs: r.int(),
			StartTime: r.varint(), TimeLimit: r.varint(), SrunHost: r.str(), SrunPID: r.u32(), Request: r.uvarint()}
		if k := r.length(MaxListLen, 1); k > 0 {
			s.Done = make([]bool, k)
			for d := range s.Done {
				s.Done[d] = r.bool()
			}
		}
		s.ExitCode = r.int()
		j.Steps = append(j.Steps, s)
	}
}
