package sim

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flurm/flurm/core/agent"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/sched"
	"github.com/flurm/flurm/core/state"
)

// Result summarizes one run.
type Result struct {
	Seed      uint64
	Trace     string // hash of the whole trace
	Err       error  // the first invariant violation, or a liveness failure
	Events    uint64
	Acked     int
	Finished  int
	SimTime   time.Duration
	Leaders   int
	Sometimes map[string]int
}

func (r Result) String() string {
	status := "ok"
	if r.Err != nil {
		status = "FAIL"
	}
	return fmt.Sprintf("seed=%d %s events=%d acked=%d finished=%d leaders=%d simtime=%v trace=%s",
		r.Seed, status, r.Events, r.Acked, r.Finished, r.Leaders, r.SimTime.Round(time.Second), r.Trace)
}

// cluster builds the slurm.conf-equivalent cluster every controller shares.
func cluster(o Options) state.Cluster {
	r := stream(o.Seed, "cluster")
	c := state.Cluster{Options: state.Options{
		MaxJobCount: 100000, JobRequeue: o.JobRequeue, MinJobAge: 300, SlurmUID: 64030,
		ReturnToService: o.ReturnToService,
	}}
	var all, short []int
	for i := 0; i < o.Nodes; i++ {
		c.Nodes = append(c.Nodes, state.NodeConfig{
			Name: fmt.Sprintf("n%03d", i+1), CPUs: 4 << r.intn(4), MemMB: 4000 * (1 + r.between(0, 7)), Weight: r.intn(3),
		})
		all = append(all, i)
		if i%3 == 0 {
			short = append(short, i)
		}
	}
	c.Partitions = []state.Partition{
		{Name: "batch", Nodes: all, Default: true, State: state.PartitionUp, MaxTime: batchMaxTime},
		{Name: "short", Nodes: short, State: state.PartitionUp, MaxTime: shortMaxTime, PriorityTier: 1},
	}
	return c
}

// build creates the world's processes.
func build(o Options, cl state.Cluster, traceW io.Writer) *World {
	w := newWorld(o, traceW)
	var peers []uint64
	var ctlAddrs []msg.Addr
	for i := 1; i <= o.Controllers; i++ {
		peers = append(peers, uint64(i))
		ctlAddrs = append(ctlAddrs, msg.ControllerAddr(uint64(i)))
	}
	skew := stream(o.Seed, "clocks")
	randomOffset := func() int64 { return skew.between(-dur(o.MaxSkew), dur(o.MaxSkew)) }
	for _, id := range peers {
		cfg := controller.DefaultConfig(id, peers, cl)
		cfg.TickInterval, cfg.ElectionTicks = o.TickInterval, o.ElectionTicks
		cfg.SchedInterval, cfg.NodeTimeout = o.SchedInterval, o.NodeTimeout
		cfg.SnapshotEvery, cfg.SnapshotCatchUp = o.SnapshotEvery, o.SnapshotEvery/4
		cfg.LaunchRetry = 2 * o.HeartbeatEvery
		cfg.Sched = sched.Options{Backfill: o.Backfill, MaxJobTest: 100}
		p := &ctlProc{w: w, id: id, cfg: cfg, clk: clock{offset: randomOffset()}, r: stream(o.Seed, fmt.Sprintf("ctl%d", id))}
		p.cfg.OnApply = w.check.onApply(id)
		p.cfg.OnJobTransition = w.check.onTransition
		w.ctls = append(w.ctls, p)
		w.register(p)
	}
	for i, nc := range cl.Nodes {
		p := &nodeProc{w: w, idx: i, name: nc.Name, clk: clock{offset: randomOffset()},
			r: stream(o.Seed, "node/"+nc.Name)}
		p.cfg = agent.Config{Name: nc.Name, CPUs: nc.CPUs, MemMB: nc.MemMB, Controllers: ctlAddrs,
			HeartbeatInterval: o.HeartbeatEvery, KillWait: o.KillWait}
		w.nodes = append(w.nodes, p)
		w.register(p)
	}
	for i := 0; i < o.Clients; i++ {
		c := &client{w: w, id: i, name: fmt.Sprintf("client/%d", i), uid: uint32(1000 + i),
			r: stream(o.Seed, fmt.Sprintf("client%d", i)), reqs: map[uint64]*request{}}
		if i == 0 {
			c.uid = 0 // the operator
		}
		w.client = append(w.client, c)
		w.register(c)
	}
	return w
}

// Run simulates one seed.
func Run(o Options, traceW io.Writer) Result {
	res, _ := run(o, traceW)
	return res
}

