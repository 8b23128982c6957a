// Package acceptloop is the accept loop of FLURM's Slurm-protocol servers
// (io/slurmrpc on the controllers, io/taskd on the nodes): one connection
// per request, a bounded number at once, and no giving up on a transient
// accept error.
package acceptloop

import (
	"errors"
	"log/slog"
	"net"
	"time"
)

// Backoff bounds on a failing Accept (out of descriptors and the like).
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// Serve accepts connections on ln until the server closes. Before each
// Accept it takes a slot (a send on slots), so that beyond cap(slots)
// clients queue in the kernel instead of holding goroutines and
// descriptors; whoever finishes a connection must release its slot (a
// receive on slots). Each accepted connection is offered to track, which
// refuses it once the server is closing, and then served on its own
// goroutine.
//
// Serve returns nil when the server closed (done is closed, closing
// reports true, or track refused a connection), and the listener's error
// when it failed for good (net.ErrClosed by someone else).
func Serve(ln net.Listener, slots chan struct{}, done <-chan struct{}, closing func() bool,
	track func(net.Conn) bool, serve func(net.Conn), log *slog.Logger) error {
	backoff := minBackoff
	for {
		select {
		case slots <- struct{}{}:
		case <-done:
			return nil
		}
		c, err := ln.Accept()
		if err != nil {
			<-slots
			if closing() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			log.Warn("accept", "addr", ln.Addr(), "err", err)
			time.Sleep(backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		if !track(c) {
			<-slots
			c.Close()
			return nil
		}
		go serve(c)
	}
}
