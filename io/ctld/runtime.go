package ctld

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/peerwire"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Storage is the controller's stable storage (io/raftstore in production).
// Apply must return only once p is durable, and must apply writes in the
// order it is called; the runtime calls it from one goroutine at a time.
type Storage interface {
	Load() (controller.Persisted, error)
	Apply(p controller.Persist) error
}

// Options configure a Runtime.
type Options struct {
	// Controller is the controller's configuration (controller.ConfigFromConf).
	Controller controller.Config
	// Storage holds the Raft log; the runtime loads it once at Start.
	Storage Storage
	// Conf and ConfPath are handed to readers in slurmrpc.View.
	Conf     *conf.Config
	ConfPath string
	// Peers maps other controllers' Raft ids to the host:port of their
	// peer listeners. Every id in Controller.Peers except Controller.ID
	// needs an entry; the entry for Controller.ID, if any, is ignored and
	// ids that are not peers are refused.
	Peers map[uint64]string
	// PeerListener accepts connections from the other controllers and
	// from node agents. It is required when there are peers, optional
	// otherwise (without it no node agent can connect), and closed by the
	// runtime.
	PeerListener net.Listener
	// NodeSealer authenticates node agents' frames (peerwire.MungeSealer
	// in production); nil refuses node agents.
	NodeSealer peerwire.Sealer
	// Logger receives the runtime's logs; nil discards them.
	Logger *slog.Logger
	// ElectionWait is how long Do keeps retrying while no leader is known
	// (an election in progress) before answering ErrNotLeader. 0 means
	// six election timeouts (3 s at the defaults), room for a split vote.
	ElectionWait time.Duration
	// Started is reported to readers as the daemon's start time; zero
	// means the time Start was called.
	Started time.Time
}

// ErrStopped is returned by Do once the runtime has stopped.
var ErrStopped = errors.New("ctld: runtime stopped")

// inboxSize bounds events queued for the loop (requests and peer messages).
const inboxSize = 4096

// Runtime hosts one controller: it owns it on a single event-loop goroutine
// and carries out its effects. See the package documentation.
type Runtime struct {
	opts     Options
	log      *slog.Logger
	clientID string
	started  time.Time

	c      *controller.Controller // owned by the loop goroutine
	writer *writer
	tr     *transport // nil without peers and peer listener
	timer  *time.Timer
	tickAt time.Time // when timer fires; zero: not armed
	lead   uint64    // leader last logged
	term   uint64    // term last logged

	inbox  chan loopEvent
	reads  chan func()
	stop   chan struct{}
	exited chan struct{} // closed when the loop has returned, before cleanup
	done   chan struct{} // closed after cleanup

	stopOnce sync.Once
	errMu    sync.Mutex
	err      error

	waitMu  sync.Mutex
	waiters map[uint64]chan msg.ClientReply // by request Seq
	seqMu   sync.Mutex
	seq     uint64
	retries atomic.Uint64 // request attempts answered Retry

	afterMu sync.Mutex // serializes Read once the loop has exited
	confMu  sync.Mutex // Conf and ConfPath may be replaced by SetConf
	conf    *conf.Config
	path    string
}

// loopEvent is one controller event queued for the loop.
type loopEvent struct{ ev controller.Event }

// Start loads storage, builds the controller and starts its event loop and
// transport. The caller must eventually call Stop, or wait for Done after a
// failure.
func Start(opts Options) (*Runtime, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Storage == nil {
		return nil, errors.New("ctld: no storage")
	}
	cfg := opts.Controller
	if err := checkPeers(cfg, opts.Peers, opts.PeerListener); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = RaftLogger(log.With("component", "raft"))
	}
	disk, err := opts.Storage.Load()
	if err != nil {
		return nil, fmt.Errorf("ctld: load storage: %w", err)
	}
	c, err := newController(cfg, disk)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("ctld: boot nonce: %w", err)
	}
	if opts.ElectionWait <= 0 {
		opts.ElectionWait = 6 * time.Duration(cfg.ElectionTicks) * cfg.TickInterval
	}
	r := &Runtime{
		opts: opts, log: log, c: c, started: opts.Started,
		clientID: fmt.Sprintf("ctld/%d/%s", cfg.ID, hex.EncodeToString(nonce)),
		inbox:    make(chan loopEvent, inboxSize), reads: make(chan func()),
		stop: make(chan struct{}), exited: make(chan struct{}), done: make(chan struct{}),
		waiters: make(map[uint64]chan msg.ClientReply), conf: opts.Conf, path: opts.ConfPath,
	}
	if r.started.IsZero() {
		r.started = time.Now()
	}
	r.timer = time.NewTimer(time.Hour)
	r.timer.Stop()
	r.writer = newWriter(opts.Storage)
	if len(opts.Peers) > 0 || opts.PeerListener != nil {
		r.tr = newTransport(cfg.ID, opts.Peers, opts.PeerListener, opts.NodeSealer, r.deliverPeer, log.With("component", "transport"))
		r.tr.start()
	}
	log.Info("controller starting", "id", cfg.ID, "peers", cfg.Peers, "applied", c.AppliedIndex(),
		"jobs", c.State().NumJobs(), "client", r.clientID)
	go r.loop()
	return r, nil
}

func checkPeers(cfg controller.Config, peers map[uint64]string, ln net.Listener) error {
	want := make(map[uint64]bool)
	for _, id := range cfg.Peers {
		if id != cfg.ID {
			want[id] = true
		}
	}
	for id := range want {
		if peers[id] == "" {
			return fmt.Errorf("ctld: no address for controller %d", id)
		}
	}
	for id := range peers {
		if !want[id] && id != cfg.ID {
			return fmt.Errorf("ctld: address given for %d, which is not a peer of %d", id, cfg.ID)
		}
	}
	if len(want) > 0 && ln == nil {
		return errors.New("ctld: peers configured but no peer listener")
	}
	return nil
}

