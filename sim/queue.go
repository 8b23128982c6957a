package sim

import "container/heap"

// event is something that happens at a global virtual time. seq breaks ties
// in insertion order, so the queue's order never depends on heap internals.
type event struct {
	at  int64 // nanoseconds of global virtual time
	seq uint64
	fn  func()
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// queue is the simulator's single event queue.
type queue struct {
	h   eventHeap
	seq uint64
	now int64
}

func (q *queue) at(t int64, fn func()) {
	if t < q.now {
		t = q.now
	}
	q.seq++
	heap.Push(&q.h, &event{at: t, seq: q.seq, fn: fn})
}

func (q *queue) after(d int64, fn func()) { q.at(q.now+d, fn) }

// step runs the next event; it reports false when the queue is empty or the
// next event is after limit.
func (q *queue) step(limit int64) bool {
	if len(q.h) == 0 || q.h[0].at > limit {
		return false
	}
	e := heap.Pop(&q.h).(*event)
	q.now = e.at
	e.fn()
	return true
}
