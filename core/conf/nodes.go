package conf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/hostlist"
)

// Node is one node of a NodeName line after hostlist expansion and after
// NodeName=DEFAULT values and Slurm's layout rules have been applied.
type Node struct {
	Name      string
	Hostname  string // NodeHostname, defaults to Name
	Addr      string // NodeAddr, defaults to Hostname
	BcastAddr string
	Port      int // Port, defaults to SlurmdPort

	CPUs           uint16
	Boards         uint16
	Sockets        uint16 // total sockets on the node
	CoresPerSocket uint16
	ThreadsPerCore uint16
	RealMemory     uint64 // MB
	TmpDisk        uint32 // MB
	Weight         uint32

	CoreSpecCount uint16
	CPUSpecList   string
	MemSpecLimit  uint64
	CpuBind       string
	TRESWeights   string

	Features []string
	Gres     string // as written, e.g. "gpu:a100:4,nic:1"; parsed by the gres code
	State    NodeState
	Reason   string

	File string // where the NodeName line is
	Line int
}

// NodeState is a node state as written in slurm.conf, normalized to
// Slurm's spelling.
type NodeState string

// Node states accepted in NodeName lines. Slurm matches the base states by
// name and CLOUD, DRAIN and FAIL as prefixes (so FAILING is FAIL).
const (
	NodeUnknown   NodeState = "UNKNOWN"
	NodeDown      NodeState = "DOWN"
	NodeIdle      NodeState = "IDLE"
	NodeAllocated NodeState = "ALLOCATED"
	NodeError     NodeState = "ERROR"
	NodeMixed     NodeState = "MIXED"
	NodeFuture    NodeState = "FUTURE"
	NodeCloud     NodeState = "CLOUD"
	NodeDrain     NodeState = "DRAIN"
	NodeFail      NodeState = "FAIL"
)

func parseNodeState(value string) (NodeState, error) {
	upper := strings.ToUpper(value)
	for _, s := range []NodeState{NodeUnknown, NodeDown, NodeIdle, NodeAllocated, NodeError, NodeMixed, NodeFuture} {
		if upper == string(s) {
			return s, nil
		}
	}
	for _, s := range []NodeState{NodeCloud, NodeDrain, NodeFail} {
		if strings.HasPrefix(upper, string(s)) {
			return s, nil
		}
	}
	return "", fmt.Errorf("invalid node state %q", value)
}

var nodeKeys = newKeyIndex([]string{
	"BcastAddr", "Boards", "CoreSpecCount", "CoresPerSocket", "CPUs",
	"CPUSpecList", "CpuBind", "Feature", "Features", "Gres", "MemSpecLimit",
	"NodeAddr", "NodeHostname", "Port", "Procs", "RealMemory", "Reason",
	"Sockets", "SocketsPerBoard", "State", "ThreadsPerCore", "TmpDisk",
	"TRESWeights", "Weight",
})

// nodeLine handles "NodeName=... key=value ...".
func (p *parser) nodeLine(l logicalLine, pairs []pair) error {
	const key = "NodeName"
	line := p.record(l, key, pairs, nodeKeys)
	names := pairs[0].value
	switch {
	case strings.EqualFold(names, "DEFAULT"):
		for _, k := range []string{"NodeHostname", "NodeAddr", "BcastAddr"} {
			if _, ok := line[k]; ok {
				return l.errorf(k, "not allowed with NodeName=DEFAULT")
			}
		}
		p.nodeDefaults = mergeDefaults(p.nodeDefaults, line)
		return nil
	case strings.EqualFold(names, "ALL"):
		return l.errorf(key, "%q is a reserved word and cannot be a node name", names)
	case names == "":
		return l.errorf(key, "empty node name")
	}
	template, err := p.nodeTemplate(l, names, line)
	if err != nil {
		return err
	}
	return p.expandNodes(l, names, template, line)
}

// nodeTemplate builds the per-node values shared by every node of the
// line. Each value comes from the line, else from the NodeName=DEFAULT
// values in force, else from Slurm's default.
func (p *parser) nodeTemplate(l logicalLine, nameExpr string, line settings) (Node, error) {
	n := Node{File: l.file, Line: l.line, State: NodeUnknown, RealMemory: 1, Weight: 1}
	sets := []settings{line, p.nodeDefaults}
	if err := p.nodeLayout(l, nameExpr, &n, sets); err != nil {
		return Node{}, err
	}
	if err := nodeSizes(&n, sets); err != nil {
		return Node{}, err
	}
	if v, ok := get("State", sets...); ok {
		state, err := parseNodeState(v.value)
		if err != nil {
			return Node{}, v.errorf("State", "%v", err)
		}
		n.State = state
	}
	str := func(key string) string { v, _ := get(key, sets...); return v.value }
	n.Reason, n.CPUSpecList = str("Reason"), str("CPUSpecList")
	n.CpuBind, n.TRESWeights = str("CpuBind"), str("TRESWeights")
	n.Gres = str("Gres")
	// Slurm's precedence: Feature, Features, then the same from DEFAULT.
	for _, v := range []struct {
		key string
		set settings
	}{{"Feature", line}, {"Features", line}, {"Feature", p.nodeDefaults}, {"Features", p.nodeDefaults}} {
		if f, ok := v.set[v.key]; ok {
			n.Features = splitList(f.value)
			break
		}
	}
	return n, nil
}