// Stop stops the loop, lets queued storage writes finish, closes the
// transport and the peer listener, and returns the error that stopped the
// runtime, if any. It does not close Storage.
func (r *Runtime) Stop() error {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	return r.Err()
}

// Done is closed once the runtime has stopped and cleaned up, after Stop
// or after a failure (see Err).
func (r *Runtime) Done() <-chan struct{} { return r.done }

// Err is the error that stopped the runtime (nil while it runs and after a
// clean Stop).
func (r *Runtime) Err() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.err
}

func (r *Runtime) setErr(err error) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// ClientID is the Client name this runtime's requests carry.
func (r *Runtime) ClientID() string { return r.clientID }

// TransportStats reports the peer transport's counters (zero without peers).
func (r *Runtime) TransportStats() TransportStats {
	if r.tr == nil {
		return TransportStats{}
	}
	return r.tr.stats()
}

// deliverPeer queues a message from the transport, blocking while the
// inbox is full; false means the runtime stopped.
func (r *Runtime) deliverPeer(from msg.Addr, m msg.Message) bool {
	select {
	case r.inbox <- loopEvent{controller.Recv{From: from, Msg: m}}:
		return true
	case <-r.exited: // nothing drains the inbox any more
		return false
	}
}

// loop is the only goroutine that touches r.c.
func (r *Runtime) loop() {
	defer r.shutdown()
	if !r.handle(controller.Tick{}) {
		return
	}
	for {
		select {
		case <-r.stop:
			return
		case e := <-r.inbox:
			if !r.handle(e.ev) {
				return
			}
		case <-r.timer.C:
			r.tickAt = time.Time{}
			if !r.handle(controller.Tick{}) {
				return
			}
		case <-r.writer.ready:
			tokens, err := r.writer.take()
			for _, tok := range tokens {
				if !r.handle(controller.DiskDone{Token: tok}) {
					return
				}
			}
			if err != nil {
				r.fail(err)
				return
			}
		case fn := <-r.reads:
			fn()
		}
	}
}

// shutdown runs when the loop exits for any reason.
func (r *Runtime) shutdown() {
	close(r.exited)
	r.timer.Stop()
	if r.tr != nil {
		r.tr.close()
	}
	if err := r.writer.close(); err != nil {
		r.setErr(err)
	}
	if err := r.Err(); err != nil {
		r.log.Error("controller stopped", "err", err)
	} else {
		r.log.Info("controller stopped")
	}
	close(r.done)
}

func (r *Runtime) fail(err error) { r.setErr(err) }

// handle runs one event through the controller and carries out its
// effects in order. It returns false when the runtime must stop.
func (r *Runtime) handle(ev controller.Event) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			r.fail(fmt.Errorf("ctld: controller panicked: %v\n%s", p, debug.Stack()))
			ok = false
		}
	}()
	for _, eff := range r.c.Handle(time.Now(), ev) {
		switch e := eff.(type) {
		case controller.Send:
			r.send(e)
		case controller.Persist:
			// The writer reads these after Handle returns: give it its own
			// HardState and slice (entries themselves are never mutated).
			if e.HardState != nil {
				e.HardState = proto.Clone(e.HardState).(*pb.HardState)
			}
			e.Entries = slices.Clone(e.Entries)
			if err := r.writer.enqueue(e); err != nil {
				r.fail(err)
				return false
			}
		case controller.SetTimer:
			r.armTimer(time.Unix(0, e.AtNanos))
		}
	}
	r.noteLeader()
	return true
}

// noteLeader logs leadership changes.
func (r *Runtime) noteLeader() {
	st := r.c.Status()
	if st.Lead == r.lead && st.GetTerm() == r.term {
		return
	}
	r.lead, r.term = st.Lead, st.GetTerm()
	r.log.Info("raft leadership", "term", st.GetTerm(), "leader", st.Lead, "self", r.opts.Controller.ID, "state", st.RaftState.String())
}

// armTimer schedules a Tick at at, or earlier if one is already due
// sooner. The delay is capped at TickInterval: the request is computed on
// the controller's clock, which never moves back, so after the wall clock
// steps back it lies in the future and waiting for it would stop Raft's
// ticks.
func (r *Runtime) armTimer(at time.Time) {
	if !r.tickAt.IsZero() && !at.Before(r.tickAt) {
		return
	}
	d := min(max(time.Until(at), 0), r.opts.Controller.TickInterval)
	r.timer.Reset(d) // since Go 1.23 Reset discards a pending, unreceived fire
	r.tickAt = time.Now().Add(d)
}

// send routes one Send effect: replies to local requests, Raft messages to
// peers, node protocol messages to connected node agents.
func (r *Runtime) send(s controller.Send) {
	if seq, ok := rpcSeq(s.To); ok {
		if rep, isReply := s.Msg.(msg.ClientReply); isReply {
			r.reply(seq, rep)
		}
		return
	}
	if r.tr != nil && r.tr.send(s.To, s.Msg) {
		return
	}
	r.log.Debug("dropping message", "to", s.To, "type", fmt.Sprintf("%T", s.Msg))
}

// newController builds the controller, turning a panic (etcd raft's
// logger panics on a corrupt log) into an error.
func newController(cfg controller.Config, disk controller.Persisted) (c *controller.Controller, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, fmt.Errorf("ctld: controller cannot start from storage: %v", p)
		}
	}()
	return controller.New(cfg, disk)
}
