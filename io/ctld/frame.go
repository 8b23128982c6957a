package ctld

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/msg"
)

// Wire format of the controller transport. Every frame is
//
//	uint32 big-endian length n | kind byte | n-1 payload bytes
//
// The first frame on a connection is a hello naming the sender; every
// later frame is attributed to that address. Kinds not listed here are
// reserved for the node agent protocol (flurmnd).
const (
	frameHello byte = 1 // payload: helloMagic + sender address
	frameRaft  byte = 2 // payload: one marshaled raftpb.Message

	helloMagic = "flurm-ctld/1 "

	// MaxFrameBytes bounds one frame. A Raft snapshot travels in one
	// message, so this is also the largest state a follower can catch up
	// with by snapshot.
	MaxFrameBytes = 256 << 20
	// maxAddrLen bounds the sender address in a hello.
	maxAddrLen = 256
)

var errFrameTooLarge = errors.New("ctld: frame larger than MaxFrameBytes")

// appendFrame appends one encoded frame to dst.
func appendFrame(dst []byte, kind byte, payload []byte) ([]byte, error) {
	if len(payload)+1 > MaxFrameBytes {
		return dst, errFrameTooLarge
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)+1))
	dst = append(dst, kind)
	return append(dst, payload...), nil
}

// readFrame reads one frame, refusing empty and oversized ones before
// allocating.
func readFrame(r io.Reader) (kind byte, payload []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 {
		return 0, nil, errors.New("ctld: empty frame")
	}
	if n > MaxFrameBytes {
		return 0, nil, fmt.Errorf("ctld: frame of %d bytes exceeds %d", n, MaxFrameBytes)
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

// helloFrame is the first frame a dialer sends.
func helloFrame(from msg.Addr) ([]byte, error) {
	if len(from) == 0 || len(from) > maxAddrLen {
		return nil, fmt.Errorf("ctld: bad sender address %q", from)
	}
	return appendFrame(nil, frameHello, []byte(helloMagic+string(from)))
}

// parseHello checks a hello payload and returns the sender address.
func parseHello(payload []byte) (msg.Addr, error) {
	s, ok := strings.CutPrefix(string(payload), helloMagic)
	if !ok {
		return "", errors.New("ctld: not a flurm-ctld/1 hello")
	}
	if len(s) == 0 || len(s) > maxAddrLen {
		return "", fmt.Errorf("ctld: hello address of %d bytes", len(s))
	}
	return msg.Addr(s), nil
}

// controllerID parses "ctl/<id>"; ok is false for any other address.
func controllerID(a msg.Addr) (uint64, bool) {
	s, ok := strings.CutPrefix(string(a), "ctl/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 || msg.ControllerAddr(id) != a {
		return 0, false // reject "ctl/007" so one peer has one spelling
	}
	return id, true
}
