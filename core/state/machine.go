package state

import (
	"fmt"
	"slices"
)

// Cluster is the configuration a Machine starts from. Every replica builds
// its Machine from the same slurm.conf, so initial states are identical.
type Cluster struct {
	Options    Options
	Nodes      []NodeConfig
	Partitions []Partition
}

// NodeConfig is a node as slurm.conf declares it.
type NodeConfig struct {
	Name   string
	CPUs   int
	MemMB  int64
	Weight int
}

// Options (continued) that Apply needs.
const (
	// basePriority is one above the priority of the first job under
	// Slurm's priority/basic (0xFFFF0000 - 1 = 4294901759 for job 1, as
	// real slurmctld gives it); each later job gets one less, so older
	// jobs go first.
	basePriority = 0xFFFF0000
)

// Machine is the replicated cluster state: jobs, nodes and partitions. It is
// a deterministic state machine: the same commands in the same order give
// the same state, byte for byte (see Snapshot and Hash). It is not safe for
// concurrent use; the controller owns it.
type Machine struct {
	opts      Options
	nodes     []Node
	nodeIndex map[string]int
	parts     []Partition
	partIndex map[string]int
	jobs      map[JobID]*Job
	order     []JobID // job ids in increasing order, for deterministic iteration
	nextID    JobID
	requests  map[requestKey]JobID // submit de-duplication

	// OnTransition, if set, is called for every job state change Apply
	// makes. It is not part of the state; checkers use it.
	OnTransition func(id JobID, from, to JobState)
}

type requestKey struct {
	client string
	seq    uint64
}

// New builds the initial state. It returns an error if the cluster
// description is inconsistent (duplicate names, bad node indexes).
func New(c Cluster) (*Machine, error) {
	m := &Machine{
		opts:      c.Options,
		nodeIndex: make(map[string]int, len(c.Nodes)),
		partIndex: make(map[string]int, len(c.Partitions)),
		jobs:      make(map[JobID]*Job),
		requests:  make(map[requestKey]JobID),
	}
	if m.opts.FirstJobID == 0 {
		m.opts.FirstJobID = 1
	}
	if m.opts.MaxJobCount <= 0 {
		m.opts.MaxJobCount = 10000
	}
	if m.opts.MaxArraySize <= 0 {
		m.opts.MaxArraySize = DefaultMaxArraySize
	}
	if m.opts.MaxArraySize > MaxArraySizeLimit {
		return nil, fmt.Errorf("MaxArraySize %d above %d", m.opts.MaxArraySize, MaxArraySizeLimit)
	}
	if m.opts.MaxNodeCount < 0 || m.opts.MaxNodeCount > MaxNodeCountLimit {
		return nil, fmt.Errorf("MaxNodeCount %d out of range 0..%d", m.opts.MaxNodeCount, MaxNodeCountLimit)
	}
	m.nextID = m.opts.FirstJobID
	for i, nc := range c.Nodes {
		if _, dup := m.nodeIndex[nc.Name]; dup || nc.Name == "" {
			return nil, fmt.Errorf("node %d: duplicate or empty name %q", i, nc.Name)
		}
		if nc.CPUs <= 0 || nc.MemMB < 0 {
			return nil, fmt.Errorf("node %s: invalid resources cpus=%d mem=%d", nc.Name, nc.CPUs, nc.MemMB)
		}
		m.nodeIndex[nc.Name] = i
		m.nodes = append(m.nodes, Node{Name: nc.Name, CPUs: nc.CPUs, MemMB: nc.MemMB, Weight: nc.Weight})
	}
	for i, p := range c.Partitions {
		if _, dup := m.partIndex[p.Name]; dup || p.Name == "" {
			return nil, fmt.Errorf("partition %d: duplicate or empty name %q", i, p.Name)
		}
		for _, n := range p.Nodes {
			if n < 0 || n >= len(m.nodes) {
				return nil, fmt.Errorf("partition %s: node index %d out of range", p.Name, n)
			}
		}
		p.Nodes = slices.Clone(p.Nodes)
		m.partIndex[p.Name] = i
		m.parts = append(m.parts, p)
	}
	return m, nil
}

