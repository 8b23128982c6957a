package ctld

import (
	"bufio"
	"context"
	"net"
	"strings"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/peerwire"
)

// Node agent connections. A flurmnd dials every controller's peer port,
// says hello as "node/<name>" and then exchanges sealed KindNode frames
// (io/peerwire) on that one connection in both directions: heartbeats and
// launch refusals in, launches, kills and heartbeat acks out. The newest
// connection of a node replaces an older one. Messages to a node with no
// connection are dropped: the agent heartbeats again when it reconnects,
// and the leader's reconciliation resends whatever it still needs.

const (
	nodeQueueMsgs = 256 // messages waiting for one node; more are dropped
	maxNodeName   = 64
)

type nodeLink struct {
	name  string
	conn  net.Conn
	queue chan msg.Message
}

// nodeName parses "node/<name>".
func nodeName(a msg.Addr) (string, bool) {
	name, ok := strings.CutPrefix(string(a), "node/")
	if !ok || name == "" || len(name) > maxNodeName || strings.ContainsAny(name, "/ \t\n") {
		return "", false
	}
	return name, true
}

// sendNode queues m for node to without blocking.
func (t *transport) sendNode(to msg.Addr, m msg.Message) bool {
	name, ok := nodeName(to)
	if !ok {
		return false
	}
	t.mu.Lock()
	l := t.nodes[name]
	t.mu.Unlock()
	if l == nil {
		return false
	}
	select {
	case l.queue <- m:
		return true
	default:
		return false
	}
}

// serveNode runs one node agent's connection after its hello.
func (t *transport) serveNode(conn net.Conn, r *bufio.Reader, from msg.Addr, name string) {
	if t.sealer == nil {
		t.log.Warn("node connection refused: node authentication is not configured", "node", name, "remote", conn.RemoteAddr())
		return
	}
	l := &nodeLink{name: name, conn: conn, queue: make(chan msg.Message, nodeQueueMsgs)}
	t.mu.Lock()
	if old := t.nodes[name]; old != nil {
		old.conn.Close() // the agent reconnected (or restarted): the newest connection wins
	}
	t.nodes[name] = l
	t.mu.Unlock()
	ctx, cancel := context.WithCancel(t.ctx)
	defer func() {
		cancel()
		t.mu.Lock()
		if t.nodes[name] == l {
			delete(t.nodes, name)
		}
		t.mu.Unlock()
	}()
	go t.writeNode(ctx, l)

	conn.SetReadDeadline(time.Time{})
	for {
		kind, payload, err := peerwire.ReadFrame(r)
		if err != nil {
			if t.ctx.Err() == nil {
				t.log.Debug("node connection closed", "node", name, "err", err)
			}
			return
		}
		if kind != peerwire.KindNode {
			t.log.Warn("unexpected frame kind from node", "node", name, "kind", kind)
			return
		}
		m, err := peerwire.DecodeNode(ctx, t.sealer, payload)
		if err != nil {
			t.log.Warn("refused node frame", "node", name, "remote", conn.RemoteAddr(), "err", err)
			return
		}
		if !fromNode(m, name) {
			t.log.Warn("node message names another node or is not a node's message", "node", name)
			return
		}
		t.received.Add(1)
		if !t.deliver(from, m) {
			return
		}
	}
}

// fromNode reports whether m is something node name may send about itself.
func fromNode(m msg.Message, name string) bool {
	switch m := m.(type) {
	case msg.Heartbeat:
		return m.Node == name
	case msg.LaunchRefused:
		return m.Node == name
	}
	return false
}

// writeNode seals and writes queued messages until the connection fails.
// Sealing asks munged, so it happens here and never on the event loop.
func (t *transport) writeNode(ctx context.Context, l *nodeLink) {
	w := bufio.NewWriterSize(l.conn, 64<<10)
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-l.queue:
			f, err := peerwire.EncodeNode(ctx, t.sealer, m)
			if err != nil {
				t.dropped.Add(1)
				t.log.Warn("cannot seal node message", "node", l.name, "err", err)
				continue
			}
			l.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := w.Write(f); err != nil {
				l.conn.Close()
				return
			}
			t.sent.Add(1)
			if len(l.queue) == 0 {
				if err := w.Flush(); err != nil {
					l.conn.Close()
					return
				}
			}
		}
	}
}
