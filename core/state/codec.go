package state

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The replicated log and snapshots use one small binary encoding: unsigned
// varints, zig-zag signed varints and length-prefixed strings. It is written by
// hand rather than with protobuf so that every byte is deterministic and every
// length is bounded before anything is allocated.

// Limits on decoded sizes. They protect replicas from a corrupt or hostile
// entry: nothing longer than these is ever allocated.
const (
	MaxStringLen  = 1 << 20 // a batch script may be up to 1 MiB
	MaxListLen    = 1 << 20
	MaxCommandLen = 4 << 20
)

// ErrCorrupt is returned (wrapped) when bytes cannot be decoded.
var ErrCorrupt = errors.New("corrupt encoding")

type writer struct{ buf []byte }

func (w *writer) u8(v uint8)       { w.buf = append(w.buf, v) }
func (w *writer) uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }
func (w *writer) varint(v int64)   { w.buf = binary.AppendVarint(w.buf, v) }
func (w *writer) bool(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}
func (w *writer) str(s string) {
	w.uvarint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}
func (w *writer) strs(ss []string) {
	w.uvarint(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}
func (w *writer) ints(vs []int) {
	w.uvarint(uint64(len(vs)))
	for _, v := range vs {
		w.varint(int64(v))
	}
}

// reader decodes what writer wrote. The first error sticks; later reads
// return zero values, so decoders can read a whole record and check err once.
type reader struct {
	buf []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
}

func (r *reader) u8() uint8 {
	if r.err != nil {
		return 0
	}
	if len(r.buf) < 1 {
		r.fail("truncated")
		return 0
	}
	v := r.buf[0]
	r.buf = r.buf[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf)
	if n <= 0 || n != uvarintLen(v) {
		r.fail("bad uvarint")
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.buf)
	if n <= 0 || n != uvarintLen(uint64(v<<1)^uint64(v>>63)) {
		r.fail("bad varint")
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *reader) bool() bool {
	switch r.u8() {
	case 0:
		return false
	case 1:
		return true
	default:
		r.fail("bad bool")
		return false
	}
}

// length reads a count and checks it against limit and the bytes left, so a
// corrupt count never causes a large allocation.
func (r *reader) length(limit int, minElemSize int) int {
	n := r.uvarint()
	if r.err != nil {
		return 0
	}
	if n > uint64(limit) || n*uint64(minElemSize) > uint64(len(r.buf)) {
		r.fail("length %d out of range", n)
		return 0
	}
	return int(n)
}

func (r *reader) str() string {
	n := r.length(MaxStringLen, 1)
	if r.err != nil {
		return ""
	}
	s := string(r.buf[:n])
	r.buf = r.buf[n:]
	return s
}

func (r *reader) strs() []string {
	n := r.length(MaxListLen, 1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *reader) ints() []int {
	n := r.length(MaxListLen, 1)
	if n == 0 {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = int(r.varint())
	}
	return out
}

func (r *reader) u32() uint32 {
	v := r.uvarint()
	if v > 1<<32-1 {
		r.fail("u32 overflow")
		return 0
	}
	return uint32(v)
}

func (r *reader) int() int {
	v := r.varint()
	if v > 1<<31-1 || v < -(1<<31) {
		r.fail("int overflow")
		return 0
	}
	return int(v)
}

// done reports an error if bytes are left over: every byte must be accounted for.
func (r *reader) done() error {
	if r.err == nil && len(r.buf) != 0 {
		r.fail("%d trailing bytes", len(r.buf))
	}
	return r.err
}

// uvarintLen is the length of the minimal encoding of v. Decoders reject
// longer encodings so that every value has exactly one byte form and a
// decoded command re-encodes to the bytes it came from.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
