package slurmproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ProtocolVersion is SLURM_22_05_PROTOCOL_VERSION (38<<8), the only version
// this package encodes or decodes.
const ProtocolVersion uint16 = 0x2600

// Auth plugin ids (enum auth_plugin_type).
const (
	AuthPluginNone  uint32 = 100
	AuthPluginMunge uint32 = 101
	AuthPluginJWT   uint32 = 102
)

// Header flag bits (slurm_protocol_common.h).
const (
	FlagGlobalAuthKey      uint16 = 0x0001
	FlagSlurmdbdConnection uint16 = 0x0002
	FlagKeepBuffer         uint16 = 0x0004
	FlagDropPriv           uint16 = 0x0008
	FlagUseBcastNetwork    uint16 = 0x0010
	FlagCtldQueue          uint16 = 0x0020
)

// MaxCredentialLen bounds the auth credential text. A MUNGE credential for
// a 33-byte payload is under 200 bytes; JWTs are a few KiB.
const MaxCredentialLen = 64 << 10

// Forward is the header's forwarding request (forward.cnt > 0). Clients and
// slurmctld replies never set it.
type Forward struct {
	Count     uint16 // number of extra nodes; 0 means no forwarding
	NodeList  Str    // hostlist expression
	TimeoutMS uint32
	TreeWidth uint16
}

// Header is the protocol-38 message header (pack_header). BodyLength is
// filled in by the encoder and checked by the decoder.
type Header struct {
	Version    uint16
	Flags      uint16
	MsgType    MsgType
	BodyLength uint32
	Forward    Forward
	OrigAddr   Addr
}

// Auth is the credential block after the header: the auth plugin id and the
// credential text (for MUNGE, "MUNGE:...:"). Verifying it is not this
// package's job; see Envelope.Body for the bytes its payload hash covers.
type Auth struct {
	PluginID   uint32
	Credential Str
}

// Envelope is a decoded frame before its body is interpreted.
type Envelope struct {
	Header Header
	Auth   Auth
	// Body is exactly Header.BodyLength bytes: the bytes the MUNGE payload
	// hash covers, 0x02 || KangarooTwelve(Body, customization =
	// big-endian uint16 Header.MsgType). It aliases the decoded frame.
	Body []byte
}

// ReadFrame reads one length-prefixed message from r and returns the bytes
// after the prefix. maxSize bounds the length (0 means MaxMessageSize, and
// larger values are clamped to it). The buffer grows as data arrives, so a
// peer announcing a huge length cannot make us allocate it up front.
func ReadFrame(r io.Reader, maxSize uint32) ([]byte, error) {
	if maxSize == 0 || maxSize > MaxMessageSize {
		maxSize = MaxMessageSize
	}
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: length prefix: %v", ErrTruncated, err)
		}
		return nil, err // io.EOF: clean end of stream
	}
	n := binary.BigEndian.Uint32(prefix[:])
	if n > maxSize {
		return nil, fmt.Errorf("%w: frame of %d bytes > %d", ErrTooLarge, n, maxSize)
	}
	const chunk = 64 << 10
	buf := make([]byte, 0, min(int(n), chunk))
	for len(buf) < int(n) {
		step := min(int(n)-len(buf), max(chunk, len(buf)))
		buf = append(buf, make([]byte, step)...)
		if _, err := io.ReadFull(r, buf[len(buf)-step:]); err != nil {
			return nil, fmt.Errorf("%w: frame body (%d of %d bytes): %v", ErrTruncated, len(buf)-step, n, err)
		}
	}
	return buf, nil
}

// SplitFrame takes one length-prefixed message off the front of buf.
// ErrTruncated means more bytes are needed.
func SplitFrame(buf []byte) (frame, rest []byte, err error) {
	if len(buf) < 4 {
		return nil, buf, fmt.Errorf("%w: length prefix", ErrTruncated)
	}
	n := binary.BigEndian.Uint32(buf)
	if n > MaxMessageSize {
		return nil, buf, fmt.Errorf("%w: frame of %d bytes > %d", ErrTooLarge, n, MaxMessageSize)
	}
	if uint64(len(buf)-4) < uint64(n) {
		return nil, buf, fmt.Errorf("%w: frame of %d bytes, have %d", ErrTruncated, n, len(buf)-4)
	}
	return buf[4 : 4+n], buf[4+n:], nil
}

