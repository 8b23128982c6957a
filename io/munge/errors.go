package munge

import (
	"errors"
	"fmt"
)

// Code is munged's munge_err_t, the error number of a reply (munge.h).
type Code uint8

// munge_err_t values of munge 0.5.15.
const (
	CodeSuccess          Code = 0
	CodeSnafu            Code = 1  // internal error in munged
	CodeBadArg           Code = 2  // invalid argument
	CodeBadLength        Code = 3  // request longer than munged accepts
	CodeOverflow         Code = 4  // buffer overflow
	CodeNoMemory         Code = 5  // out of memory
	CodeSocket           Code = 6  // socket communication error
	CodeTimeout          Code = 7  // socket timeout (unused by munged)
	CodeBadCred          Code = 8  // invalid credential format
	CodeBadVersion       Code = 9  // invalid credential version
	CodeBadCipher        Code = 10 // invalid cipher type
	CodeBadMAC           Code = 11 // invalid MAC type
	CodeBadZip           Code = 12 // invalid compression type
	CodeBadRealm         Code = 13 // unrecognized security realm
	CodeCredInvalid      Code = 14 // invalid credential (e.g. another key)
	CodeCredExpired      Code = 15 // older than its TTL
	CodeCredRewound      Code = 16 // encoded in the future (clock skew)
	CodeCredReplayed     Code = 17 // already decoded once
	CodeCredUnauthorized Code = 18 // restricted to another uid/gid
)

var codeNames = [...]string{
	"success", "internal error", "invalid argument", "exceeded maximum message length",
	"buffer overflow", "out of memory", "socket communication error", "socket timeout",
	"invalid credential format", "invalid credential version", "invalid cipher type",
	"invalid MAC type", "invalid compression type", "unrecognized security realm",
	"invalid credential", "expired credential", "rewound credential",
	"replayed credential", "unauthorized credential decode",
}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("munge error %d", uint8(c))
}

// Sentinels for errors.Is. A *DaemonError matches exactly one of the first
// six according to its Code; the others come from this side of the socket.
var (
	// ErrExpired: the credential is older than its TTL (CodeCredExpired).
	ErrExpired = errors.New("munge: credential expired")
	// ErrRewound: the credential was encoded in the future, beyond the
	// allowed skew (CodeCredRewound): the clocks disagree.
	ErrRewound = errors.New("munge: credential rewound (check for clock skew)")
	// ErrReplayed: munged has already decoded this credential once
	// (CodeCredReplayed). Every credential can be decoded only once.
	ErrReplayed = errors.New("munge: credential replayed")
	// ErrUnauthorized: the credential is restricted to another uid or gid
	// than the decoding process's (CodeCredUnauthorized).
	ErrUnauthorized = errors.New("munge: credential restricted to another uid/gid")
	// ErrBadCredential: munged could not read or authenticate the
	// credential: garbage, truncated, tampered with, or made with another
	// key (codes 8 to 14).
	ErrBadCredential = errors.New("munge: invalid credential")
	// ErrDaemon: munged reported a failure of its own or refused the
	// request (codes 1 to 7, or an unknown code).
	ErrDaemon = errors.New("munged failed")

	// ErrNoDaemon: nothing listens at the socket path: the file is missing
	// or not a socket, or the connection is refused. munged is not running
	// there or its socket is elsewhere.
	ErrNoDaemon = errors.New("munged socket missing or not accepting connections")
	// ErrTimeout: the request did not complete within the client's timeout
	// or the context's deadline.
	ErrTimeout = errors.New("munged request timed out")
	// ErrProtocol: munged's reply broke the message format (bad magic,
	// version, type or lengths), or the connection dropped mid-exchange.
	ErrProtocol = errors.New("bad reply from munged")
	// ErrTooLarge: a payload, credential or reply exceeds this package's
	// limits (MaxPayloadLen, MaxCredentialLen, maxReplyLen).
	ErrTooLarge = errors.New("message too large for munge")
	// ErrInvalidArgument: a request this client refuses to send (empty
	// credential, NUL byte in it, bad socket path, TTL out of range).
	ErrInvalidArgument = errors.New("invalid argument to munge")
)

// DaemonError is an error munged reported in its reply.
type DaemonError struct {
	Op      string // "encode" or "decode"
	Code    Code
	Message string // munged's own text, e.g. "Invalid credential"
	// Credential is what munged decoded for the errors where it still
	// returns the contents (expired, rewound, replayed), for logging. Its
	// UID and GID must not be trusted as an identity.
	Credential *Credential
}

func (e *DaemonError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code.String()
	}
	return fmt.Sprintf("munge %s: %s (munge error %d)", e.Op, msg, uint8(e.Code))
}

// Is maps the code to one of the sentinels.
func (e *DaemonError) Is(target error) bool { return target == sentinelFor(e.Code) }

func sentinelFor(c Code) error {
	switch c {
	case CodeCredExpired:
		return ErrExpired
	case CodeCredRewound:
		return ErrRewound
	case CodeCredReplayed:
		return ErrReplayed
	case CodeCredUnauthorized:
		return ErrUnauthorized
	case CodeBadCred, CodeBadVersion, CodeBadCipher, CodeBadMAC, CodeBadZip, CodeBadRealm, CodeCredInvalid:
		return ErrBadCredential
	default:
		return ErrDaemon
	}
}
