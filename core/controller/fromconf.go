package controller

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/state"
)

// ClusterFromConf turns a parsed slurm.conf into the cluster every replica
// starts from. slurmUID is SlurmUser's uid, which core cannot look up.
func ClusterFromConf(c *conf.Config, slurmUID uint32) (state.Cluster, error) {
	cl := state.Cluster{Options: state.Options{
		FirstJobID: state.JobID(c.FirstJobID), MaxJobCount: int(c.MaxJobCount),
		JobRequeue: c.JobRequeue, MinJobAge: int64(c.MinJobAge / time.Second),
		SlurmUID: slurmUID, ReturnToService: int(c.ReturnToService),
		MaxArraySize: c.MaxArraySize,
	}}
	if v, ok := c.Lookup("MaxNodeCount"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > state.MaxNodeCountLimit {
			return cl, fmt.Errorf("MaxNodeCount %q: want a count from 0 to %d", v, state.MaxNodeCountLimit)
		}
		if n > 0 && !strings.Contains(c.SelectType, "cons_tres") {
			// read_config.c refuses the file, in every Slurm daemon and client.
			return cl, fmt.Errorf("MaxNodeCount only compatible with cons_tres (SelectType=select/cons_tres)")
		}
		cl.Options.MaxNodeCount = n
	}
	index := make(map[string]int, len(c.Nodes))
	for i, n := range c.Nodes {
		if n.RealMemory > math.MaxInt64/2 {
			return cl, fmt.Errorf("%s:%d: node %s: RealMemory %d out of range", n.File, n.Line, n.Name, n.RealMemory)
		}
		index[n.Name] = i
		cl.Nodes = append(cl.Nodes, state.NodeConfig{
			Name: n.Name, CPUs: int(n.CPUs), MemMB: int64(n.RealMemory), Weight: int(n.Weight),
		})
	}
	for _, p := range c.Partitions {
		sp := state.Partition{Name: p.Name, Default: p.Default, PriorityTier: int(p.PriorityTier),
			MaxTime: seconds(p.MaxTime), DefaultTime: seconds(p.DefaultTime),
			AllNodes: strings.EqualFold(strings.TrimSpace(p.NodesExpr), "ALL")}
		if p.MaxNodes != conf.Infinite32 {
			sp.MaxNodes = int(p.MaxNodes)
		}
		switch p.State {
		case conf.PartitionUp:
			sp.State = state.PartitionUp
		case conf.PartitionDown:
			sp.State = state.PartitionDown
		case conf.PartitionDrain:
			sp.State = state.PartitionDrain
		case conf.PartitionInactive:
			sp.State = state.PartitionInactive
		default:
			return cl, fmt.Errorf("%s:%d: partition %s: unknown state %q", p.File, p.Line, p.Name, p.State)
		}
		for _, name := range p.Nodes {
			i, ok := index[name]
			if !ok {
				return cl, fmt.Errorf("%s:%d: partition %s: unknown node %s", p.File, p.Line, p.Name, name)
			}
			sp.Nodes = append(sp.Nodes, i)
		}
		cl.Partitions = append(cl.Partitions, sp)
	}
	return cl, nil
}

// seconds converts a slurm.conf time limit; unlimited and unset are 0.
func seconds(d time.Duration) int64 {
	if d == conf.Unlimited || d < 0 {
		return 0
	}
	return int64(d / time.Second)
}

// ConfigFromConf builds controller id's configuration from slurm.conf:
// the cluster plus the timeouts that drive the leader's duties.
func ConfigFromConf(id uint64, peers []uint64, c *conf.Config, slurmUID uint32) (Config, error) {
	cl, err := ClusterFromConf(c, slurmUID)
	if err != nil {
		return Config{}, err
	}
	cfg := DefaultConfig(id, peers, cl)
	cfg.ClusterName = c.ClusterName
	if c.SlurmdTimeout > 0 {
		cfg.NodeTimeout = c.SlurmdTimeout
	}
	return cfg, cfg.validate()
}
