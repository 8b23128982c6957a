package conf

import (
	"fmt"

	"github.com/flurm/flurm/core/hostlist"
)

// Limits on the work a configuration may cause. Every hostlist expansion
// and every pass over the node table is charged against one budget, so a
// small file cannot ask for unbounded time or memory (for example many
// partitions each listing a million nodes).
const (
	MaxNodes         = 1 << 18 // nodes defined in total
	MaxPartitions    = 1 << 14
	MaxNodeSets      = 1 << 14
	MaxExpandedNames = 1 << 23 // names produced by all expansions and node-table passes
)

// charge takes n units from the expansion budget.
func (p *parser) charge(loc location, key string, n int) error {
	if n > p.budget {
		return loc.errorf(key, "the configuration expands to more than %d host names in total", MaxExpandedNames)
	}
	p.budget -= n
	return nil
}

// expand expands a hostlist after checking its size against the budget,
// so oversized expressions fail before any name is built.
func (p *parser) expand(loc location, key, expr string) ([]string, error) {
	n, err := hostlist.Count(expr)
	if err != nil {
		return nil, loc.errorf(key, "%v", err)
	}
	if err := p.charge(loc, key, n); err != nil {
		return nil, err
	}
	names, err := hostlist.Expand(expr)
	if err != nil { // Count accepted expr, so this is not expected
		return nil, loc.errorf(key, "%v", err)
	}
	return names, nil
}

// expandParallel expands a list that must name one entry (shared by all
// nodes of a line) or exactly one entry per node. The count is checked
// before expanding.
func (p *parser) expandParallel(loc location, key, expr string, nodes int) ([]string, error) {
	n, err := hostlist.Count(expr)
	if err != nil {
		return nil, loc.errorf(key, "%v", err)
	}
	switch {
	case n == 1 || n == nodes:
	case nodes == 1:
		return nil, loc.errorf(key, "%d entries for a single node", n)
	default:
		return nil, loc.errorf(key, "%d entries for %d nodes (need 1 or %d)", n, nodes, nodes)
	}
	return p.expand(loc, key, expr)
}

func tooMany(what string, limit int) string {
	return fmt.Sprintf("more than %d %s", limit, what)
}
