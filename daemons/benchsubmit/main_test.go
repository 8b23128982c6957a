package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/conf"
)

func TestParseFlags(t *testing.T) {
	t.Setenv("SLURM_CONF", "")
	bad := [][]string{{}, {"-addr", "h:1"}, {"-conf", "x", "-n", "0"}, {"-conf", "x", "-c", "0"},
		{"-conf", "x", "-warmup", "-1"}, {"-conf", "x", "extra"}}
	for _, args := range bad {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	o, err := parseFlags([]string{"-addr", "h:1", "-socket", "/s", "-n", "5", "-c", "2"})
	if err != nil || o.jobs != 5 || o.conc != 2 {
		t.Fatalf("%+v %v", o, err)
	}
}

// The comparison slurmctld gets the cluster's nodes and partitions, and
// its own port, state, user and munged settings.
func TestAppendClusterReplacesDaemonKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slurm.conf")
	text := "ClusterName=flurm\nSlurmctldHost=vm(127.0.0.1)\nSlurmctldPort=6817\nStateSaveLocation=/x/state\n" +
		"AuthInfo=socket=/x/munge.socket\nMaxJobCount=10\nSelectType=select/cons_tres\n" +
		"NodeName=n[1-4] NodeAddr=127.0.0.1 CPUs=4 RealMemory=4000\nPartitionName=debug Nodes=n[1-4] Default=YES\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := conf.Parse(path, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := appendCluster(&b, c); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, gone := range []string{"ClusterName", "SlurmctldHost", "SlurmctldPort", "StateSaveLocation", "AuthInfo", "MaxJobCount"} {
		if strings.Contains(got, gone) {
			t.Errorf("%s kept:\n%s", gone, got)
		}
	}
	for _, kept := range []string{"SelectType=select/cons_tres", "NodeName=n[1-4]", "PartitionName=debug"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%s dropped:\n%s", kept, got)
		}
	}
	b.Reset()
	if err := appendCluster(&b, nil); err != nil || !strings.Contains(b.String(), "NodeName=n[1-4]") {
		t.Fatalf("default cluster: %v %q", err, b.String())
	}
}

func TestAuthSocket(t *testing.T) {
	for in, want := range map[string]string{"": "", "socket=/a": "/a", "ttl=5, Socket=/b": "/b", "ttl=5": ""} {
		if got := authSocket(in); got != want {
			t.Errorf("authSocket(%q) = %q, want %q", in, got, want)
		}
	}
}
