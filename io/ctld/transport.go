package ctld

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/peerwire"
)

// Transport limits and timings.
const (
	peerQueueFrames  = 1024 // frames waiting for one peer; more are dropped
	maxInboundConns  = 4096 // controllers and node agents
	dialTimeout      = 3 * time.Second
	helloTimeout     = 10 * time.Second
	writeTimeout     = 10 * time.Second
	minRedialBackoff = 50 * time.Millisecond
	maxRedialBackoff = 2 * time.Second
)

// TransportStats counts the peer transport's traffic.
type TransportStats struct {
	FramesSent, FramesReceived uint64
	Dropped                    uint64 // queue full, unroutable or unencodable
	Dials, DialFailures        uint64
}

// transport carries Raft messages between controllers over TCP: one
// persistent outbound connection per peer, fed by a bounded queue, and an
// inbound listener whose connections announce their sender in a hello.
type transport struct {
	self    msg.Addr
	links   map[uint64]*peerLink // fixed at construction
	ln      net.Listener         // nil: no inbound connections
	deliver func(from msg.Addr, m msg.Message) bool
	log     *slog.Logger

	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	sealer peerwire.Sealer // nil: node agents are refused

	mu    sync.Mutex
	conns map[net.Conn]struct{} // inbound, closed by close
	nodes map[string]*nodeLink  // node agents' connections by node name

	sent, received, dropped, dials, dialFailures atomic.Uint64
}

type peerLink struct {
	id    uint64
	addr  string
	queue chan []byte // encoded frames
}

// newTransport builds the transport of controller self. peers maps the
// other controllers' ids to the host:port of their listeners. deliver hands
// an inbound message to the event loop; it blocks (giving TCP
// back-pressure) and returns false once the runtime stops.
func newTransport(self uint64, peers map[uint64]string, ln net.Listener, sealer peerwire.Sealer,
	deliver func(msg.Addr, msg.Message) bool, log *slog.Logger) *transport {
	ctx, cancel := context.WithCancel(context.Background())
	t := &transport{self: msg.ControllerAddr(self), links: make(map[uint64]*peerLink), ln: ln, sealer: sealer,
		deliver: deliver, log: log, ctx: ctx, cancel: cancel, conns: make(map[net.Conn]struct{}),
		nodes: make(map[string]*nodeLink)}
	for id, addr := range peers {
		if id == self {
			continue
		}
		t.links[id] = &peerLink{id: id, addr: addr, queue: make(chan []byte, peerQueueFrames)}
	}
	return t
}

func (t *transport) start() {
	for _, l := range t.links {
		t.wg.Add(1)
		go t.runLink(l)
	}
	if t.ln != nil {
		t.wg.Add(1)
		go t.acceptLoop()
	}
}

// close stops every goroutine and closes every connection; queued frames
// are dropped (Raft tolerates loss).
func (t *transport) close() {
	t.cancel()
	if t.ln != nil {
		t.ln.Close()
	}
	t.mu.Lock()
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
}

func (t *transport) stats() TransportStats {
	return TransportStats{FramesSent: t.sent.Load(), FramesReceived: t.received.Load(),
		Dropped: t.dropped.Load(), Dials: t.dials.Load(), DialFailures: t.dialFailures.Load()}
}

// send queues m for controller or node address to without blocking. It
// reports whether the message was queued; a full queue or an address with
// no link drops it.
func (t *transport) send(to msg.Addr, m msg.Message) bool {
	if _, isNode := nodeName(to); isNode {
		if !t.sendNode(to, m) {
			t.dropped.Add(1)
			return false
		}
		return true
	}
	id, ok := controllerID(to)
	l := t.links[id]
	r, isRaft := m.(msg.Raft)
	if !ok || l == nil || !isRaft {
		t.dropped.Add(1)
		return false
	}
	f, err := peerwire.AppendFrame(nil, peerwire.KindRaft, r.Data)
	if err != nil {
		t.dropped.Add(1)
		t.log.Warn("dropping raft message", "to", to, "bytes", len(r.Data), "err", err)
		return false
	}
	select {
	case l.queue <- f:
		return true
	default:
		t.dropped.Add(1)
		return false
	}
}

