package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/conf"
)

func TestParseFlags(t *testing.T) {
	t.Setenv("SLURM_CONF", "/env/slurm.conf")
	o, err := parseFlags([]string{"-D", "-v", "-v", "-id", "2"})
	if err != nil || o.confPath != "/env/slurm.conf" || !o.foreground || o.verbose != 2 || o.id != 2 {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = parseFlags([]string{"-f", "/x.conf"})
	if err != nil || o.confPath != "/x.conf" {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := parseFlags([]string{"extra"}); err == nil {
		t.Fatal("stray argument accepted")
	}
}

func parse(t *testing.T, s string) *conf.Config {
	t.Helper()
	c, err := conf.ParseBytes("slurm.conf", []byte("ClusterName=c\nSlurmctldHost=h\n"+s), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLogLevel(t *testing.T) {
	if l := logLevel(parse(t, ""), 0); l != slog.LevelInfo {
		t.Errorf("default %v", l)
	}
	if l := logLevel(parse(t, "SlurmctldDebug=error\n"), 0); l != slog.LevelError {
		t.Errorf("error %v", l)
	}
	if l := logLevel(parse(t, "SlurmctldDebug=debug2\n"), 0); l != slog.LevelDebug {
		t.Errorf("debug2 %v", l)
	}
	if l := logLevel(parse(t, "SlurmctldDebug=error\n"), 2); l != slog.LevelDebug {
		t.Errorf("-v -v %v", l)
	}
}

func TestReconfigurable(t *testing.T) {
	base := "NodeName=n[1-2] CPUs=2\nPartitionName=p Nodes=ALL\n"
	cur := parse(t, base)
	if err := reconfigurable(cur, parse(t, base+"MessageTimeout=20\n"), 0); err != nil {
		t.Fatalf("timeout change refused: %v", err)
	}
	if keys := restartOnly(cur, parse(t, base+"MessageTimeout=20\n")); strings.Join(keys, ",") != "MessageTimeout" {
		t.Fatalf("restart-only keys %v", keys)
	}
	for _, next := range []string{
		"NodeName=n[1-3] CPUs=2\nPartitionName=p Nodes=ALL\n",
		"NodeName=n[1-2] CPUs=4\nPartitionName=p Nodes=ALL\n",
		base + "PartitionName=q Nodes=n1\n",
		base + "SlurmctldHost=h2\n",
	} {
		if err := reconfigurable(cur, parse(t, next), 0); err == nil {
			t.Errorf("change accepted:\n%s", next)
		}
	}
}
