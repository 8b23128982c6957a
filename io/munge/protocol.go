package munge

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// The munged client/server message format (munge 0.5.15,
// src/libcommon/m_msg.c). Every integer is big-endian. A message is an
// 11-byte header followed by a body of pkt_len bytes:
//
//	header   u32 magic 0x00606D4B, u8 version 4, u8 type, u8 retry, u32 pkt_len
//	ENC_REQ  u8 cipher, u8 mac, u8 zip, u8 realm_len, realm, u32 ttl,
//	         u32 auth_uid, u32 auth_gid, u32 data_len, data (the payload)
//	ENC_RSP  u8 error_num, u8 error_len, error_str (with NUL),
//	         u32 data_len, data (the credential text with its NUL)
//	DEC_REQ  u32 data_len, data (the credential text with its NUL)
//	DEC_RSP  u8 error_num, u8 error_len, error_str, u8 cipher, u8 mac,
//	         u8 zip, u8 realm_len, realm, u32 ttl, u8 addr_len, addr,
//	         u32 time0, u32 time1, u32 cred_uid, u32 cred_gid,
//	         u32 auth_uid, u32 auth_gid, u32 data_len, data (the payload)
//
// munged learns the client's uid/gid from the socket (SO_PEERCRED on
// Linux), not from anything in the message.
const (
	msgMagic   uint32 = 0x00606D4B
	msgVersion uint8  = 4
	headerLen         = 11

	msgEncodeRequest  uint8 = 2
	msgEncodeResponse uint8 = 3
	msgDecodeRequest  uint8 = 4
	msgDecodeResponse uint8 = 5
)

// Wire values munged gives special meaning.
const (
	// AnyID in a uid/gid restriction means "anyone may decode"
	// (MUNGE_UID_ANY / MUNGE_GID_ANY, i.e. -1).
	AnyID uint32 = 0xFFFFFFFF
	// ttlMaximum asks for munged's maximum TTL (MUNGE_TTL_MAXIMUM, -1).
	ttlMaximum uint32 = 0xFFFFFFFF
	// defaultSelection asks munged for its default cipher, MAC and zip.
	defaultSelection uint8 = 1
)

// Size limits. munged itself refuses requests over 1 MiB
// (MUNGE_MAXIMUM_REQ_LEN).
const (
	// MaxPayloadLen bounds the payload this client encodes. A Slurm
	// message payload is 33 bytes; job credentials a few KiB.
	MaxPayloadLen = 512 << 10
	// MaxCredentialLen bounds a credential text sent for decoding or
	// received from an encode (base64 of MaxPayloadLen plus headers fits).
	MaxCredentialLen = 1<<20 - 64
	// maxReplyLen bounds the body of a reply read from the socket.
	maxReplyLen = 1<<20 + 1024
)

type header struct {
	msgType uint8
	retry   uint8
	bodyLen uint32
}

func appendHeader(dst []byte, h header) []byte {
	dst = binary.BigEndian.AppendUint32(dst, msgMagic)
	dst = append(dst, msgVersion, h.msgType, h.retry)
	return binary.BigEndian.AppendUint32(dst, h.bodyLen)
}

func parseHeader(b []byte) (header, error) {
	if len(b) != headerLen {
		return header{}, fmt.Errorf("%w: header of %d bytes", ErrProtocol, len(b))
	}
	if m := binary.BigEndian.Uint32(b); m != msgMagic {
		return header{}, fmt.Errorf("%w: magic %#08x", ErrProtocol, m)
	}
	if b[4] != msgVersion {
		return header{}, fmt.Errorf("%w: message version %d, want %d", ErrProtocol, b[4], msgVersion)
	}
	return header{msgType: b[5], retry: b[6], bodyLen: binary.BigEndian.Uint32(b[7:])}, nil
}

// encodeRequest is the body of an ENC_REQ with default cipher, MAC and
// compression and no realm (as libmunge sends with a fresh context).
type encodeRequest struct {
	ttl              uint32 // seconds; 0 = daemon default, ttlMaximum = daemon max
	authUID, authGID uint32 // AnyID = unrestricted
	payload          []byte
}

