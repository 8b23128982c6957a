package taskd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/flurm/flurm/io/acceptloop"
	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/slurmproto"
)

// Host is what the node daemon's runtime tells the listener about
// allocations. JobOnNode reports whether jobID has a live allocation on
// this node and, if so, the uid that owns it.
type Host interface {
	JobOnNode(jobID uint32) (uid uint32, ok bool)
}

// Defaults for Config's optional fields.
const (
	DefaultMaxConns        = 32
	DefaultMaxFrameSize    = 8 << 20 // a launch carries argv and the whole environment
	DefaultMaxSteps        = 128
	DefaultMaxTasksPerNode = 256
	DefaultMaxTasks        = 1024
	DefaultMessageTimeout  = 10 * time.Second
	DefaultCredExpire      = 120 * time.Second // Slurm's DEFAULT_EXPIRATION_WINDOW
	DefaultAllocationWait  = 5 * time.Second
	DefaultKillWait        = 30 * time.Second
	// DefaultCompleteRetry bounds how long a step-complete message is
	// retried while no controller answers.
	DefaultCompleteRetry = 5 * time.Minute
)

// Config configures a Server. NodeName, Listener, Munge and Host are
// required; the rest defaults.
type Config struct {
	NodeName string       // this node's name as in slurm.conf (slurmd -N)
	Listener net.Listener // bound to the node's Port= / SlurmdPort
	Munge    *munge.Client
	SlurmUID uint32 // SlurmUser's uid: may sign job credentials and manage any step
	// Controllers are SlurmctldHost entries as host:port (SlurmctldPort),
	// primary first; REQUEST_STEP_COMPLETE goes to the first that
	// accepts it.
	Controllers []string
	Host        Host
	Log         *slog.Logger // nil: slog.Default(); records do not repeat the node name

	MaxConns        int           // connections served at once
	MaxFrameSize    uint32        // one incoming message, bytes after the length prefix
	MaxSteps        int           // steps running at once on this node
	MaxTasksPerNode int           // tasks of one step on this node
	MaxTasks        int           // tasks of all steps on this node
	MessageTimeout  time.Duration // reading, handling and answering one message; each outgoing RPC
	// CredExpire is how long after its creation a job credential may
	// launch tasks (AuthInfo=cred_expire, 120 s in Slurm).
	CredExpire time.Duration
	// AllocationWait is how long a launch waits for Host.JobOnNode to
	// learn of a brand-new allocation before refusing it.
	AllocationWait time.Duration
	// KillWait is the delay between SIGTERM and SIGKILL for
	// SIG_TERM_KILL (slurm.conf KillWait).
	KillWait time.Duration
	// CompleteRetry bounds the retries of REQUEST_STEP_COMPLETE.
	CompleteRetry time.Duration
	// StrictMungeReplay refuses a job credential that munged reports as
	// already decoded. Leave it false when several node daemons share
	// one munged (several flurmnd on one host, as `make up` runs them):
	// each of them must decode the same credential of a multi-node step,
	// which is what Slurm's --enable-multiple-slurmd build allows. Either
	// way a credential launches at most once on one Server (own replay
	// cache, ESLURMD_CREDENTIAL_REPLAYED).
	StrictMungeReplay bool
	// SlurmConf is put in the tasks' SLURM_CONF; "" keeps the value in
	// the launch request's environment.
	SlurmConf string
}

// Server is flurmnd's Slurm-protocol listener. See the package
// documentation for the contract.
type Server struct {
	cfg   Config
	log   *slog.Logger
	auth  *munge.SlurmAuth
	creds *credCache

	slots chan struct{}

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	steps  map[stepKey]*step
	tasks  int            // tasks of the registered steps
	active sync.WaitGroup // connections and steps

	ctx    context.Context
	cancel context.CancelFunc
}

type stepKey struct{ job, step, hetComp uint32 }

func keyOf(id slurmproto.StepID) stepKey {
	return stepKey{id.JobID, id.StepID, id.StepHetComp}
}