// DecodeEnvelope decodes the header and auth block of a frame (the bytes
// after the length prefix) and slices out the body. It fails with a
// *VersionError for any version but ProtocolVersion, as slurmctld does
// before looking further.
func DecodeEnvelope(frame []byte) (*Envelope, error) {
	if len(frame) > MaxMessageSize {
		return nil, fmt.Errorf("%w: frame of %d bytes", ErrTooLarge, len(frame))
	}
	r := &reader{buf: frame}
	var env Envelope
	h := &env.Header
	r.path = []string{"Header"}
	h.Version = r.u16()
	if r.err != nil {
		return nil, r.err
	}
	if h.Version != ProtocolVersion {
		return nil, &VersionError{Version: h.Version}
	}
	h.Flags = r.u16()
	h.MsgType = MsgType(r.u16())
	h.BodyLength = r.u32()
	h.Forward.Count = r.u16()
	if h.Forward.Count > 0 {
		h.Forward.NodeList = r.str()
		h.Forward.TimeoutMS = r.u32()
		h.Forward.TreeWidth = r.u16()
	}
	if retCnt := r.u16(); retCnt != 0 && r.err == nil {
		// Aggregated replies only travel between slurmd and slurmctld
		// when forwarding, which this package does not implement.
		r.fail(ErrUnsupported, "header ret_cnt %d: forwarded reply lists are not supported", retCnt)
	}
	h.OrigAddr = r.addr()
	r.path = []string{"Auth"}
	env.Auth.PluginID = r.u32()
	if n := r.remaining(); r.err == nil && n >= 4 && binary.BigEndian.Uint32(frame[r.off:]) > MaxCredentialLen {
		r.fail(ErrTooLarge, "credential longer than %d bytes", MaxCredentialLen)
	}
	env.Auth.Credential = r.str()
	if r.err != nil {
		return nil, r.err
	}
	r.path = []string{"Body"}
	switch left := r.remaining(); {
	case uint64(h.BodyLength) > uint64(left):
		r.fail(ErrTruncated, "body_length %d, %d bytes left", h.BodyLength, left)
	case uint64(h.BodyLength) < uint64(left):
		r.fail(ErrTrailingBytes, "body_length %d, %d bytes left", h.BodyLength, left)
	}
	if r.err != nil {
		return nil, r.err
	}
	env.Body = frame[r.off:]
	return &env, nil
}

// AppendFrame appends a complete message (length prefix, header, auth,
// body) to dst. h.BodyLength is ignored and set from len(body); only
// ProtocolVersion may be encoded.
func AppendFrame(dst []byte, h Header, auth Auth, body []byte) ([]byte, error) {
	if h.Version != ProtocolVersion {
		return dst, &VersionError{Version: h.Version}
	}
	if h.Forward.Count == 0 && (h.Forward != Forward{}) {
		return dst, fmt.Errorf("%w: forward fields set with count 0", ErrInvalidValue)
	}
	if s, _ := auth.Credential.Get(); len(s) >= MaxCredentialLen {
		return dst, fmt.Errorf("%w: credential of %d bytes", ErrInvalidValue, len(s))
	}
	start := len(dst)
	w := &writer{buf: append(dst, 0, 0, 0, 0)}
	w.path = []string{"Header"}
	w.u16(h.Version)
	w.u16(h.Flags)
	w.u16(uint16(h.MsgType))
	w.u32(uint32(len(body)))
	w.u16(h.Forward.Count)
	if h.Forward.Count > 0 {
		w.str(h.Forward.NodeList)
		w.u32(h.Forward.TimeoutMS)
		w.u16(h.Forward.TreeWidth)
	}
	w.u16(0) // ret_cnt
	w.addr(h.OrigAddr)
	w.path = []string{"Auth"}
	w.u32(auth.PluginID)
	w.str(auth.Credential)
	w.buf = append(w.buf, body...)
	if w.err != nil {
		return dst, w.err
	}
	n := len(w.buf) - start - 4
	if n > MaxMessageSize {
		return dst, fmt.Errorf("%w: message of %d bytes > %d", ErrInvalidValue, n, MaxMessageSize)
	}
	binary.BigEndian.PutUint32(w.buf[start:], uint32(n))
	return w.buf, nil
}

// ReplyHeader returns the header for answering req with msgType: same
// version, flags and orig_addr, no forwarding (what _resp_msg_setup does).
func ReplyHeader(req Header, msgType MsgType) Header {
	return Header{Version: req.Version, Flags: req.Flags, MsgType: msgType, OrigAddr: req.OrigAddr}
}