// Options returns the cluster options.
func (m *Machine) Options() Options { return m.opts }

// Job returns the job with the given id, or nil. The result must not be modified.
func (m *Machine) Job(id JobID) *Job { return m.jobs[id] }

// NumJobs is the number of job records kept.
func (m *Machine) NumJobs() int { return len(m.order) }

// Jobs calls fn for every job in increasing id order. fn must not modify the job.
func (m *Machine) Jobs(fn func(*Job) bool) {
	for _, id := range m.order {
		if !fn(m.jobs[id]) {
			return
		}
	}
}

// Nodes returns the nodes; the slice must not be modified.
func (m *Machine) Nodes() []Node { return m.nodes }

// NodeIndex finds a node by name.
func (m *Machine) NodeIndex(name string) (int, bool) {
	i, ok := m.nodeIndex[name]
	return i, ok
}

// Partitions returns the partitions; the slice must not be modified.
func (m *Machine) Partitions() []Partition { return m.parts }

// NextJobID is the id the next submitted job will get.
func (m *Machine) NextJobID() JobID { return m.nextID }

// isOperator reports whether uid may act on any job: root or SlurmUser.
func (m *Machine) isOperator(uid uint32) bool { return uid == 0 || uid == m.opts.SlurmUID }

func (m *Machine) defaultPartition() (int, bool) {
	for i, p := range m.parts {
		if p.Default {
			return i, true
		}
	}
	return 0, false
}

func (m *Machine) addJob(j *Job) {
	m.jobs[j.ID] = j
	m.order = append(m.order, j.ID) // ids only grow, so order stays sorted
}

// removeHold drops a job attempt's hold from a node, reporting whether one was there.
func (n *Node) removeHold(a JobAttempt) bool {
	for i, h := range n.Holds {
		if h.JobAttempt == a {
			n.Holds = slices.Delete(n.Holds, i, i+1)
			return true
		}
	}
	return false
}

// regrowHolds gives the holds of node n that are smaller than their job's
// hold size what has become free, in (job, attempt) order. A registration
// cuts holds to the node's capacity: it may list an attempt whose end was
// already recorded (a restarted node daemon adopts its launch records
// before it delivers the exits it found), and that attempt's hold crowds
// the later ones. Once that attempt's end arrives again, the others must
// grow back to what their processes use, or the node looks emptier than
// it is and is sent work its daemon must refuse. A hold may then be larger
// than what an old attempt really used (its job was resized since), which
// errs on the side of the node's daemon.
func (m *Machine) regrowHolds(n int) {
	node := &m.nodes[n]
	for i := range node.Holds {
		h := &node.Holds[i]
		j := m.jobs[h.ID]
		if j == nil {
			continue
		}
		wantCPUs, wantMem := j.HoldSize(node)
		if h.CPUs >= wantCPUs && h.MemMB >= wantMem {
			continue
		}
		usedCPUs, usedMem := node.AllocCPUs()
		h.CPUs = max(h.CPUs, min(wantCPUs, h.CPUs+node.CPUs-usedCPUs))
		h.MemMB = max(h.MemMB, min(wantMem, h.MemMB+node.MemMB-usedMem))
	}
}

func (n *Node) hasHold(a JobAttempt) bool {
	for _, h := range n.Holds {
		if h.JobAttempt == a {
			return true
		}
	}
	return false
}

// addHold inserts a hold keeping Holds sorted by (job, attempt).
func (n *Node) addHold(h Hold) {
	i, _ := slices.BinarySearchFunc(n.Holds, h.JobAttempt, func(x Hold, a JobAttempt) int {
		if x.ID != a.ID {
			return cmpU32(uint32(x.ID), uint32(a.ID))
		}
		return cmpU32(x.Attempt, a.Attempt)
	})
	n.Holds = slices.Insert(n.Holds, i, h)
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// HeldBy lists the nodes holding resources for attempt a.
func (m *Machine) HeldBy(a JobAttempt) []int {
	var out []int
	for i := range m.nodes {
		if m.nodes[i].hasHold(a) {
			out = append(out, i)
		}
	}
	return out
}
