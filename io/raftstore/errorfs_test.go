package raftstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/flurm/flurm/core/controller"
	pb "go.etcd.io/raft/v3/raftpb"
)

// TestWALErrorFailsStore injects a write or sync error into Pebble's WAL:
// Apply must return an error (not report a write durable that may not be),
// the store must refuse later writes, and a restart must find every write
// that completed before, plus possibly the failed one, never a mix.
func TestWALErrorFailsStore(t *testing.T) {
	for _, kind := range []errorfs.OpKind{errorfs.OpFileWrite, errorfs.OpFileSync} {
		t.Run(kindName(kind), func(t *testing.T) {
			mem := vfs.NewCrashableMem()
			toggle := &errorfs.Toggle{Injector: errorfs.InjectorFunc(func(op errorfs.Op) error {
				if strings.HasSuffix(op.Path, ".log") && (op.Kind == kind || (kind == errorfs.OpFileSync && op.Kind == errorfs.OpFileSyncData)) {
					return errorfs.ErrInjected
				}
				return nil
			})}
			s := openTest(t, errorfs.Wrap(mem, toggle))
			if err := s.Apply(baseWrite); err != nil {
				t.Fatal(err)
			}
			before := mustLoad(t, s)
			failing := controller.Persist{Entries: []*pb.Entry{ent(16, 3)}, HardState: hard(3, 1, 13)}
			after := modelApply(before, failing)

			toggle.On()
			err := s.Apply(failing)
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("Apply with a failing WAL = %v, want ErrFailed", err)
			}
			t.Logf("Apply error: %v", err)
			toggle.Off()
			if err := s.Apply(controller.Persist{Entries: []*pb.Entry{ent(17, 3)}}); !errors.Is(err, ErrFailed) {
				t.Fatalf("Apply after a failure = %v, want ErrFailed", err)
			}
			if _, err := s.Load(); !errors.Is(err, ErrFailed) {
				t.Fatalf("Load after a failure = %v, want ErrFailed", err)
			}
			closed := make(chan error, 1)
			go func() { closed <- s.Close() }()
			select {
			case err := <-closed:
				t.Logf("Close after failure: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("Close hangs after a failed write")
			}

			r := openTest(t, mem.CrashClone(vfs.CrashCloneCfg{}))
			defer r.Close()
			got := mustLoad(t, r)
			if persistedDiff(before, got) != "" && persistedDiff(after, got) != "" {
				t.Fatalf("recovered state is neither before nor after the failed write:\n%s", persistedDiff(before, got))
			}
		})
	}
}

func kindName(k errorfs.OpKind) string {
	if k == errorfs.OpFileWrite {
		return "write"
	}
	return "sync"
}

// TestOpenWithFailingWAL checks a WAL failure while Open records the
// identity is an error from Open, not a crash.
func TestOpenWithFailingWAL(t *testing.T) {
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if strings.HasSuffix(op.Path, ".log") && op.Kind == errorfs.OpFileWrite {
			return errorfs.ErrInjected
		}
		return nil
	})
	opts := testIdentity
	opts.FS, opts.Logf = errorfs.Wrap(vfs.NewMem(), inj), t.Logf
	s, err := Open("data", opts)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded although its identity write failed")
	}
	t.Logf("Open error: %v", err)
}
