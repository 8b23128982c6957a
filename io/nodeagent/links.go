package nodeagent

import (
	"bufio"
	"context"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/peerwire"
)

const (
	linkQueueMsgs = 256
	dialTimeout   = 3 * time.Second
	writeTimeout  = 10 * time.Second
	minBackoff    = 100 * time.Millisecond
	maxBackoff    = 3 * time.Second
)

// link is the connection to one controller.
type link struct {
	addr     msg.Addr // "ctl/<id>"
	hostPort string
	self     msg.Addr
	sealer   peerwire.Sealer
	deliver  func(from msg.Addr, m msg.Message) bool
	log      *slog.Logger
	queue    chan msg.Message
	up       atomic.Bool
	onUp     func() // called each time the connection is (re)established
}

func (l *link) send(m msg.Message) bool {
	select {
	case l.queue <- m:
		return true
	default:
		return false
	}
}

// run keeps the connection up until ctx ends.
func (l *link) run(ctx context.Context) {
	backoff := minBackoff
	for ctx.Err() == nil {
		d := net.Dialer{Timeout: dialTimeout}
		conn, err := d.DialContext(ctx, "tcp", l.hostPort)
		if err != nil {
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		l.log.Info("connected to controller", "controller", l.addr, "addr", l.hostPort)
		err = l.serve(ctx, conn)
		conn.Close()
		l.up.Store(false)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("controller connection lost", "controller", l.addr, "err", err)
		if !sleep(ctx, minBackoff) {
			return
		}
	}
}

func (l *link) serve(ctx context.Context, conn net.Conn) error {
	hello, err := peerwire.HelloFrame(l.self)
	if err != nil {
		return err
	}
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := conn.Write(hello); err != nil {
		return err
	}
	l.up.Store(true)
	l.onUp()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	go func() { readErr <- l.read(ctx, conn) }()
	w := bufio.NewWriterSize(conn, 64<<10)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return err
		case m := <-l.queue:
			f, err := peerwire.EncodeNode(ctx, l.sealer, m)
			if err != nil {
				l.log.Warn("cannot seal message for controller", "controller", l.addr, "err", err)
				continue
			}
			conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := w.Write(f); err != nil {
				return err
			}
			if len(l.queue) == 0 {
				if err := w.Flush(); err != nil {
					return err
				}
			}
		}
	}
}

// read delivers the controller's frames until the connection fails. A frame
// that does not open is a reason to drop the connection: the controller
// (or whoever answers at its address) is not who it should be.
func (l *link) read(ctx context.Context, conn net.Conn) error {
	r := bufio.NewReaderSize(conn, 64<<10)
	for {
		kind, payload, err := peerwire.ReadFrame(r)
		if err != nil {
			return err
		}
		if kind != peerwire.KindNode {
			l.log.Warn("unexpected frame kind from controller", "controller", l.addr, "kind", kind)
			conn.Close()
			return nil
		}
		m, err := peerwire.DecodeNode(ctx, l.sealer, payload)
		if err != nil {
			l.log.Warn("refused frame from controller", "controller", l.addr, "err", err)
			conn.Close()
			return err
		}
		switch m.(type) {
		case msg.Launch, msg.Kill, msg.HeartbeatAck:
		default:
			l.log.Warn("controller sent a message meant for controllers", "controller", l.addr)
			conn.Close()
			return nil
		}
		if !l.deliver(l.addr, m) {
			return ctx.Err()
		}
	}
}

// sleep waits about d, jittered, and reports false if ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
