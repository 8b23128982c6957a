package state

import (
	"fmt"
	"slices"
)

// Check verifies the state's internal invariants. It is cheap enough for the
// simulator to call after every applied command, and Restore calls it on
// every snapshot it loads.
func (m *Machine) Check() error {
	for i := range m.nodes {
		n := &m.nodes[i]
		cpus, mem := n.AllocCPUs()
		if cpus > n.CPUs || mem > n.MemMB {
			return fmt.Errorf("node %s over-allocated: cpus %d/%d mem %d/%d", n.Name, cpus, n.CPUs, mem, n.MemMB)
		}
		for k, h := range n.Holds {
			if h.CPUs < 0 || h.MemMB < 0 {
				return fmt.Errorf("node %s: negative hold %+v", n.Name, h)
			}
			if k > 0 && !(n.Holds[k-1].ID < h.ID || (n.Holds[k-1].ID == h.ID && n.Holds[k-1].Attempt < h.Attempt)) {
				return fmt.Errorf("node %s: holds unsorted or duplicated at %v", n.Name, h.JobAttempt)
			}
		}
		if n.Down && len(n.Holds) > 0 {
			return fmt.Errorf("node %s is down but holds %d attempts", n.Name, len(n.Holds))
		}
	}
	for _, p := range m.parts {
		for _, n := range p.Nodes {
			if n < 0 || n >= len(m.nodes) {
				return fmt.Errorf("partition %s: node index %d out of range", p.Name, n)
			}
		}
	}
	heldBy := make(map[JobAttempt][]int)
	for i := range m.nodes {
		for _, h := range m.nodes[i].Holds {
			heldBy[h.JobAttempt] = append(heldBy[h.JobAttempt], i)
		}
	}
	for _, id := range m.order {
		j := m.jobs[id]
		if j.ID != id || j.State >= jobStateEnd || j.Partition < 0 || j.Partition >= len(m.parts) {
			return fmt.Errorf("job %d: bad record (state %d, partition %d)", id, j.State, j.Partition)
		}
		if id >= m.nextID && m.nextID >= m.order[0] {
			return fmt.Errorf("job %d not below next id %d", id, m.nextID)
		}
		if j.ArrayJobID > id || len(j.Spec.ArrayTasks) > 0 {
			return fmt.Errorf("job %d: bad array fields (array %d, %d task ids kept)", id, j.ArrayJobID, len(j.Spec.ArrayTasks))
		}
		cur := JobAttempt{j.ID, j.Attempt}
		switch {
		case j.Running():
			if len(j.Nodes) != j.Spec.NumNodes {
				return fmt.Errorf("job %d running on %d nodes, wants %d", id, len(j.Nodes), j.Spec.NumNodes)
			}
			for k, n := range j.Nodes {
				if n < 0 || n >= len(m.nodes) || slices.Contains(j.Nodes[:k], n) {
					return fmt.Errorf("job %d: bad node list %v", id, j.Nodes)
				}
			}
			for _, n := range heldBy[cur] {
				if !slices.Contains(j.Nodes, n) {
					return fmt.Errorf("job %d holds node %s outside its allocation", id, m.nodes[n].Name)
				}
			}
		case j.State == JobPending:
			if held := heldBy[cur]; len(held) > 0 {
				return fmt.Errorf("pending job %d attempt %d holds nodes %v", id, j.Attempt, held)
			}
		}
	}
	for k, id := range m.requests {
		if m.jobs[id] == nil {
			return fmt.Errorf("request %v maps to unknown job %d", k, id)
		}
	}
	return nil
}
