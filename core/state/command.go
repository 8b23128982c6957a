package state

import "fmt"

// A Command is one replicated state change. Commands are values: they carry
// every input Apply needs, including the time, which the proposing leader
// reads from its injected clock. Apply never reads a clock.
type Command interface {
	kind() cmdKind
	encode(w *writer)
}

type cmdKind uint8

const (
	kindSubmit cmdKind = iota + 1
	kindCancel
	kindUpdate
	kindRequeue
	kindStart
	kindProcEnded
	kindRegister
	kindNodeDown
	kindNodeAdmin
	kindTimeout
	kindPurge
	kindStepCreate
	kindStepEnd
	kindCompleteAllocation
	kindNodeCreate
	kindEnd
)

// encodingVersion prefixes every encoded command so a later release can
// change a layout without misreading old log entries.
const encodingVersion = 1

// Submit creates a job. Client and Seq identify the request so a client's
// retry after a failover returns the job created the first time instead of
// creating a second one.
type Submit struct {
	Client string
	Seq    uint64
	Time   int64
	Spec   JobSpec
}

// Cancel ends a pending or running job (scancel). With Array set, ID
// names a whole job array: every unfinished task of it is cancelled (a job
// that is no array's id is cancelled alone, as scancel N_* does).
type Cancel struct {
	ID    JobID
	Time  int64
	UID   uint32
	Array bool
}

// Update changes fields of a job (scontrol update job). A nil field is
// left alone.
type Update struct {
	ID        JobID
	Time      int64
	UID       uint32
	TimeLimit *int64
	Priority  *uint32
	Nice      *int
	Name      *string
	Partition *string
	NumNodes  *int
	Hold      *bool
	ReqNodes  *[]int // scontrol update ReqNodeList=: a pending job's new list
	ExcNodes  *[]int
}

// Requeue sends a running job back to pending with a new attempt
// (scontrol requeue).
type Requeue struct {
	ID   JobID
	Time int64
	UID  uint32
}

// Start records scheduler placements. Apply checks each one again against
// the state at that index (Nomad's plan applier): a placement that no longer
// fits is skipped, the others still start.
type Start struct {
	Time   int64
	Term   uint64
	Allocs []Alloc
}

// Alloc places one pending job on nodes, batch host first.
type Alloc struct {
	ID    JobID
	Nodes []int
}

// ProcEnded reports that a job attempt's processes on one node are gone.
// From the batch host it also ends the job with the script's exit status.
type ProcEnded struct {
	Node     int
	Job      JobAttempt
	Time     int64
	ExitCode int
	Signal   int
	OOM      bool // killed for exceeding its memory limit: the job ends OUT_OF_MEMORY
}

// Register records a node agent (re)joining: its real resources, its boot
// incarnation and the job attempts it still runs.
type Register struct {
	Node        int
	Time        int64
	CPUs        int
	MemMB       int64
	Incarnation uint64
	Running     []JobAttempt
}

// NodeDown marks a node down after it stopped answering. Jobs running on it
// are requeued or fail with NODE_FAIL.
type NodeDown struct {
	Node   int
	Time   int64
	Reason string
}

// NodeAdminOp is an administrator's node state change.
type NodeAdminOp uint8

const (
	NodeDrain NodeAdminOp = iota + 1
	NodeResume
	NodeSetDown
)

// NodeAdmin is scontrol update NodeName=… State=….
type NodeAdmin struct {
	Node   int
	Time   int64
	UID    uint32
	Op     NodeAdminOp
	Reason string
}

// Timeout ends a running attempt that exceeded its time limit.
type Timeout struct {
	Job  JobAttempt
	Time int64
}

// Purge forgets finished jobs older than MinJobAge that hold nothing.
type Purge struct {
	Time int64
}

