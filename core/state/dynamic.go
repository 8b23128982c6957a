package state

import (
	"fmt"
	"slices"
	"strings"
)

// Dynamic nodes (Slurm 22.05's slurmd -Z). A node daemon for a name that
// slurm.conf does not declare asks to join; the leader proposes NodeCreate,
// which appends a node record (or revives the tombstone of a deleted node
// of the same name) and adds it to every partition declared Nodes=ALL. The
// node then registers like any other. scontrol delete nodename= turns an
// idle dynamic node into a tombstone (NodeAdmin with NodeDelete): the
// record keeps its index and name, because finished job records refer to
// nodes by index, but it is in no partition, takes no work and is not
// listed.
//
// The node table is bounded by MaxNodeCount (static nodes included), as
// slurmctld's node_record_table is. When it is full a tombstone that no
// job record refers to any more is reused for the new name.

// NodeDelete removes a dynamic node (scontrol delete nodename=).
const NodeDelete NodeAdminOp = 4

// ErrNodesBusy is ESLURM_NODES_BUSY: the node still holds a job.
const ErrNodesBusy ErrCode = 2016

// Limits on a dynamic node's record.
const (
	MaxNodeNameLen    = 64  // as the node link accepts (io/ctld)
	MaxNodeAddrLen    = 255 // a host name or an IP address
	MaxNodeCountLimit = 65536
	MaxNodeCPUs       = 1 << 20
	MaxNodeMemMB      = 1 << 40
)

// NodeCreate adds a dynamic node with the resources its --conf declares
// (or the daemon found) and where its daemon listens for srun.
type NodeCreate struct {
	Time     int64
	Name     string
	CPUs     int
	MemMB    int64
	Addr     string
	Hostname string
	Port     int
}

func (NodeCreate) kind() cmdKind { return kindNodeCreate }

func (c NodeCreate) encode(w *writer) {
	w.varint(c.Time)
	w.str(c.Name)
	w.varint(int64(c.CPUs))
	w.varint(c.MemMB)
	w.str(c.Addr)
	w.str(c.Hostname)
	w.varint(int64(c.Port))
}

func decodeNodeCreate(r *reader) NodeCreate {
	return NodeCreate{Time: r.varint(), Name: r.str(), CPUs: r.int(), MemMB: r.varint(),
		Addr: r.str(), Hostname: r.str(), Port: r.int()}
}

// ValidNodeName reports whether name may name a dynamic node: what a
// hostlist and the node link can carry.
func ValidNodeName(name string) bool {
	return name != "" && len(name) <= MaxNodeNameLen && !strings.ContainsAny(name, "/ \t\r\n,[]:=\x00") &&
		!strings.EqualFold(name, "ALL") && !strings.EqualFold(name, "DEFAULT")
}

func validNodeAddr(a string) bool {
	return a != "" && len(a) <= MaxNodeAddrLen && !strings.ContainsAny(a, " \t\r\n,/\x00")
}

func (m *Machine) applyNodeCreate(c NodeCreate) Result {
	switch {
	case m.opts.MaxNodeCount <= 0:
		return failed(reject(ErrAccessDenied, "node %s is not in slurm.conf and MaxNodeCount is not set: dynamic nodes are disabled", c.Name))
	case !ValidNodeName(c.Name):
		return failed(reject(ErrInvalidNodeName, "Invalid node name specified"))
	case c.CPUs <= 0 || c.CPUs > MaxNodeCPUs || c.MemMB < 0 || c.MemMB > MaxNodeMemMB:
		return failed(reject(ErrGeneric, "node %s: invalid resources cpus=%d mem=%d", c.Name, c.CPUs, c.MemMB))
	case !validNodeAddr(c.Addr) || !validNodeAddr(c.Hostname) || c.Port <= 0 || c.Port > 0xffff:
		return failed(reject(ErrGeneric, "node %s: invalid address %q hostname %q port %d", c.Name, c.Addr, c.Hostname, c.Port))
	}
	slot, exists := m.nodeIndex[c.Name]
	if exists && !m.nodes[slot].Deleted {
		return failed(reject(ErrGeneric, "Node '%s' already exists in the node table", c.Name))
	}
	if !exists {
		var ok bool
		if slot, ok = m.freeNodeSlot(); !ok {
			return failed(reject(ErrGeneric, "Unable to add node '%s', node table is full", c.Name))
		}
	}
	node := Node{Name: c.Name, CPUs: c.CPUs, MemMB: c.MemMB, Weight: 1, Dynamic: true,
		Addr: c.Addr, Hostname: c.Hostname, Port: c.Port}
	if slot == len(m.nodes) {
		m.nodes = append(m.nodes, node)
	} else {
		delete(m.nodeIndex, m.nodes[slot].Name)
		m.nodes[slot] = node
	}
	m.nodeIndex[c.Name] = slot
	for i := range m.parts {
		if p := &m.parts[i]; p.AllNodes {
			if k, found := slices.BinarySearch(p.Nodes, slot); !found {
				p.Nodes = slices.Insert(p.Nodes, k, slot)
			}
		}
	}
	return Result{}
}

