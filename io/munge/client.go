package munge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// DefaultSocket is munged's default socket (Debian's build).
const DefaultSocket = "/run/munge/munge.socket.2"

// DefaultTimeout bounds one request when Client.Timeout is zero. munged
// answers in well under a millisecond; its own socket timeout is 2 s.
const DefaultTimeout = 5 * time.Second

// MaxTTL is the longest TTL a request may name; munged caps it further at
// its --max-ttl (3600 s by default).
const MaxTTL = 24 * time.Hour

// maxSocketPath is sizeof(sun_path) less the terminating NUL.
const maxSocketPath = 107

// connect retries: a UNIX socket whose listen backlog is full refuses
// connections at once, as libmunge notes; nothing has been sent yet, so
// trying again is safe.
const (
	connectAttempts = 5
	connectBackoff  = 10 * time.Millisecond
)

// Client talks to one munged over its UNIX socket. The zero value uses
// DefaultSocket and DefaultTimeout. It is safe for concurrent use: every
// request opens its own connection, as libmunge does.
type Client struct {
	Socket  string        // path of munged's socket; "" = DefaultSocket
	Timeout time.Duration // per request, connect included; 0 = DefaultTimeout
}

// Credential is what munged reports about a decoded credential.
type Credential struct {
	// UID and GID of the process that encoded the credential, as munged
	// established them from its socket peer credentials.
	UID, GID uint32
	Payload  []byte // nil when empty
	Encoded  time.Time
	Decoded  time.Time
	TTL      time.Duration
	// Origin is the address munged recorded for the encoding host (the
	// zero Addr if none).
	Origin netip.Addr
	// AuthUID and AuthGID restrict who may decode (AnyID = anyone).
	AuthUID, AuthGID uint32
	Cipher, MAC, Zip uint8
	Realm            string
}

// EncodeOptions are the optional parts of an encode request.
type EncodeOptions struct {
	// TTL in whole seconds (rounded up); 0 = munged's default (300 s),
	// values over munged's --max-ttl are capped by munged.
	TTL time.Duration
	// UID and GID restrict decoding to that uid or gid (munge -U / -G).
	UID, GID Restriction
}

// Restriction is an optional uid or gid restriction. The zero value
// means none.
type Restriction struct {
	ID  uint32
	Set bool
}

// Only restricts decoding to id.
func Only(id uint32) Restriction { return Restriction{ID: id, Set: true} }

func (r Restriction) wire() uint32 {
	if r.Set {
		return r.ID
	}
	return AnyID
}

// Encode asks munged for a credential carrying payload, made in the name
// of this process's uid and gid. It returns the credential text
// ("MUNGE:...:"). The request may be repeated safely, so a connection
// failure before a reply is not special.
func (c *Client) Encode(ctx context.Context, payload []byte, opts EncodeOptions) (string, error) {
	if len(payload) > MaxPayloadLen {
		return "", fmt.Errorf("munge encode: %w: payload of %d bytes > %d", ErrTooLarge, len(payload), MaxPayloadLen)
	}
	if opts.TTL < 0 || opts.TTL > MaxTTL {
		return "", fmt.Errorf("munge encode: %w: TTL %v outside [0, %v]", ErrInvalidArgument, opts.TTL, MaxTTL)
	}
	req := encodeRequest{
		ttl:     uint32((opts.TTL + time.Second - 1) / time.Second),
		authUID: opts.UID.wire(),
		authGID: opts.GID.wire(),
		payload: payload,
	}
	body, err := c.roundTrip(ctx, "encode", msgEncodeRequest, appendEncodeRequest(nil, req), msgEncodeResponse)
	if err != nil {
		return "", err
	}
	rsp, err := parseEncodeResponse(body)
	if err != nil {
		return "", fmt.Errorf("munge encode: %w", err)
	}
	if rsp.code != CodeSuccess {
		return "", &DaemonError{Op: "encode", Code: rsp.code, Message: rsp.message}
	}
	return rsp.cred, nil
}

