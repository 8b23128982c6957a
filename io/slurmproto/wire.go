package slurmproto

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Sentinels of the Slurm API (slurm.h), used on the wire as "unset" and
// "unlimited".
const (
	Infinite8   uint8  = 0xff
	NoVal8      uint8  = 0xfe
	Infinite16  uint16 = 0xffff
	NoVal16     uint16 = 0xfffe
	Infinite    uint32 = 0xffffffff
	NoVal       uint32 = 0xfffffffe
	Infinite64  uint64 = 0xffffffffffffffff
	NoVal64     uint64 = 0xfffffffffffffffe
	NiceOffset  uint32 = 0x80000000
	BatchScript uint32 = 0xfffffffb // SLURM_BATCH_SCRIPT step id
)

// Limits. MaxMessageSize is Slurm's own (MAX_MSG_SIZE); the others are ours.
// Independently of them, a count is never trusted further than the bytes
// that are actually left: N elements of at least k bytes each must fit in
// the remaining input before anything is allocated, so a hostile count can
// only cost the memory the peer already sent.
const (
	MaxMessageSize = 1 << 30 // bytes after the 4-byte length prefix
	MaxStringLen   = 1 << 28 // one str or mem field
	MaxArrayLen    = 1 << 24 // elements of one array, string array or list
)

// reader decodes primitives from a byte slice. The first error sticks: later
// reads return zero values, so codecs can read a whole struct and check once.
type reader struct {
	buf  []byte
	off  int
	err  error
	path []string // Go field path, kept for error messages
}

func (r *reader) fail(sentinel error, format string, args ...any) {
	if r.err != nil {
		return
	}
	err := sentinel
	if format != "" {
		err = fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
	}
	r.err = &DecodeError{Offset: r.off, Field: strings.Join(r.path, "."), Err: err}
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

// take returns the next n bytes or fails with ErrTruncated.
func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.remaining() {
		r.fail(ErrTruncated, "need %d bytes, have %d", n, r.remaining())
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u8() uint8 {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u16() uint16 {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (r *reader) u32() uint32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// boolean accepts only 0 and 1 so that a re-encode is byte-identical.
func (r *reader) boolean() bool {
	v := r.u8()
	if v > 1 {
		r.fail(ErrMalformed, "bool byte 0x%02x", v)
	}
	return v == 1
}

func (r *reader) time() Time { return Time(int64(r.u64())) }

// double undoes packdouble: the wire holds the IEEE-754 bits of value*1e6.
func (r *reader) double() float64 {
	return math.Float64frombits(r.u64()) / floatMult
}

const floatMult = 1e6

// count reads a u32 element count and checks it against MaxArrayLen and the
// bytes left, given the smallest wire size of one element.
func (r *reader) count(minElem int) int {
	n := r.u32()
	return r.checkCount(n, minElem)
}

func (r *reader) checkCount(n uint32, minElem int) int {
	if r.err != nil {
		return 0
	}
	if n > MaxArrayLen {
		r.fail(ErrTooLarge, "count %d > %d", n, MaxArrayLen)
		return 0
	}
	if minElem > 0 && int64(n)*int64(minElem) > int64(r.remaining()) {
		r.fail(ErrTruncated, "count %d needs at least %d bytes, have %d", n, int64(n)*int64(minElem), r.remaining())
		return 0
	}
	return int(n)
}

// mem reads a u32 length and that many bytes (a copy). Length 0 gives nil.
func (r *reader) mem() []byte {
	n := r.u32()
	if r.err != nil {
		return nil
	}
	if n > MaxStringLen {
		r.fail(ErrTooLarge, "length %d > %d", n, MaxStringLen)
		return nil
	}
	if n == 0 {
		return nil
	}
	b := r.take(int(n))
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// str reads a packstr value: length including the NUL, 0 meaning NULL.
func (r *reader) str() Str {
	n := r.u32()
	if r.err != nil {
		return Str{}
	}
	if n > MaxStringLen {
		r.fail(ErrTooLarge, "string length %d > %d", n, MaxStringLen)
		return Str{}
	}
	if n == 0 {
		return Str{}
	}
	b := r.take(int(n))
	if b == nil {
		return Str{}
	}
	if b[n-1] != 0 {
		r.fail(ErrMalformed, "string of %d bytes lacks its trailing NUL", n)
		return Str{}
	}
	return S(string(b[:n-1]))
}

// writer appends primitives to a byte slice. Encoding errors (values that
// cannot be represented) stick like the reader's.
type writer struct {
	buf  []byte
	err  error
	path []string
}

func (w *writer) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("%w: %s: %s", ErrInvalidValue, strings.Join(w.path, "."), fmt.Sprintf(format, args...))
	}
}

func (w *writer) u8(v uint8)   { w.buf = append(w.buf, v) }
func (w *writer) u16(v uint16) { w.buf = binary.BigEndian.AppendUint16(w.buf, v) }
func (w *writer) u32(v uint32) { w.buf = binary.BigEndian.AppendUint32(w.buf, v) }
func (w *writer) u64(v uint64) { w.buf = binary.BigEndian.AppendUint64(w.buf, v) }
func (w *writer) time(t Time)  { w.u64(uint64(int64(t))) }

func (w *writer) boolean(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

func (w *writer) double(v float64) { w.u64(math.Float64bits(v * floatMult)) }

func (w *writer) count(n int) {
	if n > MaxArrayLen {
		w.fail("%d elements > %d", n, MaxArrayLen)
	}
	w.u32(uint32(n))
}

func (w *writer) mem(b []byte) {
	if len(b) > MaxStringLen {
		w.fail("%d bytes > %d", len(b), MaxStringLen)
	}
	w.u32(uint32(len(b)))
	w.buf = append(w.buf, b...)
}

func (w *writer) str(s Str) {
	v, ok := s.Get()
	if !ok {
		w.u32(0)
		return
	}
	if len(v)+1 > MaxStringLen {
		w.fail("string of %d bytes > %d", len(v), MaxStringLen)
	}
	w.u32(uint32(len(v) + 1))
	w.buf = append(w.buf, v...)
	w.buf = append(w.buf, 0)
}