// freeNodeSlot is where a new dynamic node goes: a new index while the
// table is below MaxNodeCount, else the first tombstone no job refers to.
func (m *Machine) freeNodeSlot() (int, bool) {
	if len(m.nodes) < m.opts.MaxNodeCount {
		return len(m.nodes), true
	}
	referenced := make(map[int]bool)
	for _, id := range m.order {
		j := m.jobs[id]
		for _, list := range [3][]int{j.Nodes, j.Spec.ReqNodes, j.Spec.ExcNodes} {
			for _, n := range list {
				referenced[n] = true
			}
		}
	}
	for i := range m.nodes {
		if m.nodes[i].Deleted && !referenced[i] {
			return i, true
		}
	}
	return 0, false
}

// deleteNode makes dynamic node n a tombstone. Like slurmctld's
// _delete_node it refuses while the node is in use (a job allocated or
// completing there: FLURM's holds).
func (m *Machine) deleteNode(n int) Result {
	node := &m.nodes[n]
	if !node.Dynamic {
		return failed(reject(ErrInvalidNodeName, "Node '%s' is in slurm.conf: only dynamic nodes can be deleted", node.Name))
	}
	if len(node.Holds) > 0 {
		return failed(reject(ErrNodesBusy, "Node '%s' can't be deleted because it's still in use", node.Name))
	}
	// The tombstone keeps the incarnation it had: the daemon may still
	// be running and heartbeating, and only a new registration (a new
	// incarnation) brings the node back.
	*node = Node{Name: node.Name, CPUs: node.CPUs, MemMB: node.MemMB, Weight: node.Weight, Dynamic: true, Deleted: true,
		Incarnation: node.Incarnation}
	for i := range m.parts {
		p := &m.parts[i]
		p.Nodes = slices.DeleteFunc(p.Nodes, func(x int) bool { return x == n })
	}
	return Result{}
}

// checkDynamicNodes verifies the node table's dynamic part: it is within
// MaxNodeCount, only dynamic nodes carry addresses or are tombstones, and
// a tombstone holds nothing, is not registered and is in no partition.
func (m *Machine) checkDynamicNodes() error {
	static, dynamic := 0, 0
	for i := range m.nodes {
		n := &m.nodes[i]
		if !n.Dynamic {
			static++
			if n.Deleted || n.Addr != "" || n.Hostname != "" || n.Port != 0 {
				return fmt.Errorf("static node %s has dynamic fields", n.Name)
			}
			continue
		}
		dynamic++
		if n.Deleted && (n.Registered || n.Down || n.Drain || len(n.Holds) > 0) {
			return fmt.Errorf("deleted node %s still has state", n.Name)
		}
		if !n.Deleted && (!validNodeAddr(n.Addr) || n.Port <= 0 || n.Port > 0xffff) {
			return fmt.Errorf("dynamic node %s: bad address %q port %d", n.Name, n.Addr, n.Port)
		}
	}
	if dynamic > 0 && len(m.nodes) > max(m.opts.MaxNodeCount, static) {
		return fmt.Errorf("%d nodes exceed MaxNodeCount %d", len(m.nodes), m.opts.MaxNodeCount)
	}
	for _, p := range m.parts {
		for _, n := range p.Nodes {
			if n >= 0 && n < len(m.nodes) && m.nodes[n].Deleted {
				return fmt.Errorf("partition %s lists deleted node %s", p.Name, m.nodes[n].Name)
			}
		}
	}
	return nil
}
