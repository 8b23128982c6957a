package conf

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary main-file contents; an included file with the
// same contents is available as "inc.conf" so Include paths get exercised,
// including cycles. Parse must never panic, must return either a Config or
// a *ParseError, and a Config must be internally consistent.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"anchor.conf", "site.conf", "nodes.conf", "partitions.conf"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, seed := range []string{
		header,
		header + "Include inc.conf\n",
		header + "NodeName=n[1-3] CPUs=4 Port=1-3\nPartitionName=p Nodes=ALL\n",
		header + "NodeName=DEFAULT Sockets=0\nNodeName=x SocketsPerBoard=0 Boards=0\n",
		"ClusterName=a\\\nSlurmctldHost=\"b(c)\"\n",
		header + "NodeSet=s Feature=f\nPartitionName=p Nodes=s\nDownNodes=s\n",
		header + "PartitionName=p MaxTime=1-2:3:4 DefaultTime=-1 OverSubscribe=FORCE:0\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		reader := func(path string) ([]byte, error) {
			if path == "/etc/slurm/inc.conf" {
				return []byte(text), nil
			}
			return nil, errors.New("no such file")
		}
		cfg, err := ParseBytes("/etc/slurm/slurm.conf", []byte(text), reader)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || cfg != nil {
				t.Fatalf("error %T %v with config %v", err, err, cfg != nil)
			}
			return
		}
		checkConsistent(t, cfg)
	})
}

// checkConsistent verifies invariants every successful parse must hold.
func checkConsistent(t *testing.T, cfg *Config) {
	t.Helper()
	if cfg.ClusterName == "" || len(cfg.ControlHosts) == 0 {
		t.Fatalf("config without cluster name or controller: %+v", cfg)
	}
	seen := map[string]bool{}
	for _, n := range cfg.Nodes {
		if n.Name == "" || seen[n.Name] {
			t.Fatalf("empty or duplicate node %q", n.Name)
		}
		seen[n.Name] = true
		if n.CPUs == 0 || n.Sockets == 0 || n.CoresPerSocket == 0 || n.ThreadsPerCore == 0 || n.Boards == 0 {
			t.Fatalf("node %q has a zero count: %+v", n.Name, n)
		}
		if n.Port < 1 || n.Port > 65535 {
			t.Fatalf("node %q port %d", n.Name, n.Port)
		}
	}
	for _, p := range cfg.Partitions {
		for _, name := range p.Nodes {
			if !seen[name] {
				t.Fatalf("partition %q has undefined node %q", p.Name, name)
			}
		}
	}
	for _, w := range cfg.Warnings {
		if w.File == "" || w.Msg == "" {
			t.Fatalf("warning without location: %+v", w)
		}
	}
}
