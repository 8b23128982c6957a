package raftstore

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/flurm/flurm/core/controller"
	"pgregory.net/rapid"
)

// crashAndLoad simulates a crash of fs now: it opens a crash clone, which
// holds all synced data and, with unsyncedPercent > 0, some of what was not
// synced, and loads it.
func crashAndLoad(t *rapid.T, fs *vfs.MemFS, unsyncedPercent int, seed uint64) controller.Persisted {
	clone := fs.CrashClone(vfs.CrashCloneCfg{
		UnsyncedDataPercent: unsyncedPercent,
		RNG:                 rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	})
	return loadClone(t, clone)
}

func loadClone(t *rapid.T, clone *vfs.MemFS) controller.Persisted {
	s := openTest(t, clone)
	defer func() {
		if err := s.Close(); err != nil {
			t.Fatalf("closing the recovered store: %v", err)
		}
	}()
	return mustLoad(t, s)
}

// TestCrashKeepsCompletedWrites crashes the file system at random points:
// between writes, a recovered store holds exactly what the completed writes
// left; during a write, it holds the state before or after that write,
// never a mix. Crashes keep a random share of unsynced data, as a kernel
// may have written some of it back.
func TestCrashKeepsCompletedWrites(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fs := vfs.NewCrashableMem()
		s := openTest(t, fs)
		defer func() { _ = s.Close() }()
		var m controller.Persisted
		for step := range rapid.IntRange(1, 25).Draw(t, "steps") {
			w := genWrite(t, m)
			crash := rapid.IntRange(0, 5).Draw(t, "crash")
			unsynced := rapid.SampledFrom([]int{0, 10, 50, 100}).Draw(t, "unsyncedPercent")
			seed := rapid.Uint64().Draw(t, "seed")
			before := m
			m = modelApply(m, w)

			if crash == 0 { // during the write
				var clone *vfs.MemFS
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					clone = fs.CrashClone(vfs.CrashCloneCfg{
						UnsyncedDataPercent: unsynced,
						RNG:                 rand.New(rand.NewPCG(seed, seed)),
					})
				}()
				if err := s.Apply(w); err != nil {
					t.Fatalf("step %d: Apply: %v", step, err)
				}
				wg.Wait()
				got := loadClone(t, clone)
				if persistedDiff(before, got) != "" && persistedDiff(m, got) != "" {
					t.Fatalf("step %d: crash during a write recovered neither the state before nor after it:\n(-after +recovered)\n%s",
						step, persistedDiff(m, got))
				}
				continue
			}
			if err := s.Apply(w); err != nil {
				t.Fatalf("step %d: Apply: %v", step, err)
			}
			if crash == 1 { // after the write returned
				if d := persistedDiff(m, crashAndLoad(t, fs, unsynced, seed)); d != "" {
					t.Fatalf("step %d: crash after Apply lost data (-want +recovered):\n%s", step, d)
				}
			}
		}
	})
}
