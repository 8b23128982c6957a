package conf

import (
	"strings"
	"time"
)

// partitionLimits reads the numeric and time limits of a partition.
func (p *parser) partitionLimits(l logicalLine, part *Partition, sets []settings) error {
	for _, t := range []struct {
		key string
		dst *time.Duration
	}{{"MaxTime", &part.MaxTime}, {"DefaultTime", &part.DefaultTime}} {
		if v, ok := get(t.key, sets...); ok {
			d, err := parseMinutes(v.value)
			if err != nil {
				return v.errorf(t.key, "%v", err)
			}
			*t.dst = d
		}
	}
	u32 := []struct {
		key string
		dst *uint32
	}{{"MaxNodes", &part.MaxNodes}, {"MinNodes", &part.MinNodes}, {"MaxCPUsPerNode", &part.MaxCPUsPerNode}}
	for _, f := range u32 {
		n, ok, err := uintSetting(f.key, 32, sets...)
		if err != nil {
			return err
		}
		if ok {
			*f.dst = uint32(n)
		}
	}
	grace, ok, err := uintSetting("GraceTime", 32, sets...)
	if err != nil {
		return err
	}
	if ok {
		part.GraceTime = time.Duration(grace) * time.Second
	}
	for _, f := range []struct {
		key string
		dst *uint16
	}{{"PriorityJobFactor", &part.PriorityJobFactor}, {"PriorityTier", &part.PriorityTier}} {
		n, ok, err := uintSetting(f.key, 16, sets...)
		if err != nil {
			return err
		}
		if ok {
			*f.dst = uint16(n)
		}
	}
	// The legacy Priority key sets both.
	if n, ok, err := uintSetting("Priority", 16, sets...); err != nil {
		return err
	} else if ok {
		part.PriorityJobFactor, part.PriorityTier = uint16(n), uint16(n)
	}
	if err := p.memoryPair(l, "DefMemPerNode", "DefMemPerCPU", &part.DefMemPerNode, &part.DefMemPerCPU, sets); err != nil {
		return err
	}
	return p.memoryPair(l, "MaxMemPerNode", "MaxMemPerCPU", &part.MaxMemPerNode, &part.MaxMemPerCPU, sets)
}

// memoryPair reads two mutually exclusive memory limits; as in Slurm the
// per-node one wins and the per-CPU one is ignored with a warning.
func (p *parser) memoryPair(l logicalLine, nodeKey, cpuKey string, perNode, perCPU *uint64, sets []settings) error {
	node, hasNode, err := uintSetting(nodeKey, 64, sets...)
	if err != nil {
		return err
	}
	cpu, hasCPU, err := uintSetting(cpuKey, 64, sets...)
	if err != nil {
		return err
	}
	switch {
	case hasNode:
		*perNode = node
		if hasCPU {
			p.warn(l, cpuKey, "ignored, since it is mutually exclusive with %s", nodeKey)
		}
	case hasCPU:
		*perCPU = cpu
	}
	return nil
}

// partitionAccess reads the Allow/Deny lists. "ALL" means no restriction.
func (p *parser) partitionAccess(l logicalLine, part *Partition, sets []settings) {
	list := func(key string, lower bool) []string {
		v, ok := get(key, sets...)
		if !ok || strings.EqualFold(v.value, "ALL") {
			return nil
		}
		value := v.value
		if lower {
			value = strings.ToLower(value)
		}
		return splitList(value)
	}
	part.AllowGroups = list("AllowGroups", false)
	part.AllowAccounts = list("AllowAccounts", true)
	part.AllowQOS = list("AllowQos", true)
	part.AllocNodes = list("AllocNodes", false)
	part.DenyAccounts = list("DenyAccounts", true)
	part.DenyQOS = list("DenyQos", true)
	if part.AllowAccounts != nil && part.DenyAccounts != nil {
		p.warn(l, "DenyAccounts", "both AllowAccounts and DenyAccounts are set, DenyAccounts ignored")
		part.DenyAccounts = nil
	}
	if part.AllowQOS != nil && part.DenyQOS != nil {
		p.warn(l, "DenyQos", "both AllowQos and DenyQos are set, DenyQos ignored")
		part.DenyQOS = nil
	}
}
