package slurmproto

import (
	"reflect"
	"sync"
)

// The body codecs are driven by the Go struct definitions: fields are
// packed in declaration order, and a field's Go type picks its wire
// encoding. Keeping one declaration for both directions is what makes the
// encoder and decoder agree by construction. The mapping:
//
//	uint8 uint16 uint32 uint64  u8 u16 u32 u64 (big-endian)
//	bool                        u8 0/1
//	Time                        time (i64 seconds)
//	float64                     dbl (IEEE bits of value*1e6)
//	Str                         str (u32 len incl. NUL, 0 = NULL)
//	[]byte                      mem (u32 len + bytes)
//	[]string                    strarr (u32 N + N str)
//	[]uint16 []uint32 []uint64  u16arr u32arr u64arr (u32 N + N values; N=0 decodes as nil)
//	Bitmap, Addr                bits, addr
//	struct                      its fields, inline
//	[]struct                    list: u32 N, NO_VAL = nil slice; tag wire:"count16"
//	                            or wire:"count32" for a plain u16/u32 count
//	*struct                     optional block; tag wire:"opt8" (u8 0/1),
//	                            wire:"opt8ff" (u8 0/0xff), wire:"opt16" (u16 0/1)
//	                            or wire:"opt32" (u32 0/1)
//	custom                      any type implementing wireCodec
//
// A field tagged wire:"-" is not packed.

// wireCodec is implemented by types whose layout depends on their own
// values (for example a count that doubles as a NULL marker).
type wireCodec interface {
	encodeWire(w *writer)
	decodeWire(r *reader) // called on a pointer to the zero value
	minWireSize() int     // smallest encoding, for count sanity checks
}

var wireCodecType = reflect.TypeFor[wireCodec]()

var (
	typeStr    = reflect.TypeFor[Str]()
	typeTime   = reflect.TypeFor[Time]()
	typeBitmap = reflect.TypeFor[Bitmap]()
	typeAddr   = reflect.TypeFor[Addr]()
)

// encodeValue packs v (any struct) with the reflection rules above.
func encodeValue(w *writer, v reflect.Value, tag string) {
	t := v.Type()
	if reflect.PointerTo(t).Implements(wireCodecType) {
		if !v.CanAddr() { // custom codecs have pointer receivers
			p := reflect.New(t)
			p.Elem().Set(v)
			v = p.Elem()
		}
		v.Addr().Interface().(wireCodec).encodeWire(w)
		return
	}
	switch t {
	case typeStr:
		w.str(v.Interface().(Str))
		return
	case typeTime:
		w.time(Time(v.Int()))
		return
	case typeBitmap:
		w.bitmap(v.Interface().(Bitmap))
		return
	case typeAddr:
		w.addr(v.Interface().(Addr))
		return
	}
	switch t.Kind() {
	case reflect.Uint8:
		w.u8(uint8(v.Uint()))
	case reflect.Uint16:
		w.u16(uint16(v.Uint()))
	case reflect.Uint32:
		w.u32(uint32(v.Uint()))
	case reflect.Uint64:
		w.u64(v.Uint())
	case reflect.Bool:
		w.boolean(v.Bool())
	case reflect.Float64:
		w.double(v.Float())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			ftag := f.Tag.Get("wire")
			if ftag == "-" {
				continue
			}
			w.path = append(w.path, f.Name)
			encodeValue(w, v.Field(i), ftag)
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Pointer:
		encodeOptional(w, v, tag)
	case reflect.Slice:
		encodeSlice(w, v, tag)
	default:
		panic("slurmproto: no wire encoding for " + t.String())
	}
}

func encodeOptional(w *writer, v reflect.Value, tag string) {
	present := !v.IsNil()
	switch tag {
	case "opt8":
		w.boolean(present)
	case "opt8ff":
		if present {
			w.u8(0xff)
		} else {
			w.u8(0)
		}
	case "opt16":
		if present {
			w.u16(1)
		} else {
			w.u16(0)
		}
	case "opt32":
		if present {
			w.u32(1)
		} else {
			w.u32(0)
		}
	default:
		panic("slurmproto: pointer field without opt tag: " + v.Type().String())
	}
	if present {
		encodeValue(w, v.Elem(), "")
	}
}

func encodeSlice(w *writer, v reflect.Value, tag string) {
	switch v.Type().Elem().Kind() {
	case reflect.Uint8:
		w.mem(v.Bytes())
		return
	case reflect.String:
		w.count(v.Len())
		for i := 0; i < v.Len(); i++ {
			w.str(S(v.Index(i).String()))
		}
		return
	case reflect.Uint16, reflect.Uint32, reflect.Uint64:
		w.count(v.Len())
		for i := 0; i < v.Len(); i++ {
			encodeValue(w, v.Index(i), "")
		}
		return
	}
	switch tag {
	case "count16":
		if v.Len() > 0xffff {
			w.fail("%d elements do not fit a u16 count", v.Len())
		}
		w.u16(uint16(v.Len()))
	case "count32":
		w.count(v.Len())
	default: // NO_VAL-able list
		if v.IsNil() {
			w.u32(NoVal)
			return
		}
		w.count(v.Len())
	}
	for i := 0; i < v.Len(); i++ {
		encodeValue(w, v.Index(i), "")
	}
}

