package sim

import (
	"fmt"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// Partitions of every simulated cluster: "batch" (default) spans all nodes,
// "short" a third of them with a short MaxTime.
const (
	batchMaxTime = 30 * 60
	shortMaxTime = 5 * 60
)

// scheduleWorkload plans the safety phase's client operations.
func (w *World) scheduleWorkload() {
	r := stream(w.opts.Seed, "workload")
	span := dur(w.opts.SafetyDuration)
	for i := 0; i < w.opts.Jobs; i++ {
		c := w.client[r.intn(len(w.client))]
		spec := w.randomSpec(r, c)
		w.q.at(r.between(0, span), func() { c.issue(msg.OpSubmit{Spec: spec}, false) })
	}
	// Other operations, about one for every four submissions.
	for i := 0; i < w.opts.Jobs/4+1; i++ {
		c := w.client[r.intn(len(w.client))]
		kind := r.intn(10)
		pick := r.float()
		tl := r.between(60, batchMaxTime)
		node := w.nodes[r.intn(len(w.nodes))].name
		w.q.at(r.between(0, span), func() {
			if len(c.jobs) == 0 && kind < 8 {
				return
			}
			var id state.JobID
			if len(c.jobs) > 0 {
				id = c.jobs[int(pick*float64(len(c.jobs)))]
			}
			switch kind {
			case 0, 1, 2:
				c.issue(msg.OpCancel{ID: id}, false)
			case 3, 4:
				c.issue(msg.OpUpdate{ID: id, TimeLimit: &tl}, false)
			case 5:
				hold := true
				c.issue(msg.OpUpdate{ID: id, Hold: &hold}, false)
			case 6:
				hold := false
				c.issue(msg.OpUpdate{ID: id, Hold: &hold}, false)
			case 7:
				c.issue(msg.OpRequeue{ID: id}, false)
			case 8:
				w.operator().issue(msg.OpNodeAdmin{Node: node, Op: state.NodeDrain, Reason: "maintenance"}, false)
			case 9:
				w.operator().issue(msg.OpNodeAdmin{Node: node, Op: state.NodeResume}, false)
			}
		})
	}
}

// operator is the client with root's identity.
func (w *World) operator() *client { return w.client[0] }

func (w *World) randomSpec(r *rng, c *client) state.JobSpec {
	maxNodes := min(4, len(w.nodes))
	s := state.JobSpec{
		Name:        fmt.Sprintf("job%d", r.intn(1000)),
		NumNodes:    1 + r.intn(maxNodes),
		CPUsPerTask: 1 + r.intn(2),
		Requeue:     r.chance(0.5),
		Exclusive:   r.chance(0.05),
		Hold:        r.chance(0.03),
	}
	if s.NumNodes == maxNodes && r.chance(0.7) {
		s.NumNodes = 1 // keep wide jobs rare
	}
	s.NumTasks = s.NumNodes * (1 + r.intn(2))
	if r.chance(0.6) {
		s.MemPerNode = r.between(100, 2000)
	}
	maxTime := int64(batchMaxTime)
	if r.chance(0.25) {
		s.Partition, maxTime = "short", shortMaxTime
	}
	s.TimeLimit = r.between(30, maxTime)
	run := r.between(1, s.TimeLimit)
	if r.chance(0.1) {
		run = s.TimeLimit + r.between(1, 120) // will hit its time limit
	}
	exit := 0
	if r.chance(0.1) {
		exit = 1 + r.intn(3)
	}
	if r.chance(0.05) {
		s.BeginTime = (epoch + dur(w.opts.SafetyDuration)/2) / 1e9
	}
	s.Script = fmt.Sprintf("#!sim run=%d exit=%d", run, exit)
	switch {
	case r.chance(0.05): // sbatch -w: one node of the job's partition
		n := r.intn(len(w.nodes))
		if s.Partition == "short" {
			n -= n % 3 // short holds every third node (run.go)
		}
		s.ReqNodes = []int{n}
	case r.chance(0.03): // sbatch -x: a node to keep off
		s.ExcNodes = []int{r.intn(len(w.nodes))}
	}
	return s
}

// heal ends the safety phase: faults stop, crashed processes restart,
// partitions heal, clocks settle, and the operator resumes nodes and
// releases held jobs, as an administrator would after an incident.
func (w *World) heal() {
	w.healed = true
	w.net.heal()
	w.tracef("liveness phase")
	for _, p := range w.ctls {
		p.crashMidWrite = false
		if !p.up {
			p.start()
		}
	}
	for _, p := range w.nodes {
		if !p.up {
			p.start()
		}
	}
	w.operatorSweep()
}

// operatorSweep is the administrator after an incident: once a minute it
// resumes drained and downed nodes and releases held jobs, until the run
// ends. Requests issued during the safety phase may still land after the
// first sweep (a late drain), so one sweep is not enough.
func (w *World) operatorSweep() {
	op := w.operator()
	if best := w.mostAdvanced(); best != nil {
		for _, n := range best.c.State().Nodes() {
			if n.Drain || n.Down {
				op.issue(msg.OpNodeAdmin{Node: n.Name, Op: state.NodeResume}, false)
			}
		}
	}
	for _, id := range w.check.heldJobs() {
		hold := false
		op.issue(msg.OpUpdate{ID: id, Hold: &hold}, false)
	}
	w.q.after(dur(time.Minute), w.operatorSweep)
}