// runLink keeps one outbound connection to a peer, redialling with
// jittered exponential backoff.
func (t *transport) runLink(l *peerLink) {
	defer t.wg.Done()
	backoff := minRedialBackoff
	for t.ctx.Err() == nil {
		t.dials.Add(1)
		d := net.Dialer{Timeout: dialTimeout}
		conn, err := d.DialContext(t.ctx, "tcp", l.addr)
		if err != nil {
			t.dialFailures.Add(1)
			if !t.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, maxRedialBackoff)
			continue
		}
		backoff = minRedialBackoff
		err = t.pump(l, conn)
		conn.Close()
		if t.ctx.Err() != nil {
			return
		}
		t.log.Debug("peer connection lost", "peer", l.id, "addr", l.addr, "err", err)
		if !t.sleep(minRedialBackoff) {
			return
		}
	}
}

// sleep waits about d (jittered so peers do not redial in lockstep) and
// reports false if the transport closed meanwhile.
func (t *transport) sleep(d time.Duration) bool {
	d = d/2 + rand.N(d/2+1)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.ctx.Done():
		return false
	}
}

// pump writes the hello and then queued frames until a write fails or the
// transport closes. Frames are batched and flushed when the queue is empty.
func (t *transport) pump(l *peerLink, conn net.Conn) error {
	hello, err := peerwire.HelloFrame(t.self)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(conn, 64<<10)
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := w.Write(hello); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for {
		select {
		case <-t.ctx.Done():
			return t.ctx.Err()
		case f := <-l.queue:
			conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := w.Write(f); err != nil {
				t.dropped.Add(1)
				return err
			}
			t.sent.Add(1)
			if len(l.queue) == 0 {
				if err := w.Flush(); err != nil {
					return err
				}
			}
		}
	}
}

func (t *transport) acceptLoop() {
	defer t.wg.Done()
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			t.log.Warn("peer listener accept", "err", err)
			if !t.sleep(minRedialBackoff) {
				return
			}
			continue
		}
		t.mu.Lock()
		if len(t.conns) >= maxInboundConns || t.ctx.Err() != nil {
			t.mu.Unlock()
			conn.Close()
			continue
		}
		t.conns[conn] = struct{}{}
		t.mu.Unlock()
		t.wg.Add(1)
		go t.serve(conn)
	}
}

// serve reads one inbound connection: a hello, then Raft frames delivered
// to the event loop as coming from the hello's sender.
func (t *transport) serve(conn net.Conn) {
	defer t.wg.Done()
	defer func() {
		conn.Close()
		t.mu.Lock()
		delete(t.conns, conn)
		t.mu.Unlock()
	}()
	r := bufio.NewReaderSize(conn, 64<<10)
	conn.SetReadDeadline(time.Now().Add(helloTimeout))
	kind, payload, err := peerwire.ReadFrame(r)
	if err != nil || kind != peerwire.KindHello {
		t.log.Debug("inbound connection without hello", "remote", conn.RemoteAddr(), "err", err)
		return
	}
	from, err := peerwire.ParseHello(payload)
	if err != nil {
		t.log.Warn("inbound connection with bad hello", "remote", conn.RemoteAddr(), "err", err)
		return
	}
	if name, isNode := nodeName(from); isNode {
		t.serveNode(conn, r, from, name)
		return
	}
	// Only configured controllers may speak Raft.
	id, ok := controllerID(from)
	if !ok || t.links[id] == nil {
		t.log.Warn("inbound connection from unknown sender", "remote", conn.RemoteAddr(), "from", from)
		return
	}
	conn.SetReadDeadline(time.Time{})
	for {
		kind, payload, err := peerwire.ReadFrame(r)
		if err != nil {
			if t.ctx.Err() == nil {
				t.log.Debug("inbound connection closed", "from", from, "err", err)
			}
			return
		}
		if kind != peerwire.KindRaft {
			t.log.Warn("unexpected frame kind from peer", "from", from, "kind", kind)
			return
		}
		t.received.Add(1)
		if !t.deliver(from, msg.Raft{Data: payload}) {
			return
		}
	}
}
