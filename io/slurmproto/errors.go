package slurmproto

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every decoding failure wraps exactly one of them, so a
// caller can branch with errors.Is and still log the detailed message.
var (
	// ErrTruncated: the input ended before a field, a frame or a body was
	// complete.
	ErrTruncated = errors.New("slurmproto: truncated input")
	// ErrTooLarge: a frame, string, array or list count exceeds the limits
	// documented in doc.go (or the bytes actually present).
	ErrTooLarge = errors.New("slurmproto: size exceeds limit")
	// ErrMalformed: the bytes are present but cannot be a valid Slurm
	// encoding (bad bool, string without its NUL, bad bitmap text, body
	// length not matching the frame, inconsistent counts...).
	ErrMalformed = errors.New("slurmproto: malformed input")
	// ErrUnsupportedVersion: the header carries a protocol version this
	// package does not speak. Slurm closes the connection without a reply
	// in that case; the server should do the same.
	ErrUnsupportedVersion = errors.New("slurmproto: unsupported protocol version")
	// ErrUnknownMessageType: the message type has no body codec here. The
	// header and auth were still decoded; see Message.Body (RawBody).
	ErrUnknownMessageType = errors.New("slurmproto: unknown message type")
	// ErrUnsupported: a valid Slurm encoding of something this package
	// does not implement (federation records, GRES state, forwarded reply
	// lists...).
	ErrUnsupported = errors.New("slurmproto: unsupported Slurm feature")
	// ErrTrailingBytes: a body decoded completely but bytes were left over.
	ErrTrailingBytes = errors.New("slurmproto: trailing bytes after body")
	// ErrInvalidValue: a Go value cannot be encoded (count mismatch, value
	// that collides with a wire sentinel, oversized field...).
	ErrInvalidValue = errors.New("slurmproto: value cannot be encoded")
)

// DecodeError says where decoding failed. It wraps one of the sentinels.
type DecodeError struct {
	Offset int    // byte offset inside the buffer being decoded
	Field  string // Go field path, e.g. "JobInfo.Jobs[3].Name"; may be empty
	Err    error  // a sentinel, possibly wrapped with detail
}

func (e *DecodeError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%v (at byte %d)", e.Err, e.Offset)
	}
	return fmt.Sprintf("%v (field %s, at byte %d)", e.Err, e.Field, e.Offset)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// VersionError is returned for a header whose version is not
// ProtocolVersion. errors.Is(err, ErrUnsupportedVersion) holds.
type VersionError struct {
	Version uint16
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%v: 0x%04x (only 0x%04x is spoken)", ErrUnsupportedVersion, e.Version, ProtocolVersion)
}

func (e *VersionError) Unwrap() error { return ErrUnsupportedVersion }
