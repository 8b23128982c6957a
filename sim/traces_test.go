package sim

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/cryptotest"
	"time"
)

// Trace flags. `go test ./sim -run TestTraces -trace-dir=DIR -seeds=100`
// writes DIR/seed-N.itf.json for tla/tracecheck.mjs (see tla/README.md,
// "Trace checking"). Trace runs use a smaller cluster than TestSim so that
// checking a hundred traces stays within a CI minute or two.
var (
	flagTraceDir   = flag.String("trace-dir", "", "write each seed's JobLifecycle ITF trace into this directory")
	flagTraceNodes = flag.Int("trace-nodes", 6, "nodes per cluster in trace runs")
	flagTraceJobs  = flag.Int("trace-jobs", 40, "jobs per run in trace runs")
	flagRaftStates = flag.Int("raft-trace-states", raftTraceLimit, "RaftLog traces stop after this many states (a prefix of the run)")
	flagCtlStates  = flag.Int("ctl-trace-states", ctlTraceLimit, "ControllerReplication traces stop after this many states (a prefix of the run)")
	flagTraceBug   = flag.String("trace-bug", "", "write traces of this deliberately broken mapping instead (merge-start, completing-alloc, raft-unsplit, sched-half-cap, ctl-term-plus-one, ctl-where-last-node): the trace checker must reject every one")
)

func traceOptions(seed uint64) Options {
	return Knobs(seed, *flagCtl, *flagTraceNodes, *flagTraceJobs, *flagFaults)
}

// recordSeed runs one seed with the trace recorder and returns the
// JobLifecycle ITF of each mapping asked for, and the other specs' traces
// of the run (keyed by file suffix, e.g. "raft").
func recordSeed(t *testing.T, seed uint64, mappings ...mappingBug) (Result, [][]byte, map[string][]byte) {
	cryptotest.SetGlobalRandom(t, seed)
	raftTraceLimit = *flagRaftStates
	ctlTraceLimit = *flagCtlStates
	o := traceOptions(seed)
	res, recs := run(o, nil, mappings...)
	var out [][]byte
	for _, rec := range recs {
		desc := "options: " + o.String()
		if rec.bug != bugNone {
			desc = "BAD: deliberately broken mapping " + string(rec.bug) + "; " + desc
		}
		out = append(out, rec.ITF(seed, desc))
	}
	if len(out) != len(mappings) {
		t.Fatalf("seed %d: %d recorders for %d mappings: %v", seed, len(out), len(mappings), res.Err)
	}
	// The other specs' traces: "raft" and "sched" of the real mapping,
	// "raft-bad" and "sched-bad" of a broken mapping of that spec.
	others := map[string][]byte{}
	for _, rec := range recs {
		suffix, desc := "", "options: "+o.String()
		if rec.bug != bugNone {
			suffix, desc = "-bad", "BAD: deliberately broken mapping "+string(rec.bug)+"; "+desc
		}
		if rec.raft != nil {
			others["raft"+suffix] = rec.raft.ITF(seed, desc)
		}
		if rec.sched != nil {
			others["sched"+suffix] = rec.sched.ITF(seed, desc)
		}
		if rec.ctl != nil {
			others["ctl"+suffix] = rec.ctl.ITF(seed, desc)
		}
	}
	return res, out, others
}

// traceBug is the -trace-bug mapping, bugNone without the flag.
func traceBug(t *testing.T) mappingBug {
	if *flagTraceBug == "" {
		return bugNone
	}
	for _, b := range slices.Concat(mappingBugs, raftMappingBugs, schedMappingBugs, ctlMappingBugs) {
		if string(b) == *flagTraceBug {
			return b
		}
	}
	t.Fatalf("-trace-bug=%q: known bugs are %v %v %v %v", *flagTraceBug, mappingBugs, raftMappingBugs, schedMappingBugs, ctlMappingBugs)
	return bugNone
}

