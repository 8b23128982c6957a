// Package peerwire is the wire format between FLURM's own daemons:
// controllers exchanging Raft messages, and node agents (flurmnd) talking
// to controllers. Both run over the controllers' peer port.
//
// Every frame is a big-endian uint32 length n, a kind byte and n-1 payload
// bytes (at most MaxFrameBytes). A dialer's first frame is a hello naming
// it ("ctl/2", "node/n001"); every later frame on that connection is
// attributed to that address. Controllers send KindRaft frames; node
// agents and controllers exchange KindNode frames, which carry one
// core/msg message sealed by a Sealer (MUNGE in production, see node.go):
// unlike Raft frames, which only controllers can send, node frames start
// and stop processes, so each one is authenticated on its own.
package peerwire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/flurm/flurm/core/msg"
)

// Wire format of the controller transport. Every frame is
//
//	uint32 big-endian length n | kind byte | n-1 payload bytes
//
// The first frame on a connection is a hello naming the sender; every
// later frame is attributed to that address. Kinds not listed here are
// reserved.
const (
	KindHello byte = 1 // payload: helloMagic + sender address
	KindRaft  byte = 2 // payload: one marshaled raftpb.Message
	KindNode  byte = 3 // payload: a sealed node message (node.go)

	helloMagic = "flurm-ctld/1 "

	// MaxFrameBytes bounds one frame. A Raft snapshot travels in one
	// message, so this is also the largest state a follower can catch up
	// with by snapshot.
	MaxFrameBytes = 256 << 20
	// maxAddrLen bounds the sender address in a hello.
	maxAddrLen = 256
)

var ErrFrameTooLarge = errors.New("peerwire: frame larger than MaxFrameBytes")

// AppendFrame appends one encoded frame to dst.
func AppendFrame(dst []byte, kind byte, payload []byte) ([]byte, error) {
	if len(payload)+1 > MaxFrameBytes {
		return dst, ErrFrameTooLarge
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)+1))
	dst = append(dst, kind)
	return append(dst, payload...), nil
}

// ReadFrame reads one frame, refusing empty and oversized ones before
// allocating.
func ReadFrame(r io.Reader) (kind byte, payload []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 {
		return 0, nil, errors.New("peerwire: empty frame")
	}
	if n > MaxFrameBytes {
		return 0, nil, fmt.Errorf("peerwire: frame of %d bytes exceeds %d", n, MaxFrameBytes)
	}
	if _, err := io.ReadFull(r, hdr[4:5]); err != nil {
		return 0, nil, unexpected(err)
	}
	payload = make([]byte, n-1)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, unexpected(err)
	}
	return hdr[4], payload, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// HelloFrame is the first frame a dialer sends.
func HelloFrame(from msg.Addr) ([]byte, error) {
	if len(from) == 0 || len(from) > maxAddrLen {
		return nil, fmt.Errorf("peerwire: bad sender address %q", from)
	}
	return AppendFrame(nil, KindHello, []byte(helloMagic+string(from)))
}

// ParseHello checks a hello payload and returns the sender address.
func ParseHello(payload []byte) (msg.Addr, error) {
	s, ok := strings.CutPrefix(string(payload), helloMagic)
	if !ok {
		return "", errors.New("peerwire: not a flurm-ctld/1 hello")
	}
	if len(s) == 0 || len(s) > maxAddrLen {
		return "", fmt.Errorf("peerwire: hello address of %d bytes", len(s))
	}
	return msg.Addr(s), nil
}