// New checks cfg and returns a Server that serves once Serve is called.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.NodeName == "":
		return nil, errors.New("taskd: Config.NodeName is required")
	case cfg.Listener == nil:
		return nil, errors.New("taskd: Config.Listener is required")
	case cfg.Munge == nil:
		return nil, errors.New("taskd: Config.Munge is required")
	case cfg.Host == nil:
		return nil, errors.New("taskd: Config.Host is required")
	}
	for _, c := range cfg.Controllers {
		if _, _, err := net.SplitHostPort(c); err != nil {
			return nil, fmt.Errorf("taskd: controller %q: %w", c, err)
		}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	setDefault(&cfg.MaxConns, DefaultMaxConns)
	setDefault(&cfg.MaxSteps, DefaultMaxSteps)
	setDefault(&cfg.MaxTasksPerNode, DefaultMaxTasksPerNode)
	setDefault(&cfg.MaxTasks, DefaultMaxTasks)
	setDefault(&cfg.MessageTimeout, DefaultMessageTimeout)
	setDefault(&cfg.CredExpire, DefaultCredExpire)
	setDefault(&cfg.AllocationWait, DefaultAllocationWait)
	setDefault(&cfg.KillWait, DefaultKillWait)
	setDefault(&cfg.CompleteRetry, DefaultCompleteRetry)
	if cfg.MaxFrameSize == 0 || cfg.MaxFrameSize > slurmproto.MaxMessageSize {
		cfg.MaxFrameSize = DefaultMaxFrameSize
	}
	if cfg.MaxTasksPerNode > maxTaskID+1 {
		// Task ids travel as u16 in I/O frames.
		return nil, fmt.Errorf("taskd: MaxTasksPerNode %d > %d", cfg.MaxTasksPerNode, maxTaskID+1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:    cfg,
		log:    cfg.Log,
		auth:   &munge.SlurmAuth{Client: *cfg.Munge},
		creds:  newCredCache(cfg.CredExpire),
		slots:  make(chan struct{}, cfg.MaxConns),
		conns:  make(map[net.Conn]struct{}),
		steps:  make(map[stepKey]*step),
		ctx:    ctx,
		cancel: cancel,
	}
	return s, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// ErrClosed is returned by Serve after Close.
var ErrClosed = errors.New("taskd: server closed")

// Serve accepts connections until ctx ends or Close is called; either way
// it then closes the server (killing the steps still running) and returns
// ErrClosed, or the listener's error if accepting failed for good.
func (s *Server) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	err := acceptloop.Serve(s.cfg.Listener, s.slots, s.ctx.Done(), func() bool { return s.ctx.Err() != nil },
		s.trackConn, s.serveConn, s.log)
	if err == nil {
		return ErrClosed
	}
	s.Close()
	return err
}

// Close stops accepting, kills every step's tasks and waits (bounded) for
// them to be reaped and reported. Tasks do not outlive the server.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.cancel()
	for c := range s.conns {
		c.Close()
	}
	steps := make([]*step, 0, len(s.steps))
	for _, st := range s.steps {
		steps = append(steps, st)
	}
	s.mu.Unlock()
	err := s.cfg.Listener.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	for _, st := range steps {
		st.signal(syscall.SIGKILL, true)
	}
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.cfg.MessageTimeout + 5*time.Second):
		s.log.Warn("taskd: close: steps still finishing")
	}
	return err
}

func (s *Server) trackConn(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.active.Add(1)
	return true
}

func (s *Server) untrackConn(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	<-s.slots
	s.active.Done()
}

// request is one authenticated incoming message.
type request struct {
	conn   net.Conn
	env    *slurmproto.Envelope
	body   slurmproto.Body
	uid    uint32
	peer   net.Addr
	ctx    context.Context
	header slurmproto.Header
}

// serveConn reads one message, answers it and closes the connection, as
// slurmd does. A panic in a handler is logged, never fatal.
func (s *Server) serveConn(c net.Conn) {
	defer s.untrackConn(c)
	defer c.Close()
	peer := c.RemoteAddr()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("taskd: handler panic", "peer", peer, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	deadline := time.Now().Add(s.cfg.MessageTimeout)
	_ = c.SetDeadline(deadline)
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()

	frame, err := slurmproto.ReadFrame(c, s.cfg.MaxFrameSize)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			s.log.Info("taskd: bad frame", "peer", peer, "err", err)
		}
		return
	}
	env, err := slurmproto.DecodeEnvelope(frame)
	if err != nil {
		s.log.Info("taskd: bad message", "peer", peer, "err", err)
		return
	}
	cred, err := s.auth.VerifyCredential(ctx, env)
	if err != nil {
		// slurmd's receive fails and it closes without a reply.
		s.log.Warn("taskd: authentication failed", "peer", peer, "type", env.Header.MsgType, "err", err)
		return
	}
	body, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil && !errors.Is(err, slurmproto.ErrUnknownMessageType) {
		s.log.Info("taskd: undecodable body", "peer", peer, "type", env.Header.MsgType, "uid", cred.UID, "err", err)
		return
	}
	req := &request{conn: c, env: env, body: body, uid: cred.UID, peer: peer, ctx: ctx, header: env.Header}
	s.dispatch(req)
}

// superUser is slurmd's _slurm_authorized_user: root or SlurmUser.
func (s *Server) superUser(uid uint32) bool { return uid == 0 || uid == s.cfg.SlurmUID }

func (s *Server) dispatch(r *request) {
	if r.header.Forward.Count > 0 {
		// srun forwards through slurmd only beyond TreeWidth nodes.
		s.log.Warn("taskd: forwarded message refused", "peer", r.peer, "type", r.header.MsgType, "forward", r.header.Forward.Count)
		s.reply(r, rcNotSupported, "message forwarding (steps wider than TreeWidth) is not supported by flurmnd")
		return
	}
	switch b := r.body.(type) {
	case *slurmproto.LaunchTasksRequest:
		s.handleLaunch(r, b)
	case *slurmproto.SignalTasksRequest:
		s.reply(r, s.handleSignal(r, b), "")
	case *slurmproto.Empty:
		if r.header.MsgType == slurmproto.RequestPing {
			rc := slurmproto.RCSuccess
			if !s.superUser(r.uid) {
				rc = slurmproto.RCUserIDMissing
			}
			s.reply(r, rc, "")
			return
		}
		s.replyUnsupported(r)
	default:
		s.replyUnsupported(r)
	}
}

func (s *Server) replyUnsupported(r *request) {
	// slurmd answers requests it does not serve with EINVAL.
	s.log.Info("taskd: unsupported request", "peer", r.peer, "type", r.header.MsgType, "uid", r.uid)
	s.reply(r, slurmproto.RCEInval, "")
}