// run simulates one seed, recording a JobLifecycle trace for each mapping
// given (bugNone is the real one; itf.go).
func run(o Options, traceW io.Writer, mappings ...mappingBug) (Result, []*traceRecorder) {
	cl := cluster(o)
	w := build(o, cl, traceW)
	var recs []*traceRecorder
	for _, bug := range mappings {
		rec, err := newTraceRecorder(w, cl, bug)
		if err != nil {
			w.fail("trace recorder: %v", err)
			break
		}
		if len(recs) > 0 {
			recs[len(recs)-1].also = rec
		} else {
			w.rec = rec
		}
		recs = append(recs, rec)
	}
	w.tracef("options %s", o)
	for _, p := range w.ctls {
		w.q.at(0, p.start)
	}
	joins := stream(o.Seed, "joins")
	for _, p := range w.nodes {
		w.q.at(joins.between(0, dur(20*time.Second)), p.start) // nodes join over time
	}
	w.scheduleWorkload()
	w.scheduleFaults()

	safetyEnd := dur(o.SafetyDuration)
	for w.failure == nil && w.q.step(safetyEnd) {
	}
	if w.failure == nil {
		w.q.now = max(w.q.now, safetyEnd)
		w.heal()
		deadline := safetyEnd + dur(o.LivenessDeadline)
		next := w.q.now
		for w.failure == nil && w.q.step(deadline) {
			if w.q.now >= next { // checking liveness is not free: look once a simulated second
				next = w.q.now + dur(time.Second)
				if len(w.check.unfinished()) == 0 && w.pendingCritical() == 0 {
					break
				}
			}
		}
		if w.failure == nil {
			if left := w.check.unfinished(); len(left) > 0 {
				w.fail("liveness: %d acknowledged jobs not finished %v after healing: %v\n%s",
					len(left), o.LivenessDeadline, head(left, 10), w.describe(head(left, 10)))
			}
		}
		if w.failure == nil {
			w.converge()
		}
	}
	for _, p := range w.ctls {
		w.check.controllerDone(p)
	}
	res := Result{Seed: o.Seed, Err: w.failure, Events: w.events, Acked: len(w.check.ackIndex),
		SimTime: time.Duration(w.q.now), Leaders: len(w.check.leaders), Sometimes: w.check.counts}
	for id := range w.check.ackIndex {
		if w.check.finished[id] {
			res.Finished++
		}
	}
	res.Trace = w.TraceHash()
	return res, recs
}

// converge runs a quiet minute and then requires every controller to have
// applied the same log with the same resulting state.
func (w *World) converge() {
	end := w.q.now + dur(time.Minute)
	for w.failure == nil && w.q.step(end) {
	}
	// A leader duty (a purge, a timeout) may have been committed just
	// before the minute ended: give the last entry a bounded moment to
	// reach every replica instead of failing on a message in flight.
	for settle := 0; w.failure == nil && settle < 100 && !w.sameApplied(); settle++ {
		end = w.q.now + dur(100*time.Millisecond)
		for w.failure == nil && w.q.step(end) {
		}
	}
	best := w.mostAdvanced()
	if best == nil {
		w.fail("no controller is up at the end")
		return
	}
	for _, p := range w.ctls {
		if p.c.AppliedIndex() != best.c.AppliedIndex() {
			w.fail("controller %d applied %d, controller %d applied %d after a quiet minute",
				p.id, p.c.AppliedIndex(), best.id, best.c.AppliedIndex())
			return
		}
		if p.c.State().Hash() != best.c.State().Hash() {
			w.fail("controllers %d and %d applied the same log but their states differ", p.id, best.id)
			return
		}
	}
}

// sameApplied reports whether every controller applied the same index.
func (w *World) sameApplied() bool {
	for _, p := range w.ctls {
		if p.c.AppliedIndex() != w.ctls[0].c.AppliedIndex() {
			return false
		}
	}
	return true
}

func (w *World) pendingCritical() int {
	n := 0
	for _, c := range w.client {
		n += c.pendingCritical()
	}
	return n
}

func head[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// describe prints the most advanced replica's view of some jobs and of
// every node, for failure reports.
func (w *World) describe(jobs []state.JobID) string {
	best := w.mostAdvanced()
	if best == nil {
		return "no controller up"
	}
	sm := best.c.State()
	var b strings.Builder
	fmt.Fprintf(&b, "state of controller %d at index %d:\n", best.id, best.c.AppliedIndex())
	for _, id := range jobs {
		if j := sm.Job(id); j != nil {
			reason, _, _ := best.c.PendingReason(id)
			fmt.Fprintf(&b, "  job %d attempt %d %v part=%d nodes=%d cpus/node=%d mem/node=%d limit=%d hold=%v nodes=%v reason=%q sched=%q\n",
				id, j.Attempt, j.State, j.Partition, j.Spec.NumNodes, j.CPUsPerNode, j.MemPerNode, j.TimeLimit, j.Spec.Hold, j.Nodes, j.Reason, reason)
		}
	}
	for i, n := range sm.Nodes() {
		fmt.Fprintf(&b, "  node %s cpus=%d mem=%d registered=%v down=%v drain=%v reason=%q holds=%v agent_up=%v\n",
			n.Name, n.CPUs, n.MemMB, n.Registered, n.Down, n.Drain, n.Reason, n.Holds, w.nodes[i].up)
	}
	return b.String()
}
