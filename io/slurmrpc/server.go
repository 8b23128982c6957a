package slurmrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/flurm/flurm/io/acceptloop"
	"github.com/flurm/flurm/io/slurmproto"
)

// Defaults for the Server's limits.
const (
	DefaultMaxConns       = 256
	DefaultMaxFrameSize   = 64 << 20 // a submit carries the script and environment
	DefaultMessageTimeout = 10 * time.Second
	DefaultVersion        = "22.05.8"
)

// Server answers Slurm 22.05 clients on behalf of one flurmctld. The zero
// value is not usable: Backend and Auth are required; the rest defaults.
type Server struct {
	Backend Backend
	Auth    Authenticator
	Logger  *slog.Logger // nil: slog.Default()

	// MaxConns bounds the connections served at once; further clients
	// wait in the listen backlog, as slurmctld's do when it has reached
	// its server thread limit.
	MaxConns int
	// MaxFrameSize bounds one request (bytes after the length prefix).
	MaxFrameSize uint32
	// MessageTimeout bounds reading the request, handling it and writing
	// the reply (slurm.conf MessageTimeout).
	MessageTimeout time.Duration
	// NoForward makes a follower answer ESLURM_IN_STANDBY_MODE itself
	// instead of relaying requests to the leader (forward.go).
	NoForward bool
	// Version is the Slurm version reported in build info and node records.
	Version string
	// ControllerIndex is this controller's position among the
	// SlurmctldHost lines (0 = primary), reported by REQUEST_CONTROL_STATUS.
	ControllerIndex uint16

	// Signer signs the job credentials of new steps; nil means steps
	// cannot be created here (REQUEST_JOB_STEP_CREATE is answered
	// ESLURM_NOT_SUPPORTED).
	Signer Signer
	// DialTimeout bounds connecting to and talking with srun, salloc and
	// node daemons for the messages this server sends them (allocation
	// grants, SRUN_JOB_COMPLETE, REQUEST_SIGNAL_TASKS); 0 = 2 s.
	DialTimeout time.Duration
	// AllocationWait bounds how long REQUEST_RESOURCE_ALLOCATION waits for
	// the new job to start before answering "queued" (node_cnt 0) and
	// granting it later by a message to the client; 0 = 3 s.
	AllocationWait time.Duration

	// Shutdown is called after REQUEST_SHUTDOWN from an operator was
	// answered; nil means shutdown over RPC is not supported here.
	OnShutdown func(options uint16)
	// OnReconfigure handles REQUEST_RECONFIGURE from an operator (re-read
	// slurm.conf); nil means reconfigure is not supported here.
	OnReconfigure func(ctx context.Context) error

	initOnce sync.Once
	stats    *rpcStats
	nodes    *reasonOwners
	sruns    *srunRegistry
	hosts    *hostCache

	mu       sync.Mutex
	closing  bool
	lns      map[net.Listener]struct{}
	conns    map[net.Conn]struct{}
	active   sync.WaitGroup
	slots    chan struct{}
	quit     chan struct{} // closed by Shutdown: stop accepting
	stopCtx  context.Context
	stopFunc context.CancelFunc // aborts requests in progress when Shutdown gives up waiting
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("slurmrpc: server closed")

func (s *Server) init() {
	s.initOnce.Do(func() {
		if s.Logger == nil {
			s.Logger = slog.Default()
		}
		if s.MaxConns <= 0 {
			s.MaxConns = DefaultMaxConns
		}
		if s.MaxFrameSize == 0 || s.MaxFrameSize > slurmproto.MaxMessageSize {
			s.MaxFrameSize = DefaultMaxFrameSize
		}
		if s.MessageTimeout <= 0 {
			s.MessageTimeout = DefaultMessageTimeout
		}
		if s.Version == "" {
			s.Version = DefaultVersion
		}
		s.stats = newRPCStats(time.Time{}) // counting since the daemon started
		s.nodes = newReasonOwners()
		s.sruns = newSrunRegistry()
		s.hosts = newHostCache()
		if s.DialTimeout <= 0 {
			s.DialTimeout = 2 * time.Second
		}
		if s.AllocationWait <= 0 {
			s.AllocationWait = 3 * time.Second
		}
		s.lns = make(map[net.Listener]struct{})
		s.conns = make(map[net.Conn]struct{})
		s.slots = make(chan struct{}, s.MaxConns)
		s.quit = make(chan struct{})
		s.stopCtx, s.stopFunc = context.WithCancel(context.Background())
	})
}

// Serve accepts connections on ln and serves one request on each, until
// Shutdown. It always returns a non-nil error; after Shutdown it is
// ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	if s.Backend == nil || s.Auth == nil {
		return errors.New("slurmrpc: Server needs a Backend and an Authenticator")
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()

	if err := acceptloop.Serve(ln, s.slots, s.quit, s.isClosing, s.track, s.serveConn, s.Logger); err != nil {
		return err
	}
	return ErrServerClosed
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.active.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	<-s.slots
	s.active.Done()
}