// decodeValue fills v (addressable) from r.
func decodeValue(r *reader, v reflect.Value, tag string) {
	if r.err != nil {
		return
	}
	t := v.Type()
	if reflect.PointerTo(t).Implements(wireCodecType) {
		v.Addr().Interface().(wireCodec).decodeWire(r)
		return
	}
	switch t {
	case typeStr:
		v.Set(reflect.ValueOf(r.str()))
		return
	case typeTime:
		v.SetInt(int64(r.time()))
		return
	case typeBitmap:
		v.Set(reflect.ValueOf(r.bitmap()))
		return
	case typeAddr:
		v.Set(reflect.ValueOf(r.addr()))
		return
	}
	switch t.Kind() {
	case reflect.Uint8:
		v.SetUint(uint64(r.u8()))
	case reflect.Uint16:
		v.SetUint(uint64(r.u16()))
	case reflect.Uint32:
		v.SetUint(uint64(r.u32()))
	case reflect.Uint64:
		v.SetUint(r.u64())
	case reflect.Bool:
		v.SetBool(r.boolean())
	case reflect.Float64:
		v.SetFloat(r.double())
	case reflect.Struct:
		for i := 0; i < t.NumField() && r.err == nil; i++ {
			f := t.Field(i)
			ftag := f.Tag.Get("wire")
			if ftag == "-" {
				continue
			}
			r.path = append(r.path, f.Name)
			decodeValue(r, v.Field(i), ftag)
			r.path = r.path[:len(r.path)-1]
		}
	case reflect.Pointer:
		decodeOptional(r, v, tag)
	case reflect.Slice:
		decodeSlice(r, v, tag)
	default:
		panic("slurmproto: no wire decoding for " + t.String())
	}
}

func decodeOptional(r *reader, v reflect.Value, tag string) {
	var present bool
	switch tag {
	case "opt8":
		present = r.boolean()
	case "opt8ff":
		switch b := r.u8(); b {
		case 0:
		case 0xff:
			present = true
		default:
			r.fail(ErrMalformed, "presence byte 0x%02x", b)
		}
	case "opt16":
		switch n := r.u16(); n {
		case 0:
		case 1:
			present = true
		default:
			r.fail(ErrMalformed, "presence flag %d", n)
		}
	case "opt32":
		switch n := r.u32(); n {
		case 0:
		case 1:
			present = true
		default:
			r.fail(ErrMalformed, "presence flag %d", n)
		}
	default:
		panic("slurmproto: pointer field without opt tag: " + v.Type().String())
	}
	if present && r.err == nil {
		p := reflect.New(v.Type().Elem())
		decodeValue(r, p.Elem(), "")
		v.Set(p)
	}
}

func decodeSlice(r *reader, v reflect.Value, tag string) {
	et := v.Type().Elem()
	switch et.Kind() {
	case reflect.Uint8:
		v.SetBytes(r.mem())
		return
	case reflect.String:
		n := r.count(4)
		if n == 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n && r.err == nil; i++ {
			s.Index(i).SetString(r.str().String())
		}
		v.Set(s)
		return
	case reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := r.count(int(et.Size()))
		if n == 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			decodeValue(r, s.Index(i), "")
		}
		v.Set(s)
		return
	}
	var n int
	min := minWireSize(et)
	switch tag {
	case "count16":
		n = r.checkCount(uint32(r.u16()), min)
	case "count32":
		n = r.count(min)
	default:
		raw := r.u32()
		if raw == NoVal {
			return
		}
		n = r.checkCount(raw, min)
		if r.err == nil && n == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
	}
	if r.err != nil || n == 0 {
		return
	}
	s := reflect.MakeSlice(v.Type(), n, n)
	for i := 0; i < n && r.err == nil; i++ {
		decodeValue(r, s.Index(i), "")
	}
	v.Set(s)
}

var minSizeCache sync.Map // reflect.Type -> int

// minWireSize is the fewest bytes any value of t can take on the wire.
func minWireSize(t reflect.Type) int {
	if n, ok := minSizeCache.Load(t); ok {
		return n.(int)
	}
	n := computeMinWireSize(t)
	minSizeCache.Store(t, n)
	return n
}

func computeMinWireSize(t reflect.Type) int {
	if reflect.PointerTo(t).Implements(wireCodecType) {
		return reflect.New(t).Interface().(wireCodec).minWireSize()
	}
	switch t {
	case typeStr, typeBitmap:
		return 4
	case typeTime:
		return 8
	case typeAddr:
		return 2
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Bool:
		return 1
	case reflect.Uint16:
		return 2
	case reflect.Uint32:
		return 4
	case reflect.Uint64, reflect.Float64:
		return 8
	case reflect.Slice:
		return 2 // u16 count at the least (count16); u32 otherwise
	case reflect.Pointer:
		return 1
	case reflect.Struct:
		sum := 0
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).Tag.Get("wire") != "-" {
				sum += minWireSize(t.Field(i).Type)
			}
		}
		return sum
	}
	return 0
}
