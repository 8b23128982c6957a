package slurmrpc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// fakeBackend is a controller without consensus: operations apply to a
// real state.Machine at once, at the backend's clock.
type fakeBackend struct {
	mu       sync.Mutex
	m        *state.Machine
	conf     *conf.Config
	now      time.Time
	started  time.Time
	leader   bool
	readHook func() // runs inside Read (to inject panics)
	// autoStart, if set, places every job submitted on the first nodes
	// that fit, as one scheduling pass would.
	autoStart bool
	signals   []msg.OpSignal // signals delivered through OpSignal
}

// Captured times (shared/captures): job 14 was submitted at 1795312938.
const capturedSubmit = 1795312938

// anchorCluster is the capture lab's cluster (testdata/anchor.conf), as
// every replica would build it from that slurm.conf.
func anchorCluster(t testing.TB) (*conf.Config, state.Cluster) {
	t.Helper()
	c, err := conf.Parse("testdata/anchor.conf", os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := controller.ClusterFromConf(c, 64030)
	if err != nil {
		t.Fatal(err)
	}
	return c, cl
}

// anchorMachine is a fresh state machine of the anchor cluster, with the
// slurm.conf it came from.
func anchorMachine(t testing.TB) (*state.Machine, *conf.Config) {
	t.Helper()
	c, cl := anchorCluster(t)
	m, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

func newFakeBackend(t testing.TB) *fakeBackend {
	t.Helper()
	c, cl := anchorCluster(t)
	cl.Options.FirstJobID = 14 // the captured job's id
	m, err := state.New(cl)
	if err != nil {
		t.Fatal(err)
	}
	b := &fakeBackend{m: m, conf: c, now: time.Unix(capturedSubmit, 0), started: time.Unix(capturedSubmit-100, 0), leader: true}
	for i := range m.Nodes() {
		n := m.Nodes()[i]
		b.apply(t, state.Register{Node: i, Time: b.now.Unix(), CPUs: n.CPUs, MemMB: n.MemMB, Incarnation: 1})
	}
	return b
}

func (b *fakeBackend) apply(t testing.TB, c state.Command) state.Result {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.m.Apply(c)
	if r.Err != nil {
		t.Fatalf("apply %T: %v", c, r.Err)
	}
	return r
}

func (b *fakeBackend) Do(ctx context.Context, uid uint32, op msg.Op) (msg.ClientReply, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.leader {
		return msg.ClientReply{NotLeader: true}, ErrNotLeader
	}
	now := b.now.Unix()
	var c state.Command
	switch op := op.(type) {
	case msg.OpSubmit:
		spec := op.Spec
		spec.UID = uid
		c = state.Submit{Time: now, Spec: spec}
	case msg.OpCancel:
		c = state.Cancel{ID: op.ID, Time: now, UID: uid, Array: op.Array}
	case msg.OpUpdate:
		c = state.Update{ID: op.ID, Time: now, UID: uid, TimeLimit: op.TimeLimit, Priority: op.Priority,
			Nice: op.Nice, Hold: op.Hold, NumNodes: op.NumNodes, Partition: op.Partition, Name: op.Name}
	case msg.OpRequeue:
		c = state.Requeue{ID: op.ID, Time: now, UID: uid}
	case msg.OpNodeAdmin:
		n, ok := b.m.NodeIndex(op.Node)
		if !ok {
			return msg.ClientReply{Err: &state.Error{Code: state.ErrInvalidNodeName, Msg: "no such node"}}, nil
		}
		c = state.NodeAdmin{Node: n, Time: now, UID: uid, Op: op.Op, Reason: op.Reason}
	case msg.OpStepCreate:
		var nodes []int
		for _, name := range op.Nodes {
			n, ok := b.m.NodeIndex(name)
			if !ok {
				return msg.ClientReply{Err: &state.Error{Code: state.ErrInvalidNodeName, Msg: "no such node"}}, nil
			}
			nodes = append(nodes, n)
		}
		c = state.StepCreate{Job: op.Job, Time: now, UID: uid, Request: op.Request, Name: op.Name, NumNodes: op.NumNodes,
			Nodes: nodes, Tasks: op.Tasks, CPUs: op.CPUs, TimeLimit: op.TimeLimit, SrunHost: op.SrunHost, SrunPID: op.SrunPID}
	case msg.OpStepEnd:
		c = state.StepEnd{Job: op.Job, Step: op.Step, Time: now, UID: uid, First: op.First, Last: op.Last,
			ExitCode: op.ExitCode, All: op.All}
	case msg.OpCompleteAllocation:
		c = state.CompleteAllocation{ID: op.Job, Time: now, UID: uid, ExitCode: op.ExitCode, Signal: op.Signal, Cancel: op.Cancel}
	case msg.OpSignal:
		j := b.m.Job(op.Job)
		switch {
		case j == nil:
			return msg.ClientReply{Err: &state.Error{Code: state.ErrInvalidJobID}}, nil
		case j.Spec.UID != uid && uid != 0:
			return msg.ClientReply{Err: &state.Error{Code: state.ErrAccessDenied}}, nil
		case !j.Running():
			return msg.ClientReply{Err: &state.Error{Code: state.ErrTransitionNoUpdate}}, nil
		}
		b.signals = append(b.signals, op)
		return msg.ClientReply{Job: op.Job}, nil
	default:
		return msg.ClientReply{}, fmt.Errorf("fake backend: op %T", op)
	}
	r := b.m.Apply(c)
	if _, ok := c.(state.Submit); ok && r.Err == nil && b.autoStart {
		b.startFitting(r.Job, now)
	}
	return msg.ClientReply{Job: r.Job, Err: r.Err}, nil
}

// startFitting starts job id on the first registered nodes with room.
func (b *fakeBackend) startFitting(id state.JobID, now int64) {
	j := b.m.Job(id)
	var nodes []int
	for i, n := range b.m.Nodes() {
		used, _ := n.AllocCPUs()
		if len(nodes) < j.Spec.NumNodes && n.Available() && n.CPUs-used >= j.CPUsPerNode {
			nodes = append(nodes, i)
		}
	}
	b.m.Apply(state.Start{Time: now, Term: 1, Allocs: []state.Alloc{{ID: id, Nodes: nodes}}})
}

func (b *fakeBackend) setAutoStart(v bool) {
	b.mu.Lock()
	b.autoStart = v
	b.mu.Unlock()
}

func (b *fakeBackend) signalsSent() []msg.OpSignal {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]msg.OpSignal(nil), b.signals...)
}

