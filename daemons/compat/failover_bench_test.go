package compat

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkFailover measures what a user sees when the Raft leader dies:
// the time from SIGKILL of the leading flurmctld to the first sbatch that
// is acknowledged, with Slurm's own sbatch trying the SlurmctldHost
// entries in order. Each iteration kills the current leader, then starts
// it again and waits until all three controllers answer scontrol ping.
// Run it with make bench-failover; it reports the median and worst ack.
func BenchmarkFailover(b *testing.B) {
	f := newFailoverLab(b)
	var acks []time.Duration
	for range b.N {
		id := f.leader(b)
		killed := time.Now()
		f.ctl[id].Process.Signal(syscall.SIGKILL)
		f.ctl[id].Wait()
		for {
			out, rc := f.run("nobody", "sbatch", "--parsable", "-o", "/dev/null", "--wrap", "true")
			if rc == 0 {
				break
			}
			if time.Since(killed) > jobWait {
				b.Fatalf("no sbatch acknowledged %v after the leader died: %s\n%s", jobWait, out, f.logTails())
			}
		}
		acks = append(acks, time.Since(killed))
		if err := f.startController(id); err != nil {
			b.Fatal(err)
		}
		f.waitAllUp(b)
	}
	slices.Sort(acks)
	b.ReportMetric(float64(acks[len(acks)/2].Milliseconds()), "ms-ack-p50")
	b.ReportMetric(float64(acks[len(acks)-1].Milliseconds()), "ms-ack-max")
	b.Logf("sbatch acknowledged after the leader's SIGKILL: %v", acks)
}

// waitAllUp waits until scontrol ping shows every controller UP.
func (f *failoverLab) waitAllUp(t testing.TB) {
	deadline := time.Now().Add(jobWait)
	for {
		out, _ := f.run("", "scontrol", "ping")
		if strings.Count(out, " is UP") == len(f.logs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("controllers not all UP:\n%s\n%s", out, f.logTails())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
