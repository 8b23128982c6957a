package slurmproto

import (
	"fmt"
	"net/netip"
	"strings"
)

// Str is a Slurm packstr value. Slurm distinguishes NULL (the zero value
// here, wire length 0) from "" (wire length 1, a lone NUL); clients print the
// two differently, so the codec keeps the distinction.
type Str struct {
	v     string
	valid bool
}

// S returns a non-NULL Str holding v.
func S(v string) Str { return Str{v: v, valid: true} }

// Get returns the value and whether it is non-NULL.
func (s Str) Get() (string, bool) { return s.v, s.valid }

// IsNull reports whether s is NULL.
func (s Str) IsNull() bool { return !s.valid }

// String returns the value, "" for NULL.
func (s Str) String() string { return s.v }

// Equal lets go-cmp compare Str values.
func (s Str) Equal(o Str) bool { return s.valid == o.valid && s.v == o.v }

// GoString shows NULL explicitly in test failures.
func (s Str) GoString() string {
	if !s.valid {
		return "NULL"
	}
	return fmt.Sprintf("%q", s.v)
}

// Time is a Slurm time_t: seconds since the Unix epoch, 0 meaning "unset".
type Time int64

// Bitmap is a Slurm bitstring as packed by pack_bit_str_hex: NULL (the zero
// value, wire u32 NO_VAL) or a bit count plus a hexadecimal mask text. The
// text is kept exactly as received so re-encoding is byte-identical.
type Bitmap struct {
	valid bool
	nbits uint32
	mask  Str
}

// NewBitmap builds a bitmap of nbits bits with the given bits set, in the
// canonical text Slurm produces ("0x" + ceil(nbits/4) upper-case digits).
// It fails if a bit is out of range or nbits is NoVal.
func NewBitmap(nbits uint32, set ...uint32) (Bitmap, error) {
	if nbits == NoVal || nbits > MaxStringLen*4 {
		return Bitmap{}, fmt.Errorf("%w: bitmap of %d bits", ErrInvalidValue, nbits)
	}
	digits := make([]byte, (nbits+3)/4)
	for _, b := range set {
		if b >= nbits {
			return Bitmap{}, fmt.Errorf("%w: bit %d outside a %d-bit bitmap", ErrInvalidValue, b, nbits)
		}
		digits[len(digits)-1-int(b/4)] |= 1 << (b % 4)
	}
	var sb strings.Builder
	sb.WriteString("0x")
	for _, d := range digits {
		sb.WriteByte("0123456789ABCDEF"[d])
	}
	return Bitmap{valid: true, nbits: nbits, mask: S(sb.String())}, nil
}

// BitmapFromText builds a bitmap from a bit count and mask text as found on
// the wire; the text is validated as the decoder does.
func BitmapFromText(nbits uint32, mask Str) (Bitmap, error) {
	b := Bitmap{valid: true, nbits: nbits, mask: mask}
	if err := b.validate(); err != nil {
		return Bitmap{}, fmt.Errorf("%w: %v", ErrInvalidValue, err)
	}
	return b, nil
}

// IsNull reports whether the bitmap is NULL.
func (b Bitmap) IsNull() bool { return !b.valid }

// Len is the number of bits (0 for NULL).
func (b Bitmap) Len() uint32 { return b.nbits }

// Text is the mask text as carried on the wire.
func (b Bitmap) Text() Str { return b.mask }

// Equal lets go-cmp compare bitmaps.
func (b Bitmap) Equal(o Bitmap) bool {
	return b.valid == o.valid && b.nbits == o.nbits && b.mask.Equal(o.mask)
}

// hexDigits returns the mask digits without the optional "0x" prefix.
func (b Bitmap) hexDigits() string {
	return strings.TrimPrefix(b.mask.String(), "0x")
}

// IsSet reports whether bit i is set.
func (b Bitmap) IsSet(i uint32) bool {
	d := b.hexDigits()
	if !b.valid || i >= b.nbits || int(i/4) >= len(d) {
		return false
	}
	return hexValue(d[len(d)-1-int(i/4)])&(1<<(i%4)) != 0
}

// Indices lists the set bits in increasing order.
func (b Bitmap) Indices() []uint32 {
	var out []uint32
	d := b.hexDigits()
	for k := 0; k < len(d); k++ {
		v := hexValue(d[len(d)-1-k])
		for j := uint32(0); j < 4; j++ {
			if v&(1<<j) != 0 {
				out = append(out, uint32(k)*4+j)
			}
		}
	}
	return out
}

