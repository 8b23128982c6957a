package state

import (
	"fmt"
	"slices"
)

// Check verifies the state's internal invariants. It is cheap enough for the
// simulator to call after every applied command, and Restore calls it on
// every snapshot it loads.
func (m *Machine) Check() error {
	if err := m.checkDynamicNodes(); err != nil {
		return err
	}
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
		if err := checkSteps(j); err != nil {
			return err
		}
		if len(j.Spec.ReqNodes) > j.Spec.NumNodes || (len(j.Nodes) > 0 && !honorsNodeLists(&j.Spec, j.Nodes)) {
			return fmt.Errorf("job %d: nodes %v, %d wanted, do not honor required %v and excluded %v",
				id, j.Nodes, j.Spec.NumNodes, j.Spec.ReqNodes, j.Spec.ExcNodes)
		}
		cur := JobAttempt{j.ID, j.Attempt}
		switch {
		case j.Running():
			if len(j.Nodes) != j.Spec.NumNodes {
				return fmt.Errorf("job %d running on %d nodes, wants %d", id, len(j.Nodes), j.Spec.NumNodes)
			}
			for k, n := range j.Nodes {
				if n < 0 || n >= len(m.nodes) || slices.Contains(j.Nodes[:k], n) || m.nodes[n].Deleted {
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

// checkSteps verifies a job's step records: only a running job has steps,
// ids are increasing and below NextStep, and every step runs on distinct
// nodes of the job with a completion mark per node and at least one task
// per node.
func checkSteps(j *Job) error {
	if len(j.Steps) > 0 && !j.Running() {
		return fmt.Errorf("job %d is %v but has %d steps", j.ID, j.State, len(j.Steps))
	}
	if j.NextStep > MaxStepsPerJob || len(j.Steps) > MaxLiveSteps {
		return fmt.Errorf("job %d: next step %d, %d steps", j.ID, j.NextStep, len(j.Steps))
	}
	for k, s := range j.Steps {
		if s.ID >= j.NextStep || (k > 0 && s.ID <= j.Steps[k-1].ID) {
			return fmt.Errorf("job %d: step id %d out of order (next %d)", j.ID, s.ID, j.NextStep)
		}
		if len(s.Nodes) == 0 || len(s.Done) != len(s.Nodes) || s.Tasks < len(s.Nodes) || s.CPUs < s.Tasks {
			return fmt.Errorf("step %d.%d: %d nodes, %d marks, %d tasks, %d cpus", j.ID, s.ID, len(s.Nodes), len(s.Done), s.Tasks, s.CPUs)
		}
		if !slices.Contains(s.Done, false) {
			return fmt.Errorf("step %d.%d: every node reported it ended, but it is kept", j.ID, s.ID)
		}
		for i, n := range s.Nodes {
			if !slices.Contains(j.Nodes, n) || slices.Contains(s.Nodes[:i], n) {
				return fmt.Errorf("step %d.%d: bad node list %v (job nodes %v)", j.ID, s.ID, s.Nodes, j.Nodes)
			}
		}
	}
	return nil
}
