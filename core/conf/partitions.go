package conf

import (
	"strconv"
	"strings"
	"time"
)

// Partition is one PartitionName line with PartitionName=DEFAULT values
// applied. Unset limits hold Slurm's defaults: MaxTime Unlimited,
// DefaultTime NoValue, MaxNodes and MaxCPUsPerNode Infinite32.
type Partition struct {
	Name      string
	NodesExpr string   // Nodes as written (whitespace turned into commas)
	Nodes     []string // resolved node names in node definition order

	Default         bool
	Hidden          bool
	RootOnly        bool
	ExclusiveUser   bool
	LLN             bool
	ReqResv         bool
	DisableRootJobs bool

	State          PartitionState
	MaxTime        time.Duration // whole minutes, or Unlimited
	DefaultTime    time.Duration // whole minutes, Unlimited, or NoValue
	GraceTime      time.Duration
	MaxNodes       uint32
	MinNodes       uint32
	MaxCPUsPerNode uint32

	PriorityTier      uint16
	PriorityJobFactor uint16
	OverSubscribe     OverSubscribe

	// Access lists; nil means everyone (Slurm maps "ALL" to no list).
	// Account and QOS names are lower-cased as Slurm does.
	AllowGroups   []string
	AllowAccounts []string
	DenyAccounts  []string
	AllowQOS      []string
	DenyQOS       []string
	AllocNodes    []string

	QOS                string
	Alternate          string
	TRESBillingWeights string
	DefMemPerCPU       uint64 // MB; at most one of DefMemPerCPU and DefMemPerNode is set
	DefMemPerNode      uint64
	MaxMemPerCPU       uint64
	MaxMemPerNode      uint64

	File string
	Line int
}

// PartitionState is the State of a partition.
type PartitionState string

// Partition states. Slurm matches them as prefixes of the written value.
const (
	PartitionUp       PartitionState = "UP"
	PartitionDown     PartitionState = "DOWN"
	PartitionDrain    PartitionState = "DRAIN"
	PartitionInactive PartitionState = "INACTIVE"
)

// OverSubscribe is a partition's sharing mode. Jobs is the number of jobs
// that may share a resource: 1 for NO, 0 for EXCLUSIVE, 4 by default for
// YES and FORCE, or the ":n" suffix.
type OverSubscribe struct {
	Mode string // "NO", "YES", "FORCE" or "EXCLUSIVE"
	Jobs int
}

var partitionKeys = newKeyIndex([]string{
	"AllocNodes", "AllowAccounts", "AllowGroups", "AllowQos", "Alternate",
	"CpuBind", "DefCPUPerGPU", "DefMemPerCPU", "DefMemPerGPU", "DefMemPerNode",
	"Default", "DefaultTime", "DenyAccounts", "DenyQos", "DisableRootJobs",
	"ExclusiveUser", "GraceTime", "Hidden", "LLN", "MaxCPUsPerNode",
	"MaxMemPerCPU", "MaxMemPerNode", "MaxTime", "MaxNodes", "MinNodes", "Nodes",
	"OverSubscribe", "OverTimeLimit", "PreemptMode", "Priority",
	"PriorityJobFactor", "PriorityTier", "QOS", "RootOnly", "ReqResv",
	"ResumeTimeout", "SelectTypeParameters", "Shared", "State", "SuspendTime",
	"SuspendTimeout", "TRESBillingWeights",
})

// partitionLine handles "PartitionName=... key=value ...". Nodes are
// resolved in finish, once every node and nodeset is known.
func (p *parser) partitionLine(l logicalLine, pairs []pair) error {
	const key = "PartitionName"
	line := p.record(l, key, pairs, partitionKeys)
	name := pairs[0].value
	if strings.EqualFold(name, "DEFAULT") {
		p.partDefaults = mergeDefaults(p.partDefaults, line)
		return nil
	}
	if name == "" {
		return l.errorf(key, "empty partition name")
	}
	if len(p.cfg.Partitions) >= MaxPartitions {
		return l.errorf(key, "%s", tooMany("partitions", MaxPartitions))
	}
	if first, dup := p.partIndex[name]; dup {
		prev := p.cfg.Partitions[first]
		return l.errorf(key, "duplicate partition %q (first defined at %s:%d)", name, prev.File, prev.Line)
	}
	part, err := p.buildPartition(l, name, line)
	if err != nil {
		return err
	}
	if part.Default {
		if p.cfg.DefaultPartition != "" {
			p.warn(l, "Default", "changing the default partition from %q to %q", p.cfg.DefaultPartition, name)
		}
		p.cfg.DefaultPartition = name
	}
	p.partIndex[name] = len(p.cfg.Partitions)
	p.cfg.Partitions = append(p.cfg.Partitions, part)
	p.partLines = append(p.partLines, mergeDefaults(p.partDefaults, line))
	return nil
}