// TestTraces writes the JobLifecycle trace of every seed of the sweep.
// Without -trace-dir it only checks that one seed records a plausible trace.
func TestTraces(t *testing.T) {
	if *flagTraceDir == "" {
		t.Skip("no -trace-dir")
	}
	if err := os.MkdirAll(*flagTraceDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bug := traceBug(t)
	start := time.Now()
	var states, bytesOut, written int
	for _, seed := range sweep() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			mappings := []mappingBug{bugNone}
			if bug != bugNone {
				mappings = append(mappings, bug)
			}
			res, itfs, others := recordSeed(t, seed, mappings...)
			if res.Err != nil {
				t.Fatalf("%v\nreproduce: go test ./sim -run TestTraces -seed=%d -trace-dir=DIR -trace-nodes=%d -trace-jobs=%d",
					res.Err, seed, *flagTraceNodes, *flagTraceJobs)
			}
			itf := itfs[0]
			name := fmt.Sprintf("seed-%d.itf.json", seed)
			spec := ""
			if slices.Contains(raftMappingBugs, bug) {
				spec = "raft"
			} else if slices.Contains(schedMappingBugs, bug) {
				spec = "sched"
			} else if slices.Contains(ctlMappingBugs, bug) {
				spec = "ctl"
			}
			switch {
			case spec != "":
				// Only a trace the bug changed must be rejected.
				if bytes.Equal(bytes.ReplaceAll(others[spec+"-bad"], []byte("BAD: deliberately broken mapping "+string(bug)+"; "), nil), others[spec]) {
					return
				}
				itf, name = others[spec+"-bad"], fmt.Sprintf("seed-%d.%s.itf.json", seed, spec)
			case bug != bugNone:
				if bytes.Equal(bytes.ReplaceAll(itfs[1], []byte("BAD: deliberately broken mapping "+string(bug)+"; "), nil), itf) {
					return
				}
				itf = itfs[1]
			}
			n := bytes.Count(itf, []byte(`"#meta": {"index"`))
			if n < 2 {
				t.Fatalf("seed %d: trace has %d states: nothing recorded", seed, n)
			}
			states += n
			bytesOut += len(itf)
			path := filepath.Join(*flagTraceDir, name)
			if err := os.WriteFile(path, itf, 0o644); err != nil {
				t.Fatal(err)
			}
			written++
			if bug != bugNone {
				return // only the broken mapping's trace
			}
			for _, suffix := range slices.Sorted(maps.Keys(others)) {
				o := others[suffix]
				states += bytes.Count(o, []byte(`"#meta": {"index"`))
				bytesOut += len(o)
				path := filepath.Join(*flagTraceDir, fmt.Sprintf("seed-%d.%s.itf.json", seed, suffix))
				if err := os.WriteFile(path, o, 0o644); err != nil {
					t.Fatal(err)
				}
				written++
			}
		})
	}
	t.Logf("%d traces written, %d states, %d KB in %v", written, states, bytesOut>>10, time.Since(start).Round(time.Millisecond))
	if bug != bugNone && written == 0 {
		t.Errorf("-trace-bug=%s changed no trace of this sweep: it proves nothing", bug)
	}
}

// TestTraceDeterminism records two seeds twice each: the trace files must
// be byte-identical, or CI's trace check would not be reproducible.
func TestTraceDeterminism(t *testing.T) {
	if *flagSeed >= 0 {
		t.Skip("single-seed run")
	}
	for _, seed := range []uint64{5, 23} {
		var first []byte
		for i := 0; i < 2; i++ {
			t.Run(fmt.Sprintf("seed=%d/run=%d", seed, i), func(t *testing.T) {
				res, itfs, others := recordSeed(t, seed, bugNone)
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				itf := itfs[0]
				for _, suffix := range slices.Sorted(maps.Keys(others)) {
					itf = append(append(itf, "\n"...), others[suffix]...)
				}
				if i == 0 {
					first = itf
					return
				}
				if !bytes.Equal(first, itf) {
					t.Errorf("seed %d: the trace differs between two runs (%d and %d bytes)", seed, len(first), len(itf))
				}
			})
		}
	}
}
