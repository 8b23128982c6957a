package sim

import (
	"fmt"
	"strings"
	"time"
)

// Options is everything a run depends on besides the seed. Knobs draws most
// of them from the seed (swarm testing: each seed explores its own mix of
// fault rates and timeouts); flags can pin them to shrink a failure.
type Options struct {
	Seed        uint64
	Controllers int
	Nodes       int
	Jobs        int // submissions in the safety phase
	Clients     int

	SafetyDuration   time.Duration // faults and workload
	LivenessDeadline time.Duration // after the safety phase, every acked job must be final by then

	Faults bool // false: a fault-free run (scenario debugging, benchmarks)

	// Network.
	DropRate, DupRate  float64
	StallRate          float64 // share of messages held up for seconds (retransmits, pauses)
	MinDelay, MaxDelay time.Duration
	PartitionRate      float64 // partitions started per simulated minute
	OneWayShare        float64 // share of partitions that are one-way

	// Processes.
	CtlCrashRate  float64 // controller crashes per simulated minute
	NodeCrashRate float64 // node crashes per simulated minute
	// Node daemon restarts per simulated minute: flurmnd alone restarts,
	// jobs keep running and are adopted (daemon.go).
	DaemonRestartRate float64
	DownTime          time.Duration
	DiskLatency       time.Duration

	// Clocks.
	MaxSkew  time.Duration
	JumpRate float64 // clock jumps per simulated minute
	MaxJump  time.Duration

	// Controller and agent knobs.
	TickInterval    time.Duration
	ElectionTicks   int
	NodeTimeout     time.Duration
	HeartbeatEvery  time.Duration
	KillWait        time.Duration
	SchedInterval   time.Duration
	SnapshotEvery   uint64
	ReturnToService int
	JobRequeue      bool
	Backfill        bool
}

// Knobs draws a seed's options for the given cluster shape.
func Knobs(seed uint64, controllers, nodes, jobs int, faults bool) Options {
	r := stream(seed, "knobs")
	o := Options{
		Seed: seed, Controllers: controllers, Nodes: nodes, Jobs: jobs, Clients: 1 + r.intn(4),
		SafetyDuration:   time.Duration(r.between(120, 300)) * time.Second,
		LivenessDeadline: 3 * time.Hour,
		Faults:           faults,
		MinDelay:         time.Duration(r.between(100, 1000)) * time.Microsecond,
		TickInterval:     time.Duration(r.between(50, 200)) * time.Millisecond,
		ElectionTicks:    int(r.between(5, 15)),
		HeartbeatEvery:   time.Duration(r.between(2, 10)) * time.Second,
		KillWait:         time.Duration(r.between(1, 30)) * time.Second,
		SchedInterval:    time.Duration(r.between(200, 2000)) * time.Millisecond,
		SnapshotEvery:    uint64(r.between(20, 400)),
		ReturnToService:  r.intn(3),
		JobRequeue:       r.chance(0.7),
		Backfill:         r.chance(0.85),
		DiskLatency:      time.Duration(r.between(50, 20_000)) * time.Microsecond,
	}
	o.MaxDelay = o.MinDelay + time.Duration(r.between(0, 20_000))*time.Microsecond
	o.NodeTimeout = o.HeartbeatEvery * time.Duration(r.between(3, 8))
	if !faults {
		return o
	}
	// Each fault kind is off in some seeds and strong in others.
	pick := func(p float64, lo, hi float64) float64 {
		if !r.chance(p) {
			return 0
		}
		return lo + (hi-lo)*r.float()
	}
	o.DropRate = pick(0.7, 0.001, 0.08)
	o.DupRate = pick(0.5, 0.001, 0.05)
	o.StallRate = pick(0.6, 0.0005, 0.01)
	if r.chance(0.2) {
		o.MaxDelay += time.Duration(r.between(10, 400)) * time.Millisecond // a slow network
	}
	o.PartitionRate = pick(0.7, 0.2, 3)
	o.OneWayShare = r.float()
	o.CtlCrashRate = pick(0.7, 0.2, 3)
	o.NodeCrashRate = pick(0.6, 0.1, 2)
	o.DownTime = time.Duration(r.between(1, 60)) * time.Second
	o.MaxSkew = time.Duration(r.between(0, 5000)) * time.Millisecond
	o.JumpRate = pick(0.4, 0.1, 1)
	o.MaxJump = time.Duration(r.between(100, 30_000)) * time.Millisecond
	o.DaemonRestartRate = pick(0.6, 0.2, 3) // drawn last: the draws above stay where they were
	return o
}

// String prints every option, so a failure report says exactly what ran.
func (o Options) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "controllers=%d nodes=%d jobs=%d clients=%d safety=%v faults=%v ",
		o.Controllers, o.Nodes, o.Jobs, o.Clients, o.SafetyDuration, o.Faults)
	fmt.Fprintf(&b, "drop=%.3f dup=%.3f stall=%.4f delay=%v..%v partitions/min=%.2f oneway=%.2f ",
		o.DropRate, o.DupRate, o.StallRate, o.MinDelay, o.MaxDelay, o.PartitionRate, o.OneWayShare)
	fmt.Fprintf(&b, "ctlcrash/min=%.2f nodecrash/min=%.2f daemonrestart/min=%.2f down=%v disk=%v skew=%v jumps/min=%.2f maxjump=%v ",
		o.CtlCrashRate, o.NodeCrashRate, o.DaemonRestartRate, o.DownTime, o.DiskLatency, o.MaxSkew, o.JumpRate, o.MaxJump)
	fmt.Fprintf(&b, "tick=%v election=%d nodetimeout=%v hb=%v killwait=%v sched=%v snapevery=%d rts=%d requeue=%v backfill=%v",
		o.TickInterval, o.ElectionTicks, o.NodeTimeout, o.HeartbeatEvery, o.KillWait, o.SchedInterval,
		o.SnapshotEvery, o.ReturnToService, o.JobRequeue, o.Backfill)
	return b.String()
}
