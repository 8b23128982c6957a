package state

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"slices"
)

// snapshotVersion 2 added job steps (and the derived exit code with
// them); Restore still reads version 1
// snapshots (no steps), so a stored snapshot survives the upgrade.
// Version 3 is version 2 followed by the dynamic nodes section
// (dynamic.go); it is written only when that section is not empty, so a
// cluster that uses no dynamic nodes keeps its version 2 bytes.
const (
	snapshotVersion        = 2
	snapshotVersionDynamic = 3
)

// Snapshot encodes the whole state deterministically: the same state always
// gives the same bytes, so replicas can compare hashes.
func (m *Machine) Snapshot() []byte {
	w := &writer{buf: make([]byte, 0, 256+128*len(m.order))}
	version := uint8(snapshotVersion)
	if m.hasDynamicSection() {
		version = snapshotVersionDynamic
	}
	w.u8(version)
	o := m.opts
	w.uvarint(uint64(o.FirstJobID))
	w.varint(int64(o.MaxJobCount))
	w.bool(o.JobRequeue)
	w.varint(o.MinJobAge)
	w.uvarint(uint64(o.SlurmUID))
	w.varint(int64(o.ReturnToService))
	w.varint(int64(o.MaxArraySize))
	w.uvarint(uint64(m.nextID))
	w.uvarint(uint64(len(m.nodes)))
	for i := range m.nodes {
		encodeNode(w, &m.nodes[i])
	}
	w.uvarint(uint64(len(m.parts)))
	for i := range m.parts {
		encodePartition(w, &m.parts[i])
	}
	w.uvarint(uint64(len(m.order)))
	for _, id := range m.order {
		encodeJob(w, m.jobs[id])
	}
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		return cmp.Or(cmp.Compare(a.client, b.client), cmp.Compare(a.seq, b.seq))
	})
	w.uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k.client)
		w.uvarint(k.seq)
		w.uvarint(uint64(m.requests[k]))
	}
	if version == snapshotVersionDynamic {
		m.encodeDynamicSection(w)
	}
	return w.buf
}

// Hash is the SHA-256 of the snapshot encoding.
func (m *Machine) Hash() [32]byte { return sha256.Sum256(m.Snapshot()) }

