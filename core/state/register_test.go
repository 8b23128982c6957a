package state

import "testing"

// A node that registers with less than slurm.conf declares is drained
// with slurmctld's reason text; one with enough is not.
func TestRegisterDrainsLowResources(t *testing.T) {
	for _, c := range []struct {
		cpus   int
		mem    int64
		reason string
	}{
		{4, 8000, ""},
		{8, 16000, ""},
		{2, 8000, "Low socket*core*thread count, Low CPUs"},
		{4, 7681, "Low RealMemory (reported:7681 < 100.00% of configured:8000)"},
		{1, 100, "Low socket*core*thread count, Low CPUs, Low RealMemory (reported:100 < 100.00% of configured:8000)"},
	} {
		m, err := New(testCluster(1))
		if err != nil {
			t.Fatal(err)
		}
		if r := m.Apply(Register{Node: 0, Time: 5, CPUs: c.cpus, MemMB: c.mem, Incarnation: 1}); r.Err != nil {
			t.Fatal(r.Err)
		}
		n := m.Nodes()[0]
		if n.Reason != c.reason || n.Drain != (c.reason != "") || (n.Drain && n.ReasonTime != 5) {
			t.Errorf("cpus %d mem %d: drain %v reason %q, want %q", c.cpus, c.mem, n.Drain, n.Reason, c.reason)
		}
	}
}
