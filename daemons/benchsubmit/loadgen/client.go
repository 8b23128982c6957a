package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/slurmproto"
)

// MaxReplySize bounds one reply frame. Submit and ping replies are tiny;
// this leaves room for small queries without trusting a hostile length.
const MaxReplySize = 16 << 20

// DefaultTimeout bounds one call when Client.Timeout is zero; it is
// slurm.conf's default MessageTimeout.
const DefaultTimeout = 10 * time.Second

// Client sends Slurm RPCs to one controller address.
type Client struct {
	Addr    string           // host:port of the controller
	Auth    *munge.SlurmAuth // signs requests, verifies replies
	Timeout time.Duration    // per call, connect included; 0 = DefaultTimeout
	Dialer  *net.Dialer      // nil = a plain dialer
	// Restrict limits who may decode request credentials. Slurm's
	// clients restrict them to SlurmUser's uid; the zero value does not.
	Restrict munge.Restriction
}

// Call sends one request and returns the verified, decoded reply.
func (c *Client) Call(ctx context.Context, t slurmproto.MsgType, body []byte) (slurmproto.MsgType, slurmproto.Body, error) {
	if c.Auth == nil {
		return 0, nil, errors.New("loadgen: Client.Auth is nil")
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cred, err := c.Auth.CredentialFor(ctx, t, body, c.Restrict)
	if err != nil {
		return 0, nil, fmt.Errorf("credential: %w", err)
	}
	raw, err := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: t}, cred, body)
	if err != nil {
		return 0, nil, err
	}
	d := c.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write(raw); err != nil {
		return 0, nil, fmt.Errorf("send: %w", err)
	}
	frame, err := slurmproto.ReadFrame(conn, MaxReplySize)
	if err != nil {
		return 0, nil, fmt.Errorf("receive: %w", err)
	}
	env, err := slurmproto.DecodeEnvelope(frame)
	if err != nil {
		return 0, nil, fmt.Errorf("reply: %w", err)
	}
	if _, err := c.Auth.VerifyCredential(ctx, env); err != nil {
		return 0, nil, fmt.Errorf("reply credential: %w", err)
	}
	b, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		return env.Header.MsgType, nil, fmt.Errorf("reply body: %w", err)
	}
	return env.Header.MsgType, b, nil
}

// Ping sends REQUEST_PING and requires RESPONSE_SLURM_RC 0, which any
// controller gives, a standby one included.
func (c *Client) Ping(ctx context.Context) error {
	return c.expectRC(ctx, slurmproto.RequestPing)
}

// WaitReady polls until the controller in charge answers: REQUEST_FED_INFO
// gets RESPONSE_FED_INFO only from a controller that serves requests (a
// standby answers ESLURM_IN_STANDBY_MODE). It gives up when ctx ends or
// when exited (may be nil) is closed, returning the last error.
func (c *Client) WaitReady(ctx context.Context, exited <-chan struct{}) error {
	var last error
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 250*time.Millisecond) {
		t, b, err := c.Call(ctx, slurmproto.RequestFedInfo, nil)
		switch {
		case err != nil:
			last = err
		case t == slurmproto.ResponseFedInfo:
			return nil
		default:
			last = fmt.Errorf("REQUEST_FED_INFO answered %v %+v", t, b)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("controller at %s not serving: %w", c.Addr, last)
		case <-exited:
			return fmt.Errorf("controller exited before serving (last: %v)", last)
		case <-time.After(delay):
		}
	}
}

func (c *Client) expectRC(ctx context.Context, t slurmproto.MsgType) error {
	got, b, err := c.Call(ctx, t, nil)
	if err != nil {
		return err
	}
	rc, ok := b.(*slurmproto.ReturnCode)
	if got != slurmproto.ResponseSlurmRC || !ok {
		return fmt.Errorf("%v answered %v %+v", t, got, b)
	}
	if rc.ReturnCode != 0 {
		return fmt.Errorf("%v answered rc %d", t, rc.ReturnCode)
	}
	return nil
}