func hexValue(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

// validate applies bit_unfmt_hexmask's rules: hex digits only (after an
// optional "0x") and no set bit at or beyond nbits. A zero-bit bitmap is
// "no bitmap" to Slurm and its text is not parsed.
func (b Bitmap) validate() error {
	if !b.valid || b.nbits == 0 {
		return nil
	}
	if b.nbits == NoVal {
		return fmt.Errorf("bitmap size NO_VAL")
	}
	d := b.hexDigits()
	if b.mask.IsNull() {
		return fmt.Errorf("bitmap of %d bits without mask text", b.nbits)
	}
	for k := 0; k < len(d); k++ {
		v := hexValue(d[len(d)-1-k])
		if v == 0xff {
			return fmt.Errorf("bitmap text %q is not hexadecimal", b.mask.String())
		}
		for j := uint64(0); j < 4; j++ {
			if v&(1<<j) != 0 && uint64(k)*4+j >= uint64(b.nbits) {
				return fmt.Errorf("bitmap text %q sets a bit beyond %d", b.mask.String(), b.nbits)
			}
		}
	}
	return nil
}

// Address families as Slurm packs them.
const (
	AFUnspec uint16 = 0
	AFInet   uint16 = 2
	AFInet6  uint16 = 10
)

// Addr is a slurm_addr_t as packed by slurm_pack_addr. IPv4 and Port are in
// natural order (IPv4 {127,0,0,1}); the codec applies the byte reversal that
// x86 Slurm puts on the wire. For families other than AFInet and AFInet6
// only the family is carried and the other fields must be zero.
type Addr struct {
	Family uint16
	IPv4   [4]byte
	IPv6   [16]byte
	Port   uint16
}

// AddrFromAddrPort converts a netip.AddrPort (v4 or v6).
func AddrFromAddrPort(ap netip.AddrPort) Addr {
	a := ap.Addr()
	if a.Is4() || a.Is4In6() {
		return Addr{Family: AFInet, IPv4: a.Unmap().As4(), Port: ap.Port()}
	}
	return Addr{Family: AFInet6, IPv6: a.As16(), Port: ap.Port()}
}

// AddrPort returns the address as a netip.AddrPort; ok is false for
// families other than AFInet and AFInet6.
func (a Addr) AddrPort() (netip.AddrPort, bool) {
	switch a.Family {
	case AFInet:
		return netip.AddrPortFrom(netip.AddrFrom4(a.IPv4), a.Port), true
	case AFInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.IPv6), a.Port), true
	}
	return netip.AddrPort{}, false
}

func (w *writer) addr(a Addr) {
	w.u16(a.Family)
	switch a.Family {
	case AFInet:
		w.buf = append(w.buf, a.IPv4[3], a.IPv4[2], a.IPv4[1], a.IPv4[0])
		w.buf = append(w.buf, byte(a.Port), byte(a.Port>>8))
		if a.IPv6 != ([16]byte{}) {
			w.fail("AF_INET address with IPv6 bytes set")
		}
	case AFInet6:
		w.mem(a.IPv6[:])
		w.buf = append(w.buf, byte(a.Port), byte(a.Port>>8))
		if a.IPv4 != ([4]byte{}) {
			w.fail("AF_INET6 address with IPv4 bytes set")
		}
	default:
		if a.IPv4 != ([4]byte{}) || a.IPv6 != ([16]byte{}) || a.Port != 0 {
			w.fail("address family %d carries no address or port", a.Family)
		}
	}
}

func (r *reader) addr() Addr {
	a := Addr{Family: r.u16()}
	switch a.Family {
	case AFInet:
		b := r.take(6)
		if b != nil {
			a.IPv4 = [4]byte{b[3], b[2], b[1], b[0]}
			a.Port = uint16(b[4]) | uint16(b[5])<<8
		}
	case AFInet6:
		if n := r.u32(); n != 16 && r.err == nil {
			r.fail(ErrMalformed, "IPv6 address of %d bytes", n)
		}
		if b := r.take(16); b != nil {
			copy(a.IPv6[:], b)
		}
		if b := r.take(2); b != nil {
			a.Port = uint16(b[0]) | uint16(b[1])<<8
		}
	}
	return a
}

func (w *writer) bitmap(b Bitmap) {
	if !b.valid {
		w.u32(NoVal)
		return
	}
	if err := b.validate(); err != nil {
		w.fail("%v", err)
	}
	w.u32(b.nbits)
	w.str(b.mask)
}

func (r *reader) bitmap() Bitmap {
	n := r.u32()
	if r.err != nil || n == NoVal {
		return Bitmap{}
	}
	b := Bitmap{valid: true, nbits: n, mask: r.str()}
	if r.err != nil {
		return Bitmap{}
	}
	if err := b.validate(); err != nil {
		r.fail(ErrMalformed, "%v", err)
		return Bitmap{}
	}
	return b
}
