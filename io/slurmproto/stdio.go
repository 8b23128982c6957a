package slurmproto

import (
	"encoding/binary"
	"fmt"
)

// The srun task I/O stream (src/common/io_hdr.c) is not an RPC: the task
// side connects to one of srun's I/O ports, sends an init message, then
// both sides exchange 10-byte-header frames. Only the protocol-38 form of
// the init message (length-prefixed, with a variable-length key) is
// supported.

// I/O frame types.
const (
	IOStdin          uint16 = 0
	IOStdout         uint16 = 1
	IOStderr         uint16 = 2
	IOAllStdin       uint16 = 3
	IOConnectionTest uint16 = 4
)

// IOHeaderSize is the packed size of an IOHeader.
const IOHeaderSize = 10

// MaxIOFrameLen bounds one I/O frame payload; Slurm's senders use at most
// MAX_MSG_LEN (1024) bytes.
const MaxIOFrameLen = 1 << 20

// IOInitMsg is io_init_msg_t. IOKey must equal, byte for byte, the job
// credential signature srun received in RESPONSE_JOB_STEP_CREATE.
type IOInitMsg struct {
	Version    uint16
	NodeID     uint32
	StdoutObjs uint32
	StderrObjs uint32
	IOKey      []byte
}

// AppendIOInit appends the length-prefixed init message to dst.
func AppendIOInit(dst []byte, m IOInitMsg) ([]byte, error) {
	if m.Version != ProtocolVersion {
		return dst, &VersionError{Version: m.Version}
	}
	if len(m.IOKey) > MaxCredentialLen {
		return dst, fmt.Errorf("%w: I/O key of %d bytes", ErrInvalidValue, len(m.IOKey))
	}
	w := &writer{}
	w.u16(m.Version)
	w.u32(m.NodeID)
	w.u32(m.StdoutObjs)
	w.u32(m.StderrObjs)
	w.mem(m.IOKey)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(w.buf)))
	return append(dst, w.buf...), nil
}

// DecodeIOInit decodes an init message given the bytes after its length
// prefix (ReadFrame and SplitFrame read that prefix).
func DecodeIOInit(frame []byte) (IOInitMsg, error) {
	r := &reader{buf: frame, path: []string{"IOInitMsg"}}
	m := IOInitMsg{Version: r.u16()}
	if r.err != nil {
		return IOInitMsg{}, r.err
	}
	if m.Version != ProtocolVersion {
		return IOInitMsg{}, &VersionError{Version: m.Version}
	}
	m.NodeID = r.u32()
	m.StdoutObjs = r.u32()
	m.StderrObjs = r.u32()
	if n := r.remaining(); r.err == nil && n >= 4 && binary.BigEndian.Uint32(frame[r.off:]) > MaxCredentialLen {
		r.fail(ErrTooLarge, "I/O key longer than %d bytes", MaxCredentialLen)
	}
	m.IOKey = r.mem()
	if r.err == nil && r.remaining() != 0 {
		r.fail(ErrTrailingBytes, "%d bytes after the I/O key", r.remaining())
	}
	if r.err != nil {
		return IOInitMsg{}, r.err
	}
	return m, nil
}

// IOHeader is io_hdr_t, the header of every I/O frame. Length 0 is end of
// file for that stream.
type IOHeader struct {
	Type    uint16
	GTaskID uint16
	LTaskID uint16
	Length  uint32
}

// AppendIOHeader appends the 10-byte header to dst.
func AppendIOHeader(dst []byte, h IOHeader) []byte {
	dst = binary.BigEndian.AppendUint16(dst, h.Type)
	dst = binary.BigEndian.AppendUint16(dst, h.GTaskID)
	dst = binary.BigEndian.AppendUint16(dst, h.LTaskID)
	return binary.BigEndian.AppendUint32(dst, h.Length)
}

// DecodeIOHeader decodes the first IOHeaderSize bytes of b. It refuses
// unknown frame types and payloads over MaxIOFrameLen.
func DecodeIOHeader(b []byte) (IOHeader, error) {
	if len(b) < IOHeaderSize {
		return IOHeader{}, &DecodeError{Offset: len(b), Field: "IOHeader", Err: ErrTruncated}
	}
	h := IOHeader{
		Type:    binary.BigEndian.Uint16(b),
		GTaskID: binary.BigEndian.Uint16(b[2:]),
		LTaskID: binary.BigEndian.Uint16(b[4:]),
		Length:  binary.BigEndian.Uint32(b[6:]),
	}
	if h.Type > IOConnectionTest {
		return IOHeader{}, &DecodeError{Field: "IOHeader.Type", Err: fmt.Errorf("%w: I/O frame type %d", ErrMalformed, h.Type)}
	}
	if h.Length > MaxIOFrameLen {
		return IOHeader{}, &DecodeError{Offset: 6, Field: "IOHeader.Length", Err: fmt.Errorf("%w: I/O frame of %d bytes", ErrTooLarge, h.Length)}
	}
	return h, nil
}