// Decode asks munged to verify cred and returns its contents. Any error
// means the credential must not be trusted; a *DaemonError says why
// (errors.Is with ErrExpired, ErrReplayed, ErrBadCredential, ...).
//
// A decode request is never sent twice: munged remembers every credential
// it decoded and refuses it the second time (ErrReplayed), and libmunge's
// resend-with-retry-count, which munged lets through its replay check, is
// deliberately not imitated.
func (c *Client) Decode(ctx context.Context, cred string) (*Credential, error) {
	if cred == "" {
		return nil, fmt.Errorf("munge decode: %w: empty credential", ErrInvalidArgument)
	}
	if len(cred) > MaxCredentialLen {
		return nil, fmt.Errorf("munge decode: %w: credential of %d bytes > %d", ErrTooLarge, len(cred), MaxCredentialLen)
	}
	for i := 0; i < len(cred); i++ {
		if cred[i] == 0 {
			// munged reads a C string: it would decode only the part
			// before the NUL.
			return nil, fmt.Errorf("munge decode: %w: NUL byte at offset %d of the credential", ErrInvalidArgument, i)
		}
	}
	body, err := c.roundTrip(ctx, "decode", msgDecodeRequest, appendDecodeRequest(nil, cred), msgDecodeResponse)
	if err != nil {
		return nil, err
	}
	rsp, err := parseDecodeResponse(body)
	if err != nil {
		return nil, fmt.Errorf("munge decode: %w", err)
	}
	if rsp.code != CodeSuccess {
		e := &DaemonError{Op: "decode", Code: rsp.code, Message: rsp.message}
		switch rsp.code {
		case CodeCredExpired, CodeCredRewound, CodeCredReplayed:
			e.Credential = &rsp.cred
		}
		return nil, e
	}
	return &rsp.cred, nil
}

func (c *Client) socket() string {
	if c.Socket == "" {
		return DefaultSocket
	}
	return c.Socket
}

// roundTrip sends one request on a new connection and returns the body of
// munged's reply, which must be of type want.
func (c *Client) roundTrip(ctx context.Context, op string, reqType uint8, body []byte, want uint8) ([]byte, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	conn, err := c.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("munge %s: %w", op, err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("munge %s: %w: %v", op, ErrProtocol, err)
	}
	// Cancelling the context interrupts blocked reads and writes.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	msg := appendHeader(make([]byte, 0, headerLen+len(body)), header{msgType: reqType, bodyLen: uint32(len(body))})
	msg = append(msg, body...)
	if _, err := conn.Write(msg); err != nil {
		return nil, fmt.Errorf("munge %s: sending request: %w", op, ioError(ctx, err))
	}
	var hb [headerLen]byte
	if _, err := io.ReadFull(conn, hb[:]); err != nil {
		return nil, fmt.Errorf("munge %s: reading reply header: %w", op, ioError(ctx, err))
	}
	h, err := parseHeader(hb[:])
	if err != nil {
		return nil, fmt.Errorf("munge %s: %w", op, err)
	}
	if h.msgType != want {
		return nil, fmt.Errorf("munge %s: %w: reply of type %d, want %d", op, ErrProtocol, h.msgType, want)
	}
	if h.bodyLen > maxReplyLen {
		return nil, fmt.Errorf("munge %s: %w: reply of %d bytes > %d", op, ErrTooLarge, h.bodyLen, maxReplyLen)
	}
	reply := make([]byte, h.bodyLen)
	if _, err := io.ReadFull(conn, reply); err != nil {
		return nil, fmt.Errorf("munge %s: reading reply body: %w", op, ioError(ctx, err))
	}
	return reply, nil
}

// dial connects to the socket, retrying briefly while the listen backlog
// is full. A missing file, a non-socket and a refused connection are
// ErrNoDaemon.
func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	path := c.socket()
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("%w: socket path of %d bytes > %d", ErrInvalidArgument, len(path), maxSocketPath)
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %q does not exist (is munged running? is the socket path right?)", ErrNoDaemon, path)
		}
		return nil, fmt.Errorf("%w: %v", ErrNoDaemon, err)
	}
	if st.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("%w: %q is not a socket", ErrNoDaemon, path)
	}
	var d net.Dialer
	for attempt := 1; ; attempt++ {
		conn, err := d.DialContext(ctx, "unix", path)
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: connecting to %q: %v", ErrTimeout, path, err)
		}
		refused := errors.Is(err, syscall.ECONNREFUSED)
		busy := errors.Is(err, syscall.EAGAIN)
		if !refused && !busy {
			return nil, fmt.Errorf("%w: connecting to %q: %v", ErrNoDaemon, path, err)
		}
		if attempt >= connectAttempts {
			if busy {
				return nil, fmt.Errorf("%w: %q still busy after %d attempts: %v", ErrDaemon, path, attempt, err)
			}
			return nil, fmt.Errorf("%w: %q refuses connections (stale socket, munged not running?)", ErrNoDaemon, path)
		}
		t := time.NewTimer(time.Duration(attempt) * connectBackoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: connecting to %q", ErrTimeout, path)
		case <-t.C:
		}
	}
}

// ioError classifies a failed read or write on the connection.
func ioError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w): %v", ErrTimeout, ctx.Err(), err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	return fmt.Errorf("%w: %v", ErrProtocol, err)
}