// Restore rebuilds a Machine from Snapshot bytes and checks its invariants.
func Restore(b []byte) (*Machine, error) {
	r := &reader{buf: b}
	version := r.u8()
	if r.err == nil && (version < 1 || version > snapshotVersionDynamic) {
		return nil, fmt.Errorf("%w: unknown snapshot version %d", ErrCorrupt, version)
	}
	m := &Machine{
		nodeIndex: make(map[string]int), partIndex: make(map[string]int),
		jobs: make(map[JobID]*Job), requests: make(map[requestKey]JobID),
	}
	m.opts = Options{FirstJobID: JobID(r.u32()), MaxJobCount: r.int(), JobRequeue: r.bool(),
		MinJobAge: r.varint(), SlurmUID: r.u32(), ReturnToService: r.int(),
		MaxArraySize: r.int()}
	m.nextID = JobID(r.u32())
	n := r.length(MaxListLen, 4)
	for i := 0; i < n && r.err == nil; i++ {
		node := decodeNode(r)
		m.nodeIndex[node.Name] = i
		m.nodes = append(m.nodes, node)
	}
	n = r.length(MaxListLen, 4)
	for i := 0; i < n && r.err == nil; i++ {
		p := decodePartition(r)
		m.partIndex[p.Name] = i
		m.parts = append(m.parts, p)
	}
	n = r.length(MaxListLen, 8)
	for i := 0; i < n && r.err == nil; i++ {
		j := decodeJob(r, version)
		if r.err == nil {
			if _, dup := m.jobs[j.ID]; dup || (len(m.order) > 0 && j.ID <= m.order[len(m.order)-1]) {
				r.fail("job %d out of order", j.ID)
				break
			}
			m.addJob(j)
		}
	}
	n = r.length(MaxListLen, 3)
	for i := 0; i < n && r.err == nil; i++ {
		k := requestKey{client: r.str(), seq: r.uvarint()}
		m.requests[k] = JobID(r.u32())
	}
	if version == snapshotVersionDynamic {
		m.decodeDynamicSection(r)
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	if len(m.nodeIndex) != len(m.nodes) || len(m.partIndex) != len(m.parts) {
		return nil, fmt.Errorf("%w: duplicate node or partition names", ErrCorrupt)
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return m, nil
}

func encodeNode(w *writer, n *Node) {
	w.str(n.Name)
	w.varint(int64(n.CPUs))
	w.varint(n.MemMB)
	w.varint(int64(n.Weight))
	w.bool(n.Registered)
	w.bool(n.Down)
	w.bool(n.DownByAdmin)
	w.bool(n.Drain)
	w.str(n.Reason)
	w.varint(n.ReasonTime)
	w.uvarint(n.Incarnation)
	w.uvarint(uint64(len(n.Holds)))
	for _, h := range n.Holds {
		encodeAttempt(w, h.JobAttempt)
		w.varint(int64(h.CPUs))
		w.varint(h.MemMB)
	}
}

func decodeNode(r *reader) Node {
	n := Node{Name: r.str(), CPUs: r.int(), MemMB: r.varint(), Weight: r.int(),
		Registered: r.bool(), Down: r.bool(), DownByAdmin: r.bool(), Drain: r.bool(),
		Reason: r.str(), ReasonTime: r.varint(), Incarnation: r.uvarint()}
	k := r.length(MaxListLen, 4)
	for i := 0; i < k && r.err == nil; i++ {
		n.Holds = append(n.Holds, Hold{JobAttempt: decodeAttempt(r), CPUs: r.int(), MemMB: r.varint()})
	}
	return n
}

func encodePartition(w *writer, p *Partition) {
	w.str(p.Name)
	w.ints(p.Nodes)
	w.bool(p.Default)
	w.u8(uint8(p.State))
	w.varint(p.MaxTime)
	w.varint(p.DefaultTime)
	w.varint(int64(p.MaxNodes))
	w.varint(int64(p.PriorityTier))
}

func decodePartition(r *reader) Partition {
	return Partition{Name: r.str(), Nodes: r.ints(), Default: r.bool(), State: PartitionState(r.u8()),
		MaxTime: r.varint(), DefaultTime: r.varint(), MaxNodes: r.int(), PriorityTier: r.int()}
}

func encodeJob(w *writer, j *Job) {
	w.uvarint(uint64(j.ID))
	encodeSpec(w, &j.Spec)
	w.u8(uint8(j.State))
	w.str(j.Reason)
	w.uvarint(uint64(j.Priority))
	w.uvarint(uint64(j.Attempt))
	w.varint(int64(j.Partition))
	w.varint(j.SubmitTime)
	w.varint(j.StartTime)
	w.varint(j.EndTime)
	w.ints(j.Nodes)
	w.varint(int64(j.CPUsPerNode))
	w.varint(j.MemPerNode)
	w.varint(j.TimeLimit)
	w.varint(int64(j.ExitCode))
	w.varint(int64(j.Signal))
	w.uvarint(j.LaunchTerm)
	w.uvarint(uint64(j.ArrayJobID))
	w.uvarint(uint64(j.ArrayTaskID))
	encodeSteps(w, j)
}

func decodeJob(r *reader, version uint8) *Job {
	j := &Job{ID: JobID(r.u32())}
	j.Spec = decodeSpec(r)
	j.State = JobState(r.u8())
	j.Reason = r.str()
	j.Priority = r.u32()
	j.Attempt = r.u32()
	j.Partition = r.int()
	j.SubmitTime, j.StartTime, j.EndTime = r.varint(), r.varint(), r.varint()
	j.Nodes = r.ints()
	j.CPUsPerNode = r.int()
	j.MemPerNode = r.varint()
	j.TimeLimit = r.varint()
	j.ExitCode, j.Signal = r.int(), r.int()
	j.LaunchTerm = r.uvarint()
	j.ArrayJobID, j.ArrayTaskID = JobID(r.u32()), r.u32()
	if version >= 2 {
		decodeSteps(r, j)
	}
	return j
}