// nodeLayout reads the CPU topology keys and applies Slurm's derivation
// rules (see cpuLayout.resolve).
func (p *parser) nodeLayout(l logicalLine, nameExpr string, n *Node, sets []settings) error {
	layout := cpuLayout{boards: 1, cores: 1, threads: 1, cpus: 1, sockets: 1}
	fields := []struct {
		key string
		dst *uint16
		has *bool
	}{
		{"Boards", &layout.boards, nil},
		{"CoresPerSocket", &layout.cores, nil},
		{"ThreadsPerCore", &layout.threads, nil},
		{"CPUs", &layout.cpus, &layout.hasCPUs},
		{"Procs", &layout.cpus, &layout.hasCPUs}, // legacy name, read only without CPUs
		{"Sockets", &layout.sockets, &layout.hasSockets},
		{"SocketsPerBoard", &layout.socketsPerBoard, &layout.hasSocketsPerBoard},
		{"CoreSpecCount", &n.CoreSpecCount, nil},
	}
	for _, f := range fields {
		if f.has != nil && *f.has {
			continue
		}
		v, ok, err := uintSetting(f.key, 16, sets...)
		if err != nil {
			return err
		}
		if ok {
			*f.dst = uint16(v)
			if f.has != nil {
				*f.has = true
			}
		}
	}
	warnings, err := layout.resolve()
	for _, w := range warnings {
		p.warn(l, "NodeName", "NodeName=%s: %s", nameExpr, w)
	}
	if err != nil {
		return l.errorf("NodeName", "NodeName=%s: %v", nameExpr, err)
	}
	n.CPUs, n.Boards, n.Sockets = layout.cpus, layout.boards, layout.sockets
	n.CoresPerSocket, n.ThreadsPerCore = layout.cores, layout.threads
	if uint32(n.CoreSpecCount) >= uint32(n.Sockets)*uint32(n.CoresPerSocket) {
		p.warn(l, "CoreSpecCount", "CoreSpecCount=%d is not below the core count, reset to 1", n.CoreSpecCount)
		n.CoreSpecCount = 1
	}
	return nil
}

// nodeSizes reads memory, disk and weight.
func nodeSizes(n *Node, sets []settings) error {
	if v, ok, err := uintSetting("RealMemory", 64, sets...); err != nil {
		return err
	} else if ok {
		n.RealMemory = v
	}
	if v, ok, err := uintSetting("MemSpecLimit", 64, sets...); err != nil {
		return err
	} else if ok {
		n.MemSpecLimit = v
	}
	if v, ok, err := uintSetting("TmpDisk", 32, sets...); err != nil {
		return err
	} else if ok {
		n.TmpDisk = uint32(v)
	}
	if v, ok, err := uintSetting("Weight", 32, sets...); err != nil {
		return err
	} else if ok {
		// Slurm reserves INFINITE and lowers it by one.
		n.Weight = uint32(min(v, Infinite32-1))
	}
	return nil
}

// expandNodes expands the line's NodeName, NodeHostname, NodeAddr,
// BcastAddr and Port lists in parallel and appends one Node per name.
func (p *parser) expandNodes(l logicalLine, nameExpr string, template Node, line settings) error {
	count, err := hostlist.Count(nameExpr)
	if err != nil {
		return l.errorf("NodeName", "%v", err)
	}
	if len(p.cfg.Nodes)+count > MaxNodes {
		return l.errorf("NodeName", "%s in total", tooMany("nodes", MaxNodes))
	}
	names, err := p.expand(l.location, "NodeName", nameExpr)
	if err != nil {
		return err
	}
	hostExpr := nameExpr
	if v, ok := line["NodeHostname"]; ok {
		hostExpr = v.value
	}
	hosts, err := p.expandParallel(l.location, "NodeHostname", hostExpr, len(names))
	if err != nil {
		return err
	}
	addrExpr := hostExpr
	if v, ok := line["NodeAddr"]; ok {
		addrExpr = v.value
	}
	addrs, err := p.expandParallel(l.location, "NodeAddr", addrExpr, len(names))
	if err != nil {
		return err
	}
	var bcasts, ports []string
	if v, ok := line["BcastAddr"]; ok {
		if bcasts, err = p.expandParallel(l.location, "BcastAddr", v.value, len(names)); err != nil {
			return err
		}
	}
	if v, ok := get("Port", line, p.nodeDefaults); ok {
		if ports, err = p.parsePorts(l, v.value, len(names)); err != nil {
			return err
		}
	}
	for i, name := range names {
		if first, dup := p.nodeIndex[name]; dup {
			prev := p.cfg.Nodes[first]
			return l.errorf("NodeName", "duplicate node name %q (first defined at %s:%d)", name, prev.File, prev.Line)
		}
		n := template
		n.Name, n.Hostname, n.Addr = name, pick(hosts, i), pick(addrs, i)
		n.Features = append([]string(nil), template.Features...)
		if bcasts != nil {
			n.BcastAddr = pick(bcasts, i)
		}
		if ports != nil {
			n.Port, _ = strconv.Atoi(pick(ports, i)) // validated by parsePorts
		}
		p.nodeIndex[name] = len(p.cfg.Nodes)
		p.cfg.Nodes = append(p.cfg.Nodes, n)
	}
	return nil
}

// pick returns the i-th entry of a parallel list, or its only entry.
func pick(list []string, i int) string {
	if len(list) == 1 {
		return list[0]
	}
	return list[i]
}

// parsePorts expands a Port value. Like Slurm, a bare "a-b" or "a,b" list
// is read as if bracketed.
func (p *parser) parsePorts(l logicalLine, value string, nodes int) ([]string, error) {
	expr := value
	if !strings.HasPrefix(expr, "[") && strings.ContainsAny(expr, "-,") {
		expr = "[" + expr + "]"
	}
	ports, err := p.expandParallel(l.location, "Port", expr, nodes)
	if err != nil {
		return nil, err
	}
	for _, port := range ports {
		// Slurm reads each port with atoi: decimal only.
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return nil, l.errorf("Port", "invalid port %q in %q (must be 1-65535)", port, value)
		}
	}
	return ports, nil
}
