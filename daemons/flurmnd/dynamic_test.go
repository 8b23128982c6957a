package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/conf"
)

func TestParseDynamicConf(t *testing.T) {
	d, err := parseDynamicConf("CPUs=8 RealMemory=64000 Port=7000 NodeAddr=10.1.2.3 NodeHostname=h1 Feature=f1 Gres=gpu:2")
	if err != nil {
		t.Fatal(err)
	}
	if d.cpus != 8 || d.memMB != 64000 || d.port != 7000 || d.addr != "10.1.2.3" || d.hostname != "h1" ||
		strings.Join(d.ignored, ",") != "Feature,Gres" {
		t.Errorf("parsed %+v", d)
	}
	for _, bad := range []string{"CPUs", "CPUs=", "CPUs=0", "CPUs=x", "CPUs=70000", "Port=70000", "RealMemory=-1",
		"CPUs=1 cpus=2", "Color=blue", strings.Repeat("a", maxDynamicConfLen+1)} {
		if _, err := parseDynamicConf(bad); err == nil {
			t.Errorf("--conf %.40q accepted", bad)
		}
	}
}

func TestDynamicNodeNeedsMaxNodeCount(t *testing.T) {
	parse := func(src string) *conf.Config {
		t.Helper()
		c, err := conf.ParseBytes("slurm.conf", []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	base := "ClusterName=t\nSlurmctldHost=ctl1\nSlurmdPort=7100\nNodeName=n1 CPUs=1\nPartitionName=p Nodes=ALL\n"
	_, _, err := dynamicNode(parse(base), options{dynamic: true, node: "d1"}, 4, 1000, "127.0.0.1:1", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "MaxNodeCount") {
		t.Errorf("without MaxNodeCount: %v", err)
	}
	c := parse(base + "MaxNodeCount=4\nSelectType=select/cons_tres\n")
	node, d, err := dynamicNode(c, options{dynamic: true, node: "d1", dynamicConf: "CPUs=2"}, 4, 1000, "127.0.0.1:1", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if node.Name != "d1" || node.Port != 7100 || d.CPUs != 2 || d.MemMB != 1000 || d.Addr != "127.0.0.1" || d.Port != 7100 {
		t.Errorf("node %+v dynamic %+v", node, d)
	}
	if _, _, err := dynamicNode(c, options{dynamic: true, node: "a/b"}, 4, 1000, "127.0.0.1:1", slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Error("a bad node name accepted")
	}
	if _, err := parseFlags([]string{"--conf", "CPUs=1"}); err == nil {
		t.Error("--conf without -Z accepted")
	}
	if o, err := parseFlags([]string{"-Z", "-N", "d1", "--conf", "CPUs=1 RealMemory=5"}); err != nil || !o.dynamic || o.dynamicConf != "CPUs=1 RealMemory=5" {
		t.Errorf("flags %+v %v", o, err)
	}
}
