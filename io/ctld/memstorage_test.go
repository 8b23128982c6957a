package ctld

import (
	"errors"
	"sync"
	"time"

	"github.com/flurm/flurm/core/controller"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// memStorage is an in-memory Storage with Persist's rules. It can fail
// after a number of writes, hold writes at a gate, and be "crashed": the
// durable state is copied out and every later write fails.
type memStorage struct {
	mu        sync.Mutex
	durable   controller.Persisted
	tokens    []uint64 // tokens written, in order
	writes    int
	failAfter int // fail every write after this many; 0: never
	crashed   bool
	gate      chan struct{} // non-nil: each write waits for a receive from it
	delay     time.Duration // each write takes this long
}

var errInjected = errors.New("injected storage failure")

func (m *memStorage) Load() (controller.Persisted, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return clonePersisted(m.durable), nil
}

func (m *memStorage) Apply(p controller.Persist) error {
	m.mu.Lock()
	gate := m.gate
	m.mu.Unlock()
	if gate != nil {
		<-gate
	}
	time.Sleep(m.delay)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.crashed {
		return errors.New("storage of a killed process")
	}
	if m.failAfter > 0 && m.writes >= m.failAfter {
		return errInjected
	}
	m.writes++
	m.durable = controller.ApplyPersist(m.durable, p) // the contract itself; clonePersisted copies on crash
	m.tokens = append(m.tokens, p.Token)
	return nil
}

// crash returns a fresh storage holding exactly what was durable, and makes
// this one refuse every later write, as if the process had been killed.
func (m *memStorage) crash() *memStorage {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.crashed = true
	return &memStorage{durable: clonePersisted(m.durable)}
}

func (m *memStorage) writtenTokens() []uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]uint64(nil), m.tokens...)
}

func clonePersisted(s controller.Persisted) controller.Persisted {
	var out controller.Persisted
	if s.HardState != nil {
		out.HardState = proto.Clone(s.HardState).(*pb.HardState)
	}
	if s.Snapshot != nil {
		out.Snapshot = proto.Clone(s.Snapshot).(*pb.Snapshot)
	}
	for _, e := range s.Entries {
		out.Entries = append(out.Entries, proto.Clone(e).(*pb.Entry))
	}
	return out
}
