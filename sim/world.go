package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"sort"
	"time"

	"github.com/flurm/flurm/core/msg"
)

// process is anything that receives messages: a controller, a node agent
// or a client.
type process interface {
	addr() msg.Addr
	alive() bool
	incarnation() uint64
	deliver(from msg.Addr, m msg.Message)
}

// World is one simulated cluster.
type World struct {
	opts  Options
	q     queue
	procs map[msg.Addr]process
	order []msg.Addr // sorted addresses, for deterministic iteration

	net    *network
	ctls   []*ctlProc
	nodes  []*nodeProc
	client []*client
	check  *checker
	rec    *traceRecorder // JobLifecycle trace of the committed log, when recording (itf.go)

	trace   hash.Hash
	traceW  io.Writer // optional human-readable trace
	buf     []byte
	events  uint64
	healed  bool // liveness phase: no new faults
	failure error
}

func (w *World) now() int64 { return w.q.now }

// register adds a process.
func (w *World) register(p process) {
	w.procs[p.addr()] = p
	w.order = append(w.order, p.addr())
	sort.Slice(w.order, func(i, j int) bool { return w.order[i] < w.order[j] })
}

// tracef records one trace line: always into the hash, and into the
// readable trace when one is attached. Lines hold values only, never
// pointers or map order, so the hash is the same in every process.
func (w *World) tracef(format string, args ...any) {
	w.buf = w.buf[:0]
	w.buf = binary.AppendVarint(w.buf, w.q.now)
	w.buf = fmt.Appendf(w.buf, format, args...)
	w.trace.Write(w.buf)
	if w.traceW != nil {
		fmt.Fprintf(w.traceW, "%12.6f ", float64(w.q.now)/1e9)
		fmt.Fprintf(w.traceW, format, args...)
		fmt.Fprintln(w.traceW)
	}
}

// fail records the first invariant violation; the run stops at once.
func (w *World) fail(format string, args ...any) {
	if w.failure == nil {
		w.failure = fmt.Errorf("t=%.6fs: %s", float64(w.q.now)/1e9, fmt.Sprintf(format, args...))
		w.tracef("FAIL %v", w.failure)
	}
}

func newWorld(o Options, traceW io.Writer) *World {
	w := &World{opts: o, procs: map[msg.Addr]process{}, trace: sha256.New(), traceW: traceW}
	w.net = newNetwork(w)
	w.check = newChecker(w)
	return w
}

// TraceHash is the hash of every trace line so far.
func (w *World) TraceHash() string { return fmt.Sprintf("%x", w.trace.Sum(nil)[:12]) }

func dur(d time.Duration) int64 { return int64(d) }