func (Submit) kind() cmdKind    { return kindSubmit }
func (Cancel) kind() cmdKind    { return kindCancel }
func (Update) kind() cmdKind    { return kindUpdate }
func (Requeue) kind() cmdKind   { return kindRequeue }
func (Start) kind() cmdKind     { return kindStart }
func (ProcEnded) kind() cmdKind { return kindProcEnded }
func (Register) kind() cmdKind  { return kindRegister }
func (NodeDown) kind() cmdKind  { return kindNodeDown }
func (NodeAdmin) kind() cmdKind { return kindNodeAdmin }
func (Timeout) kind() cmdKind   { return kindTimeout }
func (Purge) kind() cmdKind     { return kindPurge }

// Encode returns the stable binary form of c.
func Encode(c Command) []byte {
	w := &writer{buf: make([]byte, 0, 64)}
	w.u8(encodingVersion)
	w.u8(uint8(c.kind()))
	c.encode(w)
	return w.buf
}

// Decode parses bytes written by Encode. Every byte must be consumed.
func Decode(b []byte) (Command, error) {
	if len(b) > MaxCommandLen {
		return nil, fmt.Errorf("%w: command of %d bytes exceeds %d", ErrCorrupt, len(b), MaxCommandLen)
	}
	r := &reader{buf: b}
	if v := r.u8(); r.err == nil && v != encodingVersion {
		return nil, fmt.Errorf("%w: unknown encoding version %d", ErrCorrupt, v)
	}
	k := cmdKind(r.u8())
	if r.err != nil {
		return nil, r.err
	}
	var c Command
	switch k {
	case kindSubmit:
		c = decodeSubmit(r)
	case kindCancel:
		c = Cancel{ID: JobID(r.u32()), Time: r.varint(), UID: r.u32(), Array: r.bool()}
	case kindUpdate:
		c = decodeUpdate(r)
	case kindRequeue:
		c = Requeue{ID: JobID(r.u32()), Time: r.varint(), UID: r.u32()}
	case kindStart:
		c = decodeStart(r)
	case kindProcEnded:
		c = ProcEnded{Node: r.int(), Job: decodeAttempt(r), Time: r.varint(), ExitCode: r.int(), Signal: r.int(), OOM: r.bool()}
	case kindRegister:
		c = decodeRegister(r)
	case kindNodeDown:
		c = NodeDown{Node: r.int(), Time: r.varint(), Reason: r.str()}
	case kindNodeAdmin:
		c = NodeAdmin{Node: r.int(), Time: r.varint(), UID: r.u32(), Op: NodeAdminOp(r.u8()), Reason: r.str()}
	case kindTimeout:
		c = Timeout{Job: decodeAttempt(r), Time: r.varint()}
	case kindPurge:
		c = Purge{Time: r.varint()}
	case kindStepCreate:
		c = decodeStepCreate(r)
	case kindStepEnd:
		c = decodeStepEnd(r)
	case kindCompleteAllocation:
		c = decodeCompleteAllocation(r)
	case kindNodeCreate:
		c = decodeNodeCreate(r)
	default:
		return nil, fmt.Errorf("%w: unknown command kind %d", ErrCorrupt, k)
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c Submit) encode(w *writer) {
	w.str(c.Client)
	w.uvarint(c.Seq)
	w.varint(c.Time)
	encodeSpec(w, &c.Spec)
}

func decodeSubmit(r *reader) Submit {
	c := Submit{Client: r.str(), Seq: r.uvarint(), Time: r.varint()}
	c.Spec = decodeSpec(r)
	return c
}

func encodeSpec(w *writer, s *JobSpec) {
	w.str(s.Name)
	w.uvarint(uint64(s.UID))
	w.uvarint(uint64(s.GID))
	w.str(s.User)
	w.str(s.Partition)
	w.varint(int64(s.NumNodes))
	w.varint(int64(s.NumTasks))
	w.varint(int64(s.CPUsPerTask))
	w.varint(s.MemPerNode)
	w.varint(s.MemPerCPU)
	w.varint(s.TimeLimit)
	w.varint(s.BeginTime)
	w.varint(int64(s.Nice))
	w.uvarint(uint64(s.Priority))
	w.bool(s.Hold)
	w.bool(s.Requeue)
	w.bool(s.Exclusive)
	w.str(s.WorkDir)
	w.str(s.StdOut)
	w.str(s.StdErr)
	w.str(s.Comment)
	w.str(s.Script)
	w.strs(s.Env)
	w.uvarint(uint64(len(s.Dependencies)))
	for _, d := range s.Dependencies {
		w.u8(uint8(d.Type))
		w.uvarint(uint64(d.Job))
	}
	w.bool(s.DependAny)
	w.uvarint(uint64(len(s.ArrayTasks)))
	for _, t := range s.ArrayTasks {
		w.uvarint(uint64(t))
	}
	w.strs(s.Argv)
	w.str(s.StdIn)
	w.bool(s.OpenAppend)
	w.str(s.SubmitHost)
	w.ints(s.ReqNodes)
	w.ints(s.ExcNodes)
}

func decodeSpec(r *reader) JobSpec {
	s := JobSpec{
		Name: r.str(), UID: r.u32(), GID: r.u32(), User: r.str(), Partition: r.str(),
		NumNodes: r.int(), NumTasks: r.int(), CPUsPerTask: r.int(),
		MemPerNode: r.varint(), MemPerCPU: r.varint(), TimeLimit: r.varint(), BeginTime: r.varint(),
		Nice: r.int(), Priority: r.u32(), Hold: r.bool(), Requeue: r.bool(), Exclusive: r.bool(),
		WorkDir: r.str(), StdOut: r.str(), StdErr: r.str(), Comment: r.str(), Script: r.str(),
		Env: r.strs(),
	}
	if n := r.length(MaxDependencies, 2); n > 0 {
		s.Dependencies = make([]Dependency, n)
		for i := range s.Dependencies {
			s.Dependencies[i] = Dependency{Type: DependType(r.u8()), Job: JobID(r.u32())}
		}
	}
	s.DependAny = r.bool()
	if n := r.length(MaxArraySizeLimit, 1); n > 0 {
		s.ArrayTasks = make([]uint32, n)
		for i := range s.ArrayTasks {
			s.ArrayTasks[i] = r.u32()
		}
	}
	s.Argv = r.strs()
	s.StdIn = r.str()
	s.OpenAppend = r.bool()
	s.SubmitHost = r.str()
	s.ReqNodes = r.ints()
	s.ExcNodes = r.ints()
	return s
}

func (c Cancel) encode(w *writer) {
	w.uvarint(uint64(c.ID))
	w.varint(c.Time)
	w.uvarint(uint64(c.UID))
	w.bool(c.Array)
}

func (c Requeue) encode(w *writer) {
	w.uvarint(uint64(c.ID))
	w.varint(c.Time)
	w.uvarint(uint64(c.UID))
}

// Update fields are written as a presence bitmap followed by the present
// values, so adding a field later keeps old entries readable.
func (c Update) encode(w *writer) {
	w.uvarint(uint64(c.ID))
	w.varint(c.Time)
	w.uvarint(uint64(c.UID))
	var mask uint64
	for i, present := range []bool{c.TimeLimit != nil, c.Priority != nil, c.Nice != nil,
		c.Name != nil, c.Partition != nil, c.NumNodes != nil, c.Hold != nil, c.ReqNodes != nil, c.ExcNodes != nil} {
		if present {
			mask |= 1 << i
		}
	}
	w.uvarint(mask)
	if c.TimeLimit != nil {
		w.varint(*c.TimeLimit)
	}
	if c.Priority != nil {
		w.uvarint(uint64(*c.Priority))
	}
	if c.Nice != nil {
		w.varint(int64(*c.Nice))
	}
	if c.Name != nil {
		w.str(*c.Name)
	}
	if c.Partition != nil {
		w.str(*c.Partition)
	}
	if c.NumNodes != nil {
		w.varint(int64(*c.NumNodes))
	}
	if c.Hold != nil {
		w.bool(*c.Hold)
	}
	if c.ReqNodes != nil {
		w.ints(*c.ReqNodes)
	}
	if c.ExcNodes != nil {
		w.ints(*c.ExcNodes)
	}
}

func decodeUpdate(r *reader) Update {
	c := Update{ID: JobID(r.u32()), Time: r.varint(), UID: r.u32()}
	mask := r.uvarint()
	if mask >= 1<<9 {
		r.fail("unknown update fields %#x", mask)
		return c
	}
	if mask&(1<<0) != 0 {
		v := r.varint()
		c.TimeLimit = &v
	}
	if mask&(1<<1) != 0 {
		v := r.u32()
		c.Priority = &v
	}
	if mask&(1<<2) != 0 {
		v := r.int()
		c.Nice = &v
	}
	if mask&(1<<3) != 0 {
		v := r.str()
		c.Name = &v
	}
	if mask&(1<<4) != 0 {
		v := r.str()
		c.Partition = &v
	}
	if mask&(1<<5) != 0 {
		v := r.int()
		c.NumNodes = &v
	}
	if mask&(1<<6) != 0 {
		v := r.bool()
		c.Hold = &v
	}
	if mask&(1<<7) != 0 {
		v := r.ints()
		c.ReqNodes = &v
	}
	if mask&(1<<8) != 0 {
		v := r.ints()
		c.ExcNodes = &v
	}
	return c
}

func (c Start) encode(w *writer) {
	w.varint(c.Time)
	w.uvarint(c.Term)
	w.uvarint(uint64(len(c.Allocs)))
	for _, a := range c.Allocs {
		w.uvarint(uint64(a.ID))
		w.ints(a.Nodes)
	}
}

func decodeStart(r *reader) Start {
	c := Start{Time: r.varint(), Term: r.uvarint()}
	n := r.length(MaxListLen, 2)
	for i := 0; i < n && r.err == nil; i++ {
		c.Allocs = append(c.Allocs, Alloc{ID: JobID(r.u32()), Nodes: r.ints()})
	}
	return c
}

func encodeAttempt(w *writer, a JobAttempt) {
	w.uvarint(uint64(a.ID))
	w.uvarint(uint64(a.Attempt))
}

func decodeAttempt(r *reader) JobAttempt {
	return JobAttempt{ID: JobID(r.u32()), Attempt: r.u32()}
}

func (c ProcEnded) encode(w *writer) {
	w.varint(int64(c.Node))
	encodeAttempt(w, c.Job)
	w.varint(c.Time)
	w.varint(int64(c.ExitCode))
	w.varint(int64(c.Signal))
	w.bool(c.OOM)
}

func (c Register) encode(w *writer) {
	w.varint(int64(c.Node))
	w.varint(c.Time)
	w.varint(int64(c.CPUs))
	w.varint(c.MemMB)
	w.uvarint(c.Incarnation)
	w.uvarint(uint64(len(c.Running)))
	for _, a := range c.Running {
		encodeAttempt(w, a)
	}
}

func decodeRegister(r *reader) Register {
	c := Register{Node: r.int(), Time: r.varint(), CPUs: r.int(), MemMB: r.varint(), Incarnation: r.uvarint()}
	n := r.length(MaxListLen, 2)
	for i := 0; i < n && r.err == nil; i++ {
		c.Running = append(c.Running, decodeAttempt(r))
	}
	return c
}

func (c NodeDown) encode(w *writer) {
	w.varint(int64(c.Node))
	w.varint(c.Time)
	w.str(c.Reason)
}

func (c NodeAdmin) encode(w *writer) {
	w.varint(int64(c.Node))
	w.varint(c.Time)
	w.uvarint(uint64(c.UID))
	w.u8(uint8(c.Op))
	w.str(c.Reason)
}

func (c Timeout) encode(w *writer) {
	encodeAttempt(w, c.Job)
	w.varint(c.Time)
}

func (c Purge) encode(w *writer) { w.varint(c.Time) }
