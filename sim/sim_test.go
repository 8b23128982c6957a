package sim

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"
)

// Flags. `go test ./sim -run TestSim -seed=N -v` replays one run;
// `-seeds=K -seed-start=S` sweeps K seeds from S.
var (
	flagSeed      = flag.Int64("seed", -1, "run only this seed")
	flagSeeds     = flag.Int("seeds", 10, "number of seeds to sweep")
	flagSeedStart = flag.Uint64("seed-start", 1, "first seed of the sweep")
	flagCtl       = flag.Int("controllers", 3, "controllers per cluster")
	flagNodes     = flag.Int("nodes", 12, "nodes per cluster")
	flagJobs      = flag.Int("jobs", 120, "jobs submitted per run")
	flagFaults    = flag.Bool("faults", true, "inject faults")
	flagTrace     = flag.Bool("simtrace", false, "print the readable trace of a single-seed run")
	flagCoverage  = flag.Bool("coverage", false, "fail unless every fault kind and interesting case occurred in the sweep")
	flagCountsOut = flag.String("counts-out", "", "write the sweep's sometimes-counters to this JSON file")
	flagCountsIn  = flag.String("counts-in", "", "comma-separated counter files for TestCoverageMerged")
)

func options(seed uint64) Options { return Knobs(seed, *flagCtl, *flagNodes, *flagJobs, *flagFaults) }

// runSeed runs one seed with etcd raft's election jitter pinned to it.
func runSeed(t *testing.T, seed uint64) Result {
	cryptotest.SetGlobalRandom(t, seed)
	var tw *os.File
	if *flagTrace {
		tw = os.Stdout
	}
	if tw == nil {
		return Run(options(seed), nil)
	}
	return Run(options(seed), tw)
}

func reproduce(seed uint64) string {
	return fmt.Sprintf("go test ./sim -run 'TestSim$' -seed=%d -controllers=%d -nodes=%d -jobs=%d -faults=%v -v",
		seed, *flagCtl, *flagNodes, *flagJobs, *flagFaults)
}

// TestSim runs one seed (-seed) or a sweep, checking every invariant.
func TestSim(t *testing.T) {
	seeds := sweep()
	total := map[string]int{}
	start := time.Now()
	failures := 0
	for _, seed := range seeds {
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			res := runSeed(t, seed)
			t.Log(res.String())
			if len(seeds) == 1 || testing.Verbose() {
				fmt.Println(res.String())
			}
			for k, v := range res.Sometimes {
				total[k] += v
			}
			if res.Err != nil {
				t.Errorf("%v\noptions: %s\nreproduce: %s", res.Err, options(seed), reproduce(seed))
			}
		})
		if !ok {
			failures++
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d seeds in %v (%.1f seeds/min), %d failed", len(seeds), elapsed.Round(time.Millisecond),
		float64(len(seeds))/elapsed.Minutes(), failures)
	if *flagCountsOut != "" {
		data, err := json.Marshal(total)
		if err == nil {
			err = os.WriteFile(*flagCountsOut, data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if *flagCoverage {
		checkCoverage(t, total)
	}
}

// TestCoverageMerged checks coverage over the counters of several sweeps
// run in separate processes (make test shards seeds over both cores).
func TestCoverageMerged(t *testing.T) {
	if *flagCountsIn == "" {
		t.Skip("no -counts-in files")
	}
	total := map[string]int{}
	for _, f := range strings.Split(*flagCountsIn, ",") {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		part := map[string]int{}
		if err := json.Unmarshal(data, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range part {
			total[k] += v
		}
	}
	checkCoverage(t, total)
}

func sweep() []uint64 {
	if *flagSeed >= 0 {
		return []uint64{uint64(*flagSeed)}
	}
	var out []uint64
	for i := 0; i < *flagSeeds; i++ {
		out = append(out, *flagSeedStart+uint64(i))
	}
	return out
}

// mustHappen lists what a sweep must have exercised: every fault kind and
// the interesting case of every invariant. A sweep that never crashes a
// leader cannot claim failover works.
var mustHappen = []string{
	"fault.ctl_crash", "fault.ctl_restart", "fault.node_crash", "fault.node_restart",
	"fault.node_daemon_restart", "daemon.exit_while_down", "daemon.exit_redelivered", "daemon.alloc_adopted",
	"daemon.adopted_job_finished",
	"fault.partition", "fault.partition_oneway", "fault.lost_unsynced_writes", "fault.clock_jump",
	"net.drop", "net.duplicate", "net.stall", "net.reorder", "net.delay", "net.partition_drop",
	"raft.leader_change", "raft.snapshot_sent", "check.hash_compared",
	"client.retry", "client.timeout", "client.redirect", "submit.acked_after_retry",
	"job.RUNNING->COMPLETED", "job.RUNNING->FAILED", "job.RUNNING->TIMEOUT", "job.RUNNING->CANCELLED",
	"job.PENDING->CANCELLED", "job.RUNNING->PENDING", "job.RUNNING->NODE_FAIL",
	"job.zombie_concurrent_with_requeue", "agent.refused_stale_term", "sched.stale_placement_skipped",
	"sched.node_list_started",
}

func checkCoverage(t *testing.T, total map[string]int) {
	var missing, seen []string
	for _, k := range mustHappen {
		if total[k] == 0 {
			missing = append(missing, k)
		}
	}
	for k, v := range total {
		seen = append(seen, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(seen)
	t.Logf("coverage: %s", strings.Join(seen, " "))
	if len(missing) > 0 {
		t.Errorf("never happened in this sweep: %v", missing)
	}
}

// TestDeterminism runs a sample of seeds twice and requires identical
// trace hashes.
func TestDeterminism(t *testing.T) {
	if *flagSeed >= 0 {
		t.Skip("single-seed run")
	}
	for _, seed := range []uint64{3, 17, 101} {
		var first string
		for i := 0; i < 2; i++ {
			t.Run(fmt.Sprintf("seed=%d/run=%d", seed, i), func(t *testing.T) {
				res := runSeed(t, seed)
				if i == 0 {
					first = res.Trace
				} else if res.Trace != first {
					t.Errorf("seed %d: trace %s then %s: the simulation is not deterministic", seed, first, res.Trace)
				}
			})
		}
	}
}

// TestTraceHasNoPointers guards the trace against printing addresses,
// which differ between processes (the classic way a trace stops replaying).
func TestTraceHasNoPointers(t *testing.T) {
	if *flagSeed >= 0 {
		t.Skip("single-seed run")
	}
	cryptotest.SetGlobalRandom(t, 7)
	var buf bytes.Buffer
	res := Run(options(7), &buf)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if m := regexp.MustCompile(`0x[0-9a-f]{8,}`).FindString(buf.String()); m != "" {
		t.Fatalf("trace prints what looks like a pointer: %s", m)
	}
}