// Shutdown stops accepting, lets requests in progress finish until ctx
// expires, then closes the connections still open. It returns ctx's error
// if it had to cut connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.quit)
	}
	for ln := range s.lns {
		ln.Close()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.active.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.stopFunc() // operations waiting on the backend give up
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// serveConn reads one request, answers it and closes the connection, as
// slurmctld does. Whatever the peer sends, the process survives: a panic
// in a handler is logged and the connection dropped.
func (s *Server) serveConn(c net.Conn) {
	defer s.untrack(c)
	defer c.Close()
	peer := c.RemoteAddr().String()
	defer func() {
		if p := recover(); p != nil {
			s.Logger.Error("slurmrpc: handler panic", "peer", peer, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	start := time.Now()
	deadline := start.Add(s.MessageTimeout)
	_ = c.SetDeadline(deadline)

	frame, err := slurmproto.ReadFrame(c, s.MaxFrameSize)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			s.Logger.Info("slurmrpc: bad frame", "peer", peer, "err", err)
		}
		return
	}
	env, err := slurmproto.DecodeEnvelope(frame)
	if err != nil {
		// Wrong protocol version or a malformed header: slurmctld closes
		// without a reply.
		s.Logger.Info("slurmrpc: bad message", "peer", peer, "err", err)
		return
	}
	if !standbyOK[env.Header.MsgType] && !s.NoForward {
		if s.relayToLeader(c, frame, deadline) {
			return // the leader counts it in its statistics
		}
	}
	id, err := s.Auth.Verify(env)
	if err != nil {
		// slurm_receive_msg fails on an invalid credential and
		// _service_connection closes the connection without replying.
		s.Logger.Warn("slurmrpc: authentication failed", "peer", peer, "type", env.Header.MsgType, "err", err)
		return
	}
	body, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		// No unpacker for the type, or a body that does not unpack:
		// slurmctld's receive fails and it closes the connection.
		s.Logger.Info("slurmrpc: undecodable body", "peer", peer, "type", env.Header.MsgType, "uid", id.UID, "err", err)
		return
	}

	ctx, cancel := context.WithDeadline(s.stopCtx, deadline)
	defer cancel()
	req := &request{ctx: ctx, env: env, body: body, id: id, peer: peer}
	rep := s.dispatch(req)
	// Counted before the reply leaves, so a client's next request always
	// sees this one in sdiag.
	s.stats.record(env.Header.MsgType, id.UID, time.Since(start))
	if err := s.writeReply(c, env.Header, rep); err != nil {
		s.Logger.Info("slurmrpc: reply not sent", "peer", peer, "type", env.Header.MsgType, "err", err)
	}
	if rep.after != nil {
		rep.after()
	}
}

// writeReply encodes rep in the requester's protocol version with a fresh
// credential over the reply body.
func (s *Server) writeReply(w io.Writer, reqHeader slurmproto.Header, rep reply) error {
	body, err := slurmproto.EncodeBody(rep.msgType, rep.body)
	if err != nil {
		// A record this server built does not encode: answer with a plain
		// error rather than nothing, so the client reports a failure.
		s.Logger.Error("slurmrpc: reply does not encode", "type", rep.msgType, "err", err)
		rep = rcReply(slurmproto.RCError)
		if body, err = slurmproto.EncodeBody(rep.msgType, rep.body); err != nil {
			return err
		}
	}
	auth, err := s.Auth.Credential(rep.msgType, body)
	if err != nil {
		return fmt.Errorf("reply credential: %w", err)
	}
	out, err := slurmproto.AppendFrame(nil, slurmproto.ReplyHeader(reqHeader, rep.msgType), auth, body)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
