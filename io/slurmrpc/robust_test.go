package slurmrpc

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/slurmproto"
)

// Hostile and broken input: the server closes the connection without a
// reply, as slurmctld does when slurm_receive_msg fails, and keeps serving
// everyone else.

// expectClosed sends raw and expects the connection closed with no reply.
func (h *harness) expectClosed(what string, raw []byte) {
	h.t.Helper()
	env, err := h.roundTrip(raw)
	if err == nil {
		h.t.Errorf("%s: got a reply %v", what, env.Header.MsgType)
		return
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, slurmproto.ErrTruncated) && !isReset(err) {
		h.t.Errorf("%s: %v, want the connection closed", what, err)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

func (h *harness) expectPing() {
	h.t.Helper()
	if rc := h.rc(h.call(0, 0, slurmproto.RequestPing, nil)); rc != 0 {
		h.t.Fatalf("ping rc %d", rc)
	}
}

func TestBadInputClosesAndServerSurvives(t *testing.T) {
	h := startServer(t, func(s *Server) { s.MaxFrameSize = 1 << 20 })
	good := h.frame(0, 0, slurmproto.RequestPing, nil)

	wrongVersion := h.frame(0, 0, slurmproto.RequestPing, nil)
	binary.BigEndian.PutUint16(wrongVersion[4:], 0x2500) // 21.08
	h.expectClosed("protocol 37", wrongVersion)
	newer := h.frame(0, 0, slurmproto.RequestPing, nil)
	binary.BigEndian.PutUint16(newer[4:], 0x2700) // 23.02
	h.expectClosed("protocol 39", newer)

	h.expectClosed("truncated frame", good[:len(good)-3])
	h.expectClosed("length prefix only", good[:4])
	h.expectClosed("half a prefix", good[:2])

	huge := make([]byte, 8)
	binary.BigEndian.PutUint32(huge, 2<<20)
	h.expectClosed("oversized frame", huge)

	garbage := []byte{0, 0, 0, 12, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8}
	h.expectClosed("garbage", garbage)

	// Body length disagreeing with the frame.
	bad := h.frame(0, 0, slurmproto.RequestPing, nil)
	binary.BigEndian.PutUint32(bad[10:], 50)
	h.expectClosed("body_length past the end", bad)

	// A body that does not decode for its type (job info wants 14 bytes).
	h.expectClosed("short body", h.frame(0, 0, slurmproto.RequestJobInfo, []byte{0, 0}))
	// Trailing bytes after a valid body.
	h.expectClosed("trailing bytes", h.frame(0, 0, slurmproto.RequestStatsInfo, []byte{0, 1, 9}))
	// A type with no unpacker at all (slurmctld's unpack_msg fails).
	h.expectClosed("unknown type", h.frame(0, 0, slurmproto.MsgType(9999), nil))

	// Credentials: wrong body hash, garbage, replay.
	forged := h.frame(0, 0, slurmproto.RequestPing, nil)
	copy(forged[len(forged)-10:], "0000000000")
	h.expectClosed("credential over another body", forged)
	noCred, _ := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: slurmproto.RequestPing},
		slurmproto.Auth{PluginID: slurmproto.AuthPluginMunge}, nil)
	h.expectClosed("NULL credential", noCred)
	if _, err := h.roundTrip(good); err != nil {
		t.Fatalf("first use of a credential: %v", err)
	}
	h.expectClosed("replayed credential", good)

	// A peer that connects and says nothing is cut at MessageTimeout,
	// and does not hold up others meanwhile.
	idle, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	h.expectPing()

	h.expectPing()
}

func TestHandlerPanicIsContained(t *testing.T) {
	h := startServer(t, nil)
	h.be.setReadHook(func() { panic("backend exploded") })
	h.expectClosed("panicking backend", h.frame(0, 0, slurmproto.RequestJobInfo, captured(t, "squeue.0.2003")))
	h.be.setReadHook(nil)
	h.expectPing()
}

func TestIdleConnectionTimesOut(t *testing.T) {
	h := startServer(t, func(s *Server) { s.MessageTimeout = 100 * time.Millisecond })
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	start := time.Now()
	if _, err := c.Read(make([]byte, 1)); err == nil || time.Since(start) > time.Second {
		t.Fatalf("idle connection not closed at MessageTimeout: %v after %v", err, time.Since(start))
	}
}

func TestConnectionLimitQueues(t *testing.T) {
	h := startServer(t, func(s *Server) { s.MaxConns = 1; s.MessageTimeout = 300 * time.Millisecond })
	// One silent client takes the only slot; the next waits until it is
	// cut at MessageTimeout, then gets its answer.
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	h.expectPing()
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("second client served after %v while the only slot was taken", d)
	}
}

