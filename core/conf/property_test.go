package conf

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/flurm/flurm/core/hostlist"
	"pgregory.net/rapid"
)

// TestGeneratedClusters renders random clusters as slurm.conf text, with
// node lists compressed by hostlist.Compress, and checks that parsing gives
// back exactly the model: node names, topology, and partition membership.
func TestGeneratedClusters(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var text strings.Builder
		text.WriteString(header)
		type nodeModel struct {
			name               string
			sockets, cores, th int
		}
		var nodes []nodeModel
		groups := rapid.IntRange(1, 4).Draw(t, "groups")
		for g := 0; g < groups; g++ {
			prefix := fmt.Sprintf("%s%d-", rapid.SampledFrom([]string{"n", "gpu", "cn"}).Draw(t, "prefix"), g)
			count := rapid.IntRange(1, 40).Draw(t, "count")
			first := rapid.IntRange(0, 200).Draw(t, "first")
			width := rapid.IntRange(1, 4).Draw(t, "width")
			sockets := rapid.IntRange(1, 4).Draw(t, "sockets")
			cores := rapid.IntRange(1, 32).Draw(t, "cores")
			threads := rapid.IntRange(1, 2).Draw(t, "threads")
			var names []string
			for i := 0; i < count; i++ {
				name := fmt.Sprintf("%s%0*d", prefix, width, first+i)
				names = append(names, name)
				nodes = append(nodes, nodeModel{name, sockets, cores, threads})
			}
			fmt.Fprintf(&text, "NodeName=%s Sockets=%d CoresPerSocket=%d ThreadsPerCore=%d\n",
				hostlist.Compress(names), sockets, cores, threads)
		}
		members := map[string][]string{}
		partitions := rapid.IntRange(0, 3).Draw(t, "partitions")
		for p := 0; p < partitions; p++ {
			var chosen []string
			for _, n := range nodes {
				if rapid.Bool().Draw(t, "member") {
					chosen = append(chosen, n.name)
				}
			}
			name := fmt.Sprintf("p%d", p)
			members[name] = chosen
			fmt.Fprintf(&text, "PartitionName=%s Nodes=%s\n", name, hostlist.Compress(chosen))
		}
		cfg, err := parseMain(text.String())
		if err != nil {
			t.Fatalf("%v\n%s", err, text.String())
		}
		if len(cfg.Nodes) != len(nodes) {
			t.Fatalf("%d nodes, want %d", len(cfg.Nodes), len(nodes))
		}
		for i, want := range nodes {
			got := cfg.Nodes[i]
			if got.Name != want.name || int(got.Sockets) != want.sockets || int(got.CoresPerSocket) != want.cores ||
				int(got.ThreadsPerCore) != want.th || int(got.CPUs) != want.sockets*want.cores*want.th {
				t.Fatalf("node %d = %+v, want %+v", i, got, want)
			}
		}
		for name, want := range members {
			part, ok := cfg.Partition(name)
			if !ok || !slices.Equal(part.Nodes, want) {
				t.Fatalf("partition %s nodes %v, want %v", name, part.Nodes, want)
			}
		}
	})
}
