package controller

import (
	"testing"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/state"
)

func TestConfigFromConf(t *testing.T) {
	src := `ClusterName=test
SlurmctldHost=ctl1
SlurmdTimeout=60
MinJobAge=120
NodeName=n[1-4] CPUs=8 RealMemory=16000
NodeName=big CPUs=64 RealMemory=512000 Weight=10
PartitionName=batch Nodes=n[1-4],big Default=YES MaxTime=1-00:00:00 State=UP
PartitionName=debug Nodes=n1 MaxTime=30 MaxNodes=1 State=DRAIN PriorityTier=2
`
	c, err := conf.ParseBytes("slurm.conf", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFromConf(1, []uint64{1, 2, 3}, c, 64030)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NodeTimeout != 60*time.Second {
		t.Errorf("NodeTimeout = %v, want 60s from SlurmdTimeout", cfg.NodeTimeout)
	}
	cl := cfg.Cluster
	if len(cl.Nodes) != 5 || cl.Nodes[4].Name != "big" || cl.Nodes[4].CPUs != 64 || cl.Nodes[4].MemMB != 512000 {
		t.Errorf("nodes = %+v", cl.Nodes)
	}
	batch, debug := cl.Partitions[0], cl.Partitions[1]
	if !batch.Default || batch.MaxTime != 86400 || len(batch.Nodes) != 5 || batch.MaxNodes != 0 {
		t.Errorf("batch = %+v", batch)
	}
	if debug.State != state.PartitionDrain || debug.MaxTime != 1800 || debug.MaxNodes != 1 || debug.PriorityTier != 2 {
		t.Errorf("debug = %+v", debug)
	}
	if cl.Options.MinJobAge != 120 || cl.Options.SlurmUID != 64030 {
		t.Errorf("options = %+v", cl.Options)
	}
	if _, err := state.New(cl); err != nil {
		t.Errorf("state.New rejects the converted cluster: %v", err)
	}
}
