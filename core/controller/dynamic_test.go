package controller

import (
	"strings"
	"testing"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/state"
)

func TestClusterFromConfDynamicNodes(t *testing.T) {
	src := `ClusterName=test
SlurmctldHost=ctl1
MaxNodeCount=10
SelectType=select/cons_tres
NodeName=n[1-2] CPUs=8 RealMemory=16000
PartitionName=all Nodes=ALL Default=YES
PartitionName=some Nodes=n1
`
	c, err := conf.ParseBytes("slurm.conf", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ClusterFromConf(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Options.MaxNodeCount != 10 || !cl.Partitions[0].AllNodes || cl.Partitions[1].AllNodes || len(cl.Partitions[0].Nodes) != 2 {
		t.Fatalf("options %+v partitions %+v", cl.Options, cl.Partitions)
	}
	m, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	if r := m.Apply(state.NodeCreate{Time: 1, Name: "d1", CPUs: 2, MemMB: 100, Addr: "10.1.1.1", Hostname: "d1", Port: 6818}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if got := m.Partitions()[0].Nodes; len(got) != 3 || got[2] != 2 {
		t.Errorf("Nodes=ALL partition %v", got)
	}

	bad, err := conf.ParseBytes("slurm.conf", []byte("ClusterName=t\nSlurmctldHost=ctl1\nMaxNodeCount=lots\nNodeName=n1 CPUs=1\nPartitionName=p Nodes=n1\n"), nil)
	if err != nil {
		t.Skipf("the parser itself refuses MaxNodeCount=lots: %v", err)
	}
	if _, err := ClusterFromConf(bad, 0); err == nil {
		t.Error("MaxNodeCount=lots accepted")
	}
	noTres, err := conf.ParseBytes("slurm.conf", []byte("ClusterName=t\nSlurmctldHost=ctl1\nMaxNodeCount=4\nNodeName=n1 CPUs=1\nPartitionName=p Nodes=n1\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ClusterFromConf(noTres, 0); err == nil || !strings.Contains(err.Error(), "cons_tres") {
		t.Errorf("MaxNodeCount without select/cons_tres: %v", err)
	}
}
