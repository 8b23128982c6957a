package slurmproto

// Run-length tables that Slurm packs as a count followed by parallel
// arrays. The Go side keeps rows so the arrays cannot disagree in length.

// CPUGroups is a u32 group count, then (only if > 0) u16arr CPUs and
// u32arr repetition counts: Reps consecutive nodes have CPUs CPUs each.
type CPUGroups []CPUGroup

// CPUGroup says Reps consecutive nodes have CPUs CPUs each.
type CPUGroup struct {
	CPUs uint16
	Reps uint32
}

func (g *CPUGroups) encodeWire(w *writer) {
	w.count(len(*g))
	if len(*g) == 0 {
		return
	}
	w.count(len(*g))
	for _, x := range *g {
		w.u16(x.CPUs)
	}
	w.count(len(*g))
	for _, x := range *g {
		w.u32(x.Reps)
	}
}

func (g *CPUGroups) decodeWire(r *reader) {
	n := r.count(6)
	if n == 0 || r.err != nil {
		return
	}
	cpus := readArray(r, 2, uint32(n), func() uint64 { return uint64(r.u16()) })
	reps := readArray(r, 4, uint32(n), func() uint64 { return uint64(r.u32()) })
	if r.err != nil {
		return
	}
	out := make(CPUGroups, n)
	for i := range out {
		out[i] = CPUGroup{uint16(cpus[i]), uint32(reps[i])}
	}
	*g = out
}

func (*CPUGroups) minWireSize() int { return 4 }

// CoreLayouts is a u16 count, then (only if > 0) u16arr cores_per_socket,
// u16arr sockets_per_node and u32arr sock_core_rep_count.
type CoreLayouts []CoreLayout

// CoreLayout says Reps consecutive nodes have SocketsPerNode sockets of
// CoresPerSocket cores.
type CoreLayout struct {
	CoresPerSocket uint16
	SocketsPerNode uint16
	Reps           uint32
}

func (c *CoreLayouts) encodeWire(w *writer) {
	if len(*c) > 0xffff {
		w.fail("%d core layouts do not fit a u16 count", len(*c))
	}
	w.u16(uint16(len(*c)))
	if len(*c) == 0 {
		return
	}
	w.count(len(*c))
	for _, x := range *c {
		w.u16(x.CoresPerSocket)
	}
	w.count(len(*c))
	for _, x := range *c {
		w.u16(x.SocketsPerNode)
	}
	w.count(len(*c))
	for _, x := range *c {
		w.u32(x.Reps)
	}
}

func (c *CoreLayouts) decodeWire(r *reader) {
	n := r.checkCount(uint32(r.u16()), 8)
	if n == 0 || r.err != nil {
		return
	}
	cores := readArray(r, 2, uint32(n), func() uint64 { return uint64(r.u16()) })
	sockets := readArray(r, 2, uint32(n), func() uint64 { return uint64(r.u16()) })
	reps := readArray(r, 4, uint32(n), func() uint64 { return uint64(r.u32()) })
	if r.err != nil {
		return
	}
	out := make(CoreLayouts, n)
	for i := range out {
		out[i] = CoreLayout{uint16(cores[i]), uint16(sockets[i]), uint32(reps[i])}
	}
	*c = out
}

func (*CoreLayouts) minWireSize() int { return 2 }

// MemAllocs is a u32 count, then (only if > 0) u64arr megabytes and u32arr
// repetition counts.
type MemAllocs []MemAlloc

// MemAlloc says Reps consecutive nodes have MB megabytes allocated.
type MemAlloc struct {
	MB   uint64
	Reps uint32
}

func (m *MemAllocs) encodeWire(w *writer) {
	w.count(len(*m))
	if len(*m) == 0 {
		return
	}
	w.count(len(*m))
	for _, x := range *m {
		w.u64(x.MB)
	}
	w.count(len(*m))
	for _, x := range *m {
		w.u32(x.Reps)
	}
}

func (m *MemAllocs) decodeWire(r *reader) {
	n := r.count(12)
	if n == 0 || r.err != nil {
		return
	}
	mb := readArray(r, 8, uint32(n), r.u64)
	reps := readArray(r, 4, uint32(n), func() uint64 { return uint64(r.u32()) })
	if r.err != nil {
		return
	}
	out := make(MemAllocs, n)
	for i := range out {
		out[i] = MemAlloc{mb[i], uint32(reps[i])}
	}
	*m = out
}

func (*MemAllocs) minWireSize() int { return 4 }