func appendEncodeRequest(dst []byte, r encodeRequest) []byte {
	dst = append(dst, defaultSelection, defaultSelection, defaultSelection, 0) // cipher, mac, zip, realm_len
	dst = binary.BigEndian.AppendUint32(dst, r.ttl)
	dst = binary.BigEndian.AppendUint32(dst, r.authUID)
	dst = binary.BigEndian.AppendUint32(dst, r.authGID)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.payload)))
	return append(dst, r.payload...)
}

// appendDecodeRequest adds the credential with the NUL that libmunge sends.
func appendDecodeRequest(dst []byte, cred string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(cred)+1))
	dst = append(dst, cred...)
	return append(dst, 0)
}

// replyError is the error part common to both replies.
type replyError struct {
	code    Code
	message string
}

type encodeResponse struct {
	replyError
	cred string
}

type decodeResponse struct {
	replyError
	cred Credential
}

// parseEncodeResponse reads an ENC_RSP body. The credential must be a
// NUL-terminated printable string when the reply reports success.
func parseEncodeResponse(b []byte) (encodeResponse, error) {
	r := &reader{buf: b}
	var rsp encodeResponse
	rsp.replyError = r.replyError()
	data := r.bytes(int(r.u32()))
	if err := r.done(); err != nil {
		return rsp, err
	}
	if rsp.code != CodeSuccess {
		return rsp, nil
	}
	n := len(data)
	if n < 2 || data[n-1] != 0 {
		return rsp, fmt.Errorf("%w: credential of %d bytes without its NUL", ErrProtocol, n)
	}
	if n-1 > MaxCredentialLen {
		return rsp, fmt.Errorf("%w: credential of %d bytes > %d", ErrTooLarge, n-1, MaxCredentialLen)
	}
	for _, c := range data[:n-1] {
		if c < 0x21 || c > 0x7e {
			return rsp, fmt.Errorf("%w: credential contains byte %#02x", ErrProtocol, c)
		}
	}
	rsp.cred = string(data[:n-1])
	return rsp, nil
}

// parseDecodeResponse reads a DEC_RSP body. munged fills in the
// credential's fields on success and on the expired, rewound and replayed
// errors; on other errors they are zero.
func parseDecodeResponse(b []byte) (decodeResponse, error) {
	r := &reader{buf: b}
	var rsp decodeResponse
	rsp.replyError = r.replyError()
	c := &rsp.cred
	c.Cipher, c.MAC, c.Zip = r.u8(), r.u8(), r.u8()
	c.Realm = cString(r.bytes(int(r.u8())))
	c.TTL = time.Duration(r.u32()) * time.Second
	addr := r.bytes(int(r.u8()))
	time0, time1 := r.u32(), r.u32()
	c.UID, c.GID = r.u32(), r.u32()
	c.AuthUID, c.AuthGID = r.u32(), r.u32()
	payload := r.bytes(int(r.u32()))
	if err := r.done(); err != nil {
		return rsp, err
	}
	switch len(addr) {
	case 0:
	case 4, 16: // in_addr as munged copies it: network order
		c.Origin, _ = netip.AddrFromSlice(addr)
	default:
		return rsp, fmt.Errorf("%w: address of %d bytes", ErrProtocol, len(addr))
	}
	c.Encoded = time.Unix(int64(time0), 0)
	c.Decoded = time.Unix(int64(time1), 0)
	if len(payload) > 0 {
		c.Payload = append([]byte(nil), payload...)
	}
	return rsp, nil
}

// cString drops a string's terminating NUL (munged counts it in lengths).
func cString(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == 0 {
		b = b[:n-1]
	}
	return string(b)
}

// reader decodes big-endian fields; the first short read sticks.
type reader struct {
	buf []byte
	off int
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf)-r.off {
		r.err = fmt.Errorf("%w: field of %d bytes at offset %d, %d left", ErrProtocol, n, r.off, len(r.buf)-r.off)
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u8() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) replyError() replyError {
	code := Code(r.u8())
	return replyError{code: code, message: cString(r.bytes(int(r.u8())))}
}

// done reports a short read or bytes left over (munged's own unpacker
// requires the body to be consumed exactly).
func (r *reader) done() error {
	if r.err != nil {
		return r.err
	}
	if r.off != len(r.buf) {
		return fmt.Errorf("%w: %d trailing bytes", ErrProtocol, len(r.buf)-r.off)
	}
	return nil
}
