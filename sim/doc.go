// Package sim is FLURM's deterministic simulator: whole clusters of
// controllers (core/controller) and node agents (core/agent), the same code
// that runs in production, wired to a simulated network, disks, clocks and
// job processes, all driven by one seed.
//
// A run has two phases. In the safety phase a workload of clients submits,
// cancels and updates jobs while faults are injected: controller and node
// crashes and restarts, node daemon restarts that leave jobs running for
// the next daemon to adopt (daemon.go), symmetric and one-way partitions,
// dropped, duplicated, reordered and delayed messages, loss of unsynced
// disk writes, clock skew and jumps. Invariants are checked after every event. In the
// liveness phase faults heal and stop, and every acknowledged job must reach
// a final state within a bound.
//
// A run can also record the committed log as an ITF trace of the TLA+ spec
// tla/JobLifecycle.tla, through a refinement mapping from state.Machine to
// the spec's variables (refine.go, itf.go; TestTraces writes them,
// tla/tracecheck.mjs checks them). The trace of a seed is byte-identical in
// every process.
//
// Everything random comes from the seed through per-component streams, so
// `go test ./sim -run TestSim -seed=N` replays a run exactly; its trace hash
// proves it. See SIMULATION.md at the repository root.
package sim
