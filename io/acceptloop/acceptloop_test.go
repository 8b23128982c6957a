package acceptloop

import (
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

func TestServeBoundsAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	slots := make(chan struct{}, 2)
	done := make(chan struct{})
	var closing atomic.Bool
	var served atomic.Int32
	release := make(chan struct{})
	res := make(chan error, 1)
	go func() {
		res <- Serve(ln, slots, done, closing.Load, func(net.Conn) bool { return true }, func(c net.Conn) {
			served.Add(1)
			<-release // hold the slot
			c.Close()
			<-slots
		}, slog.New(slog.DiscardHandler))
	}()
	for range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	time.Sleep(100 * time.Millisecond)
	if n := served.Load(); n != 2 {
		t.Fatalf("%d connections served with 2 slots", n)
	}
	release <- struct{}{} // one finishes: the third gets its slot
	deadline := time.Now().Add(5 * time.Second)
	for served.Load() != 3 {
		if time.Now().After(deadline) {
			t.Fatal("the queued connection was never served")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	closing.Store(true)
	close(done)
	ln.Close()
	if err := <-res; err != nil {
		t.Fatalf("Serve after close: %v", err)
	}
}

func TestServeReportsAForeignClose(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ln.Close()
	err := Serve(ln, make(chan struct{}, 1), nil, func() bool { return false },
		func(net.Conn) bool { return true }, func(net.Conn) {}, slog.New(slog.DiscardHandler))
	if !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve on a closed listener: %v", err)
	}
}
