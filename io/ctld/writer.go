package ctld

import (
	"fmt"
	"sync"

	"github.com/flurm/flurm/core/controller"
)

// maxQueuedWrites bounds the writes waiting for storage. The controller has
// at most one acknowledged write in flight plus the occasional snapshot, so
// reaching it means storage has stalled far beyond any useful latency.
const maxQueuedWrites = 1024

// writer applies Persist effects to storage one at a time, in the order
// they were queued, on its own goroutine, so the event loop keeps stepping
// Raft while a sync is in progress. Finished tokens are handed back through
// ready; after the first error it applies nothing more.
type writer struct {
	storage Storage

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []controller.Persist
	done    []uint64 // tokens written, not yet taken
	err     error
	closing bool

	ready  chan struct{} // capacity 1: something is waiting in done or err
	exited chan struct{}
}

func newWriter(s Storage) *writer {
	w := &writer{storage: s, ready: make(chan struct{}, 1), exited: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// enqueue queues p behind every earlier write. It fails when storage has
// failed or the queue is full; the caller must then stop the controller.
func (w *writer) enqueue(p controller.Persist) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.closing {
		return fmt.Errorf("ctld: write after close")
	}
	if len(w.queue) >= maxQueuedWrites {
		return fmt.Errorf("ctld: storage stalled: %d writes queued", len(w.queue))
	}
	w.queue = append(w.queue, p)
	w.cond.Signal()
	return nil
}

// take returns the tokens written since the last call, in order, and the
// storage error, if any.
func (w *writer) take() ([]uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	done := w.done
	w.done = nil
	return done, w.err
}

// close lets the writer finish what is queued, waits for it and returns
// the storage error, if any.
func (w *writer) close() error {
	w.mu.Lock()
	w.closing = true
	w.cond.Signal()
	w.mu.Unlock()
	<-w.exited
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) run() {
	defer close(w.exited)
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.closing {
			w.cond.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		p := w.queue[0]
		w.queue[0] = controller.Persist{}
		w.queue = w.queue[1:]
		w.mu.Unlock()

		err := w.storage.Apply(p)

		w.mu.Lock()
		if err != nil {
			w.err = fmt.Errorf("ctld: storage write (token %d): %w", p.Token, err)
			w.queue = nil
		} else if p.Token != 0 {
			w.done = append(w.done, p.Token)
		}
		w.mu.Unlock()
		select {
		case w.ready <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}