func (p *parser) buildPartition(l logicalLine, name string, line settings) (Partition, error) {
	part := Partition{
		Name: name, File: l.file, Line: l.line, State: PartitionUp,
		MaxTime: Unlimited, DefaultTime: NoValue,
		MaxNodes: Infinite32, MaxCPUsPerNode: Infinite32,
		PriorityTier: 1, PriorityJobFactor: 1,
		OverSubscribe: OverSubscribe{Mode: "NO", Jobs: 1},
	}
	sets := []settings{line, p.partDefaults}
	if err := p.partitionFlags(&part, sets); err != nil {
		return Partition{}, err
	}
	if err := p.partitionLimits(l, &part, sets); err != nil {
		return Partition{}, err
	}
	p.partitionAccess(l, &part, sets)
	str := func(key string) string { v, _ := get(key, sets...); return v.value }
	part.QOS, part.Alternate = str("QOS"), str("Alternate")
	part.TRESBillingWeights = str("TRESBillingWeights")
	if v, ok := get("Nodes", sets...); ok {
		part.NodesExpr = strings.Join(strings.Fields(v.value), ",")
	}
	if v, ok := get("State", sets...); ok {
		state, found := PartitionState(""), false
		for _, s := range []PartitionState{PartitionDown, PartitionUp, PartitionDrain, PartitionInactive} {
			if len(v.value) >= len(s) && strings.EqualFold(v.value[:len(s)], string(s)) {
				state, found = s, true
				break
			}
		}
		if !found {
			return Partition{}, v.errorf("State", "invalid partition state %q (use UP, DOWN, DRAIN or INACTIVE)", v.value)
		}
		part.State = state
	}
	v, ok := get("OverSubscribe", sets...)
	if !ok {
		v, ok = get("Shared", sets...)
	}
	if ok {
		sub, err := p.parseOverSubscribe(v)
		if err != nil {
			return Partition{}, err
		}
		part.OverSubscribe = sub
	}
	return part, nil
}

func (p *parser) partitionFlags(part *Partition, sets []settings) error {
	flags := []struct {
		key string
		dst *bool
	}{
		{"Default", &part.Default}, {"Hidden", &part.Hidden}, {"RootOnly", &part.RootOnly},
		{"LLN", &part.LLN}, {"ReqResv", &part.ReqResv},
		// Slurm reads these two from the line only, not from DEFAULT.
		{"ExclusiveUser", &part.ExclusiveUser}, {"DisableRootJobs", &part.DisableRootJobs},
	}
	for i, f := range flags {
		from := sets
		if i >= 5 {
			from = sets[:1]
		}
		b, ok, err := boolSetting(f.key, from...)
		if err != nil {
			return err
		}
		if ok {
			*f.dst = b
		}
	}
	return nil
}

// parseOverSubscribe follows Slurm: a bad ":n" count is logged and means
// NO; an unknown mode is an error.
func (p *parser) parseOverSubscribe(v located) (OverSubscribe, error) {
	upper := strings.ToUpper(v.value)
	mode, count, hasCount := strings.Cut(upper, ":")
	if mode != "YES" && mode != "FORCE" || !hasCount {
		switch upper {
		case "NO":
			return OverSubscribe{Mode: "NO", Jobs: 1}, nil
		case "EXCLUSIVE":
			return OverSubscribe{Mode: "EXCLUSIVE", Jobs: 0}, nil
		case "YES", "FORCE":
			return OverSubscribe{Mode: upper, Jobs: 4}, nil
		}
		return OverSubscribe{}, v.errorf(v.key, "invalid value %q (use NO, YES, YES:n, FORCE, FORCE:n or EXCLUSIVE)", v.value)
	}
	minJobs := 1
	if mode == "YES" {
		minJobs = 2 // YES:1 would not share at all
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < minJobs || n > Infinite16 {
		p.warnAt(v.location, v.key, "ignoring bad value %q, using NO", v.value)
		return OverSubscribe{Mode: "NO", Jobs: 1}, nil
	}
	return OverSubscribe{Mode: mode, Jobs: n}, nil
}