func (b *fakeBackend) Read(fn func(v View)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.readHook != nil {
		b.readHook()
	}
	fn(View{State: b.m, Conf: b.conf, ConfPath: "/etc/slurm/slurm.conf", Leader: b.leader, Now: b.now, Started: b.started})
}

// job returns a copy of a job's record, or nil.
func (b *fakeBackend) job(id state.JobID) *state.Job {
	b.mu.Lock()
	defer b.mu.Unlock()
	j := b.m.Job(id)
	if j == nil {
		return nil
	}
	c := *j
	return &c
}

func (b *fakeBackend) numJobs() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m.NumJobs()
}

func (b *fakeBackend) setReadHook(f func()) {
	b.mu.Lock()
	b.readHook = f
	b.mu.Unlock()
}

func (b *fakeBackend) advance(d time.Duration) {
	b.mu.Lock()
	b.now = b.now.Add(d)
	b.mu.Unlock()
}

func (b *fakeBackend) setLeader(v bool) {
	b.mu.Lock()
	b.leader = v
	b.mu.Unlock()
}

// fakeAuth accepts credentials "TEST:<uid>:<gid>:<nonce>:<sha256 of type and
// body>", each nonce once (MUNGE refuses replays too), and signs replies
// the same way with uid 64030 (SlurmUser).
type fakeAuth struct {
	mu    sync.Mutex
	seen  map[string]bool
	nonce atomic.Uint64
}

const fakePlugin = slurmproto.AuthPluginMunge

func newFakeAuth() *fakeAuth { return &fakeAuth{seen: map[string]bool{}} }