func TestUnsupportedTypes(t *testing.T) {
	h := startServer(t, nil)
	// Decodes, but slurmctld has no handler: EINVAL (slurmctld_req).
	if rc := h.rc(h.call(0, 0, slurmproto.SrunPing, nil)); rc != slurmproto.RCEInval {
		t.Errorf("SRUN_PING: rc %d", rc)
	}
	// slurmctld handles it, FLURM does not: ESLURM_NOT_SUPPORTED.
	raw, _ := slurmproto.EncodeBody(slurmproto.RequestJobEndTime, &slurmproto.JobAllocInfoRequest{JobID: 1})
	if rc := h.rc(h.call(0, 0, slurmproto.RequestJobEndTime, raw)); rc != rcNotSupported {
		t.Errorf("REQUEST_JOB_END_TIME: rc %d", rc)
	}
	if rc := h.rc(h.call(0, 0, slurmproto.RequestReconfigure, nil)); rc != rcNotSupported {
		t.Errorf("reconfigure without a hook: rc %d", rc)
	}
}

func TestStandbyAnswers(t *testing.T) {
	h := startServer(t, nil)
	h.be.setLeader(false)
	h.expectPing()
	for _, c := range []struct {
		t    slurmproto.MsgType
		body []byte
	}{
		{slurmproto.RequestJobInfo, captured(t, "squeue.0.2003")},
		{slurmproto.RequestSubmitBatchJob, captured(t, "sbatch.0.4003")},
		{slurmproto.RequestKillJob, captured(t, "scancel.0.5032")},
		{slurmproto.RequestNodeInfo, captured(t, "sinfo.2.2007")},
	} {
		if rc := h.rc(h.call(0, 0, c.t, c.body)); rc != slurmproto.RCInStandbyMode {
			t.Errorf("%v on a follower: rc %d", c.t, rc)
		}
	}
	typ, body := h.call(0, 0, slurmproto.RequestControlStatus, nil)
	if typ != slurmproto.ResponseControlStatus || body.(*slurmproto.ControlStatusResponse).ControlTime != 0 {
		t.Errorf("control status on a follower: %v %+v", typ, body)
	}
}

func TestShutdownAndReconfigure(t *testing.T) {
	stopped := make(chan uint16, 1)
	reconfigured := 0
	h := startServer(t, func(s *Server) {
		s.OnShutdown = func(o uint16) { stopped <- o }
		s.OnReconfigure = func(ctx context.Context) error { reconfigured++; return nil }
	})
	raw, _ := slurmproto.EncodeBody(slurmproto.RequestShutdown, &slurmproto.ShutdownRequest{Options: slurmproto.ShutdownCtldOnly})
	if rc := h.rc(h.call(1000, 1000, slurmproto.RequestShutdown, raw)); rc != slurmproto.RCUserIDMissing {
		t.Errorf("shutdown by a user: rc %d", rc)
	}
	select {
	case <-stopped:
		t.Fatal("a user stopped the daemon")
	default:
	}
	if rc := h.rc(h.call(64030, 64030, slurmproto.RequestShutdown, raw)); rc != 0 {
		t.Errorf("shutdown by SlurmUser: rc %d", rc)
	}
	select {
	case o := <-stopped:
		if o != slurmproto.ShutdownCtldOnly {
			t.Errorf("options %d", o)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("OnShutdown not called")
	}
	if rc := h.rc(h.call(1000, 1000, slurmproto.RequestReconfigure, nil)); rc != slurmproto.RCUserIDMissing {
		t.Errorf("reconfigure by a user: rc %d", rc)
	}
	if rc := h.rc(h.call(0, 0, slurmproto.RequestReconfigure, nil)); rc != 0 || reconfigured != 1 {
		t.Errorf("reconfigure by root: rc %d, hook called %d times", rc, reconfigured)
	}
}

// blockingBackend never finishes an operation until its context ends.
type blockingBackend struct {
	*fakeBackend
	entered chan struct{}
}

func (b blockingBackend) Do(ctx context.Context, uid uint32, op msg.Op) (msg.ClientReply, error) {
	b.entered <- struct{}{}
	<-ctx.Done()
	return msg.ClientReply{}, ctx.Err()
}

func TestShutdownAbortsStuckRequests(t *testing.T) {
	be := blockingBackend{fakeBackend: newFakeBackend(t), entered: make(chan struct{}, 1)}
	auth := newFakeAuth()
	srv := &Server{Backend: be, Auth: auth, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MessageTimeout: time.Minute}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	h := &harness{t: t, auth: auth, addr: ln.Addr().String()}
	replied := make(chan error, 1)
	go func() {
		_, err := h.roundTrip(h.frame(0, 0, slurmproto.RequestKillJob, captured(t, "scancel.0.5032")))
		replied <- err
	}()
	<-be.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the deadline", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v", err)
	}
	<-replied // the stuck client was let go, with or without an answer
	if _, err := net.DialTimeout("tcp", h.addr, 200*time.Millisecond); err == nil {
		t.Error("still accepting after Shutdown")
	}
}
