package conf

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/hostlist"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// testdataReader serves /etc/slurm/<name> from testdata/<name>, so include
// paths look like a real installation.
func testdataReader(t *testing.T) ReadFileFunc {
	return func(path string) ([]byte, error) {
		dir, name := filepath.Split(path)
		if dir != "/etc/slurm/" {
			return nil, fmt.Errorf("no such file %q", path)
		}
		return os.ReadFile(filepath.Join("testdata", name))
	}
}

// TestGolden parses realistic configurations and compares a full,
// deterministic rendering of the result with testdata/<name>.golden.
func TestGolden(t *testing.T) {
	for _, name := range []string{"anchor.conf", "site.conf"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Parse("/etc/slurm/"+name, testdataReader(t))
			if err != nil {
				t.Fatal(err)
			}
			got := render(cfg)
			golden := filepath.Join("testdata", strings.TrimSuffix(name, ".conf")+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, diffLines(string(want), got))
			}
		})
	}
}

// render prints every exported field of cfg, one per line; node and
// partition records print one per line with their fields inline.
func render(cfg *Config) string {
	var b strings.Builder
	v := reflect.ValueOf(*cfg)
	for i := 0; i < v.NumField(); i++ {
		name, field := v.Type().Field(i).Name, v.Field(i)
		if field.Kind() == reflect.Slice && field.Type().Elem().Kind() == reflect.Struct {
			fmt.Fprintf(&b, "%s: %d\n", name, field.Len())
			for j := 0; j < field.Len(); j++ {
				fmt.Fprintf(&b, "  %+v\n", field.Index(j).Interface())
			}
			continue
		}
		fmt.Fprintf(&b, "%s: %v\n", name, field.Interface())
	}
	for _, p := range cfg.Partitions {
		fmt.Fprintf(&b, "partition %s nodes: %s\n", p.Name, hostlist.Compress(p.Nodes))
	}
	return b.String()
}

// diffLines shows the first differing lines.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}
