package state

// The dynamic nodes section of a snapshot (version 3): MaxNodeCount, the
// partitions declared Nodes=ALL, and the dynamic nodes' own fields, each
// list in increasing index order. It follows the version 2 layout and is
// present exactly when it is not empty, so every state has one encoding.

func (m *Machine) hasDynamicSection() bool {
	if m.opts.MaxNodeCount != 0 {
		return true
	}
	for i := range m.parts {
		if m.parts[i].AllNodes {
			return true
		}
	}
	for i := range m.nodes {
		if m.nodes[i].Dynamic {
			return true
		}
	}
	return false
}

func (m *Machine) encodeDynamicSection(w *writer) {
	w.varint(int64(m.opts.MaxNodeCount))
	var all []int
	for i := range m.parts {
		if m.parts[i].AllNodes {
			all = append(all, i)
		}
	}
	w.ints(all)
	var dyn []int
	for i := range m.nodes {
		if m.nodes[i].Dynamic {
			dyn = append(dyn, i)
		}
	}
	w.uvarint(uint64(len(dyn)))
	for _, i := range dyn {
		n := &m.nodes[i]
		w.varint(int64(i))
		w.bool(n.Deleted)
		w.str(n.Addr)
		w.str(n.Hostname)
		w.varint(int64(n.Port))
	}
}

func (m *Machine) decodeDynamicSection(r *reader) {
	m.opts.MaxNodeCount = r.int()
	last := -1
	for _, i := range r.ints() {
		if i <= last || i >= len(m.parts) {
			r.fail("partition index %d out of order", i)
			return
		}
		m.parts[i].AllNodes, last = true, i
	}
	last = -1
	n := r.length(MaxListLen, 5)
	for k := 0; k < n && r.err == nil; k++ {
		i := r.int()
		if i <= last || i >= len(m.nodes) {
			r.fail("node index %d out of order", i)
			return
		}
		node := &m.nodes[i]
		node.Dynamic, last = true, i
		node.Deleted, node.Addr, node.Hostname, node.Port = r.bool(), r.str(), r.str(), r.int()
	}
	if r.err == nil && !m.hasDynamicSection() {
		r.fail("empty dynamic nodes section")
	}
}