func bodyDigest(t slurmproto.MsgType, body []byte) string {
	h := sha256.New()
	h.Write([]byte{byte(t >> 8), byte(t)})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func (a *fakeAuth) credential(uid, gid uint32, t slurmproto.MsgType, body []byte) slurmproto.Auth {
	n := a.nonce.Add(1)
	cred := fmt.Sprintf("TEST:%d:%d:%d:%s", uid, gid, n, bodyDigest(t, body))
	return slurmproto.Auth{PluginID: fakePlugin, Credential: slurmproto.S(cred)}
}

var errBadCred = errors.New("fake auth: invalid credential")

func (a *fakeAuth) check(auth slurmproto.Auth, t slurmproto.MsgType, body []byte) (Identity, error) {
	cred, ok := auth.Credential.Get()
	parts := strings.Split(cred, ":")
	if !ok || auth.PluginID != fakePlugin || len(parts) != 5 || parts[0] != "TEST" || parts[4] != bodyDigest(t, body) {
		return Identity{}, errBadCred
	}
	uid, err1 := strconv.ParseUint(parts[1], 10, 32)
	gid, err2 := strconv.ParseUint(parts[2], 10, 32)
	if err1 != nil || err2 != nil {
		return Identity{}, errBadCred
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen[cred] {
		return Identity{}, fmt.Errorf("%w: replayed", errBadCred)
	}
	a.seen[cred] = true
	return Identity{UID: uint32(uid), GID: uint32(gid)}, nil
}

func (a *fakeAuth) Verify(env *slurmproto.Envelope) (Identity, error) {
	return a.check(env.Auth, env.Header.MsgType, env.Body)
}

func (a *fakeAuth) Credential(t slurmproto.MsgType, body []byte) (slurmproto.Auth, error) {
	return a.credential(64030, 64030, t, body), nil
}

// harness is a Server on a loopback listener.
type harness struct {
	t    *testing.T
	be   *fakeBackend
	auth *fakeAuth
	srv  *Server
	addr string
	done chan error
}

func startServer(t *testing.T, configure func(*Server)) *harness {
	t.Helper()
	h := &harness{t: t, be: newFakeBackend(t), auth: newFakeAuth(), done: make(chan error, 1)}
	h.srv = &Server{Backend: h.be, Auth: h.auth, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		MessageTimeout: 2 * time.Second}
	if configure != nil {
		configure(h.srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	go func() { h.done <- h.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := h.srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-h.done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return h
}

// frame builds a request the way the Slurm clients do: version 38, no
// flags, no forwarding, orig_addr family 0, a credential over the body.
func (h *harness) frame(uid, gid uint32, t slurmproto.MsgType, body []byte) []byte {
	out, err := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: t},
		h.auth.credential(uid, gid, t, body), body)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// roundTrip sends raw bytes on a fresh connection and returns the reply
// frame, or the error reading it (io.EOF: closed without a reply).
func (h *harness) roundTrip(raw []byte) (*slurmproto.Envelope, error) {
	c, err := net.DialTimeout("tcp", h.addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(raw); err != nil {
		return nil, err
	}
	// Half-close, so a server waiting for the rest of a truncated
	// request sees the end at once instead of at MessageTimeout.
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	f, err := slurmproto.ReadFrame(c, 0)
	if err != nil {
		return nil, err
	}
	return slurmproto.DecodeEnvelope(f)
}

// call sends one request as uid/gid and decodes the verified reply.
func (h *harness) call(uid, gid uint32, t slurmproto.MsgType, body []byte) (slurmproto.MsgType, slurmproto.Body) {
	h.t.Helper()
	env, err := h.roundTrip(h.frame(uid, gid, t, body))
	if err != nil {
		h.t.Fatalf("%v: %v", t, err)
	}
	if _, err := h.auth.check(env.Auth, env.Header.MsgType, env.Body); err != nil {
		h.t.Fatalf("%v: reply credential: %v", t, err)
	}
	if env.Header.Version != slurmproto.ProtocolVersion {
		h.t.Fatalf("reply version %#x", env.Header.Version)
	}
	b, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		h.t.Fatalf("%v reply %v: %v", t, env.Header.MsgType, err)
	}
	return env.Header.MsgType, b
}

// callBody encodes body and calls as root.
func (h *harness) callBody(uid uint32, t slurmproto.MsgType, body slurmproto.Body) (slurmproto.MsgType, slurmproto.Body) {
	h.t.Helper()
	raw, err := slurmproto.EncodeBody(t, body)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.call(uid, uid, t, raw)
}

// rc expects a RESPONSE_SLURM_RC and returns its code.
func (h *harness) rc(typ slurmproto.MsgType, b slurmproto.Body) uint32 {
	h.t.Helper()
	switch typ {
	case slurmproto.ResponseSlurmRC:
		return b.(*slurmproto.ReturnCode).ReturnCode
	case slurmproto.ResponseSlurmRCMsg:
		return b.(*slurmproto.ReturnCodeMsg).ReturnCode
	}
	h.t.Fatalf("want RESPONSE_SLURM_RC, got %v", typ)
	return 0
}

// captured reads a body taken from the real captures (testdata/captured,
// extracted from shared/captures/*.pcap: <capture>.<index>.<type>.body).
func captured(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/captured/" + name + ".body")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
