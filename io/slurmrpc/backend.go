package slurmrpc

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Backend is the controller as the RPC handlers see it. The runtime in
// io/ctld implements it around one core/controller.Controller.
type Backend interface {
	// Do runs a state-changing operation through consensus on behalf of
	// uid and returns once it was committed and applied (the reply's Job
	// and Err say what happened), or an error when the outcome is unknown
	// or this controller cannot serve it (ErrNotLeader, context expiry).
	Do(ctx context.Context, uid uint32, op msg.Op) (msg.ClientReply, error)
	// Read calls fn with a consistent view of the applied state. fn runs
	// on the controller's event loop: it must be quick and must not keep
	// v or anything reachable from it after returning.
	Read(fn func(v View))
}

// ErrNotLeader means this controller is not the leader; the handler answers
// as a Slurm backup controller does (ESLURM_IN_STANDBY_MODE).
var ErrNotLeader = errors.New("slurmrpc: not the leader")

// View is a read-only view of one controller.
type View struct {
	State      *state.Machine
	Controller *controller.Controller // Stats, PendingReason, Status
	Conf       *conf.Config           // the parsed slurm.conf
	ConfPath   string
	Leader     bool
	Now        time.Time
	Started    time.Time // when the daemon started (sdiag)
}

// Identity is a caller verified by the authenticator.
type Identity struct {
	UID, GID uint32
	// Origin is the address of the host that made the credential (MUNGE's
	// origin), if the authenticator knows it; the zero Addr otherwise, and
	// the connection's peer address stands in for it.
	Origin netip.Addr
}

// Signer signs job credentials as Slurm's cred/munge does: it returns the
// MUNGE credential text whose payload is exactly payload, made as this
// daemon's uid (root or SlurmUser) and decodable by anyone. Node daemons
// check it before they run a step's tasks.
type Signer interface {
	Sign(ctx context.Context, payload []byte) (string, error)
}

// SignerFunc adapts a function (e.g. munge.Client.Encode with default
// options) to Signer.
type SignerFunc func(ctx context.Context, payload []byte) (string, error)

// Sign calls f.
func (f SignerFunc) Sign(ctx context.Context, payload []byte) (string, error) { return f(ctx, payload) }

// Authenticator verifies the credential of an incoming message and makes
// credentials for replies (auth/munge in production: io/munge).
type Authenticator interface {
	// Verify checks env's credential against env.Body and returns who sent it.
	Verify(env *slurmproto.Envelope) (Identity, error)
	// Credential makes the auth section for an outgoing body of msgType.
	Credential(msgType slurmproto.MsgType, body []byte) (slurmproto.Auth, error)
}
