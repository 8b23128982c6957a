package conf

import "strings"

// NodeSet names a group of nodes for use in partition Nodes lists: the
// union of the nodes listed in Nodes and the nodes that have Feature.
type NodeSet struct {
	Name      string
	NodesExpr string
	Feature   string
	Nodes     []string // resolved, node definition order
	File      string
	Line      int
}

// DownNodes is a DownNodes line. Its state and reason are also applied to
// the Nodes entries it names.
type DownNodes struct {
	NodesExpr string
	Nodes     []string
	State     NodeState // DOWN, DRAIN, FAIL, FUTURE (FAILING is read as FAIL)
	Reason    string
	File      string
	Line      int
}

var (
	nodeSetKeys   = newKeyIndex([]string{"Feature", "Nodes"})
	downNodesKeys = newKeyIndex([]string{"Reason", "State"})
)

func (p *parser) nodeSetLine(l logicalLine, pairs []pair) error {
	line := p.record(l, "NodeSet", pairs, nodeSetKeys)
	name := pairs[0].value
	if name == "" || strings.EqualFold(name, "ALL") || strings.EqualFold(name, "DEFAULT") {
		return l.errorf("NodeSet", "invalid nodeset name %q", name)
	}
	if len(p.cfg.NodeSets) >= MaxNodeSets {
		return l.errorf("NodeSet", "%s", tooMany("nodesets", MaxNodeSets))
	}
	if first, dup := p.nodeSetIndex[name]; dup {
		prev := p.cfg.NodeSets[first]
		return l.errorf("NodeSet", "duplicate nodeset %q (first defined at %s:%d)", name, prev.File, prev.Line)
	}
	p.nodeSetIndex[name] = len(p.cfg.NodeSets)
	p.cfg.NodeSets = append(p.cfg.NodeSets, NodeSet{
		Name: name, NodesExpr: line["Nodes"].value, Feature: line["Feature"].value,
		File: l.file, Line: l.line,
	})
	return nil
}

func (p *parser) downNodesLine(l logicalLine, pairs []pair) error {
	line := p.record(l, "DownNodes", pairs, downNodesKeys)
	d := DownNodes{NodesExpr: pairs[0].value, State: NodeDown, Reason: "Set in slurm.conf", File: l.file, Line: l.line}
	if v, ok := line["Reason"]; ok {
		d.Reason = v.value
	}
	if v, ok := line["State"]; ok {
		state, err := parseNodeState(v.value)
		if err != nil || (state != NodeDown && state != NodeDrain && state != NodeFail && state != NodeFuture) {
			return v.errorf("State", "invalid DownNodes state %q (use DOWN, DRAIN, FAIL, FAILING or FUTURE)", v.value)
		}
		d.State = state
	}
	p.cfg.DownNodes = append(p.cfg.DownNodes, d)
	return nil
}

// controlHostLine handles "SlurmctldHost=name" and "SlurmctldHost=name(addr)".
func (p *parser) controlHostLine(l logicalLine, pairs []pair) error {
	p.record(l, "SlurmctldHost", pairs, keyIndex{})
	p.controlHosts = append(p.controlHosts, located{location: l.location, key: "SlurmctldHost", value: pairs[0].value})
	return nil
}

// knownNodes expands expr and checks that every name is a defined node.
func (p *parser) knownNodes(loc location, key, expr string) ([]string, error) {
	names, err := p.expand(loc, key, expr)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, ok := p.nodeIndex[name]; !ok {
			return nil, loc.errorf(key, "node %q is not defined by any NodeName line", name)
		}
	}
	return names, nil
}

// inNodeOrder returns the distinct names of chosen (every node when chosen
// is nil), ordered as the nodes
// were defined. The pass over the node table is charged to the budget.
func (p *parser) inNodeOrder(loc location, key string, chosen map[string]bool) ([]string, error) {
	if err := p.charge(loc, key, len(p.cfg.Nodes)); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(chosen))
	for _, n := range p.cfg.Nodes {
		if chosen == nil || chosen[n.Name] {
			names = append(names, n.Name)
		}
	}
	return names, nil
}

func (p *parser) resolveNodeSets() error {
	for i := range p.cfg.NodeSets {
		set := &p.cfg.NodeSets[i]
		loc := location{set.File, set.Line}
		if _, clash := p.nodeIndex[set.Name]; clash {
			return loc.errorf("NodeSet", "nodeset %q has the name of a node", set.Name)
		}
		chosen := map[string]bool{}
		if set.NodesExpr != "" {
			names, err := p.knownNodes(loc, "Nodes", set.NodesExpr)
			if err != nil {
				return err
			}
			for _, n := range names {
				chosen[n] = true
			}
		}
		if set.Feature != "" {
			if err := p.charge(loc, "Feature", len(p.cfg.Nodes)); err != nil {
				return err
			}
			for _, n := range p.cfg.Nodes {
				for _, f := range n.Features {
					if f == set.Feature {
						chosen[n.Name] = true
					}
				}
			}
		}
		var err error
		if set.Nodes, err = p.inNodeOrder(loc, "NodeSet", chosen); err != nil {
			return err
		}
	}
	return nil
}

// resolvePartitions turns each partition's Nodes into node names. Like
// Slurm's nodespec_to_hostlist, "ALL" alone means every node, and entries
// naming a nodeset are replaced by its nodes.
func (p *parser) resolvePartitions() error {
	for i := range p.cfg.Partitions {
		part := &p.cfg.Partitions[i]
		v := p.partLines[i]["Nodes"]
		loc := v.location
		if loc.file == "" {
			loc = location{part.File, part.Line}
		}
		if part.NodesExpr == "" {
			continue
		}
		chosen := map[string]bool{}
		var err error
		if strings.EqualFold(part.NodesExpr, "ALL") {
			if part.Nodes, err = p.inNodeOrder(loc, "Nodes", nil); err != nil {
				return err
			}
			continue
		}
		names, err := p.expand(loc, "Nodes", part.NodesExpr)
		if err != nil {
			return err
		}
		for _, name := range names {
			if si, isSet := p.nodeSetIndex[name]; isSet {
				members := p.cfg.NodeSets[si].Nodes
				if err := p.charge(loc, "Nodes", len(members)); err != nil {
					return err
				}
				for _, n := range members {
					chosen[n] = true
				}
				continue
			}
			if _, ok := p.nodeIndex[name]; !ok {
				return loc.errorf("Nodes", "partition %q: node %q is not defined by any NodeName or NodeSet line", part.Name, name)
			}
			chosen[name] = true
		}
		if part.Nodes, err = p.inNodeOrder(loc, "Nodes", chosen); err != nil {
			return err
		}
	}
	return nil
}

// applyDownNodes resolves DownNodes lines and sets their state and reason
// on the named nodes, as slurmctld does at startup.
func (p *parser) applyDownNodes() error {
	for i := range p.cfg.DownNodes {
		d := &p.cfg.DownNodes[i]
		names, err := p.knownNodes(location{d.File, d.Line}, "DownNodes", d.NodesExpr)
		if err != nil {
			return err
		}
		d.Nodes = names
		for _, name := range names {
			n := &p.cfg.Nodes[p.nodeIndex[name]]
			n.State, n.Reason = d.State, d.Reason
		}
	}
	return nil
}
