package slurmproto

import (
	"bytes"
	"math"
	"reflect"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func sortedTypes() []MsgType {
	types := SupportedTypes()
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	return types
}

// TestRoundTrip checks, for every message type with a body codec, that
// decode(encode(x)) == x and that encoding is deterministic, for values
// drawn by rapid. It also frames the body and decodes the whole message.
func TestRoundTrip(t *testing.T) {
	for _, typ := range sortedTypes() {
		t.Run(typ.String(), func(t *testing.T) {
			bt := bodyTypes[typ]
			rapid.Check(t, func(rt *rapid.T) {
				v := genValue(rt, bt, bt.Name(), "", 0)
				body := v.Addr().Interface()
				enc, err := EncodeBody(typ, body)
				if err != nil {
					rt.Fatalf("encode: %v", err)
				}
				got, err := DecodeBody(typ, enc)
				if err != nil {
					rt.Fatalf("decode: %v\n%x", err, enc)
				}
				if diff := cmp.Diff(body, got); diff != "" {
					rt.Fatalf("round trip mismatch (-sent +decoded):\n%s", diff)
				}
				again, err := EncodeBody(typ, got)
				if err != nil || !bytes.Equal(again, enc) {
					rt.Fatalf("re-encode differs (err %v)", err)
				}
				hdr := Header{Version: ProtocolVersion, MsgType: typ}
				auth := Auth{PluginID: AuthPluginMunge, Credential: S("MUNGE:test:")}
				frame, err := EncodeMessage(&Message{Header: hdr, Auth: auth, Body: body})
				if err != nil {
					rt.Fatalf("frame: %v", err)
				}
				m, err := DecodeMessage(frame[4:])
				if err != nil {
					rt.Fatalf("decode message: %v", err)
				}
				hdr.BodyLength = uint32(len(enc))
				if diff := cmp.Diff(hdr, m.Header); diff != "" {
					rt.Fatalf("header mismatch:\n%s", diff)
				}
				if !bytes.Equal(m.RawBody, enc) || !reflect.DeepEqual(m.Auth, auth) {
					rt.Fatalf("message body or auth differs")
				}
			})
		})
	}
}

// TestHeaderRoundTrip covers forwarding and the address families.
func TestHeaderRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := Header{
			Version:  ProtocolVersion,
			Flags:    rapid.Uint16().Draw(rt, "flags"),
			MsgType:  MsgType(rapid.Uint16().Draw(rt, "type")),
			OrigAddr: genValue(rt, typeAddr, "addr", "", 0).Interface().(Addr),
		}
		if rapid.Bool().Draw(rt, "fwd") {
			h.Forward = Forward{
				Count:     rapid.Uint16Range(1, 0xffff).Draw(rt, "cnt"),
				NodeList:  genValue(rt, typeStr, "nodes", "", 0).Interface().(Str),
				TimeoutMS: rapid.Uint32().Draw(rt, "timeout"),
				TreeWidth: rapid.Uint16().Draw(rt, "width"),
			}
		}
		auth := Auth{PluginID: rapid.Uint32().Draw(rt, "plugin"), Credential: genValue(rt, typeStr, "cred", "", 0).Interface().(Str)}
		body := rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(rt, "body")
		frame, err := AppendFrame(nil, h, auth, body)
		if err != nil {
			rt.Fatal(err)
		}
		env, err := DecodeEnvelope(frame[4:])
		if err != nil {
			rt.Fatal(err)
		}
		h.BodyLength = uint32(len(body))
		if diff := cmp.Diff(h, env.Header); diff != "" {
			rt.Fatalf("header:\n%s", diff)
		}
		if !auth.Credential.Equal(env.Auth.Credential) || auth.PluginID != env.Auth.PluginID || !bytes.Equal(body, env.Body) {
			rt.Fatalf("auth or body differ")
		}
	})
}

// TestDoubleScaling pins packdouble: the wire holds the IEEE bits of
// value*1e6, and a fraction comes back within an ulp.
func TestDoubleScaling(t *testing.T) {
	w := &writer{}
	w.double(1.5)
	if got := math.Float64frombits(uint64(w.buf[0])<<56 | uint64(w.buf[1])<<48 | uint64(w.buf[2])<<40 |
		uint64(w.buf[3])<<32 | uint64(w.buf[4])<<24 | uint64(w.buf[5])<<16 | uint64(w.buf[6])<<8 | uint64(w.buf[7])); got != 1.5e6 {
		t.Fatalf("wire double = %v, want 1.5e6", got)
	}
	for _, v := range []float64{0.1, 1.0 / 3, 12345.678901, -7.25, 4294967294} {
		w := &writer{}
		w.double(v)
		r := &reader{buf: w.buf}
		if got := r.double(); math.Abs(got-v) > 1e-9*math.Max(1, math.Abs(v)) {
			t.Errorf("double %v came back as %v", v, got)
		}
	}
}

// TestReplyHeader: replies echo version, flags and orig_addr.
func TestReplyHeader(t *testing.T) {
	req := Header{Version: ProtocolVersion, Flags: FlagGlobalAuthKey, MsgType: RequestPing, BodyLength: 9,
		Forward: Forward{Count: 1}, OrigAddr: Addr{Family: AFInet, IPv4: [4]byte{10, 0, 0, 1}, Port: 6817}}
	got := ReplyHeader(req, ResponseSlurmRC)
	want := Header{Version: ProtocolVersion, Flags: FlagGlobalAuthKey, MsgType: ResponseSlurmRC, OrigAddr: req.OrigAddr}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

// TestIORoundTrip covers the task I/O stream codecs.
func TestIORoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := IOInitMsg{
			Version:    ProtocolVersion,
			NodeID:     rapid.Uint32().Draw(rt, "node"),
			StdoutObjs: rapid.Uint32().Draw(rt, "out"),
			StderrObjs: rapid.Uint32().Draw(rt, "err"),
			IOKey:      rapid.SliceOfN(rapid.Byte(), 1, 600).Draw(rt, "key"),
		}
		b, err := AppendIOInit(nil, m)
		if err != nil {
			rt.Fatal(err)
		}
		frame, rest, err := SplitFrame(b)
		if err != nil || len(rest) != 0 {
			rt.Fatalf("split: %v", err)
		}
		got, err := DecodeIOInit(frame)
		if err != nil {
			rt.Fatal(err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			rt.Fatal(diff)
		}
		h := IOHeader{
			Type:    rapid.Uint16Range(0, IOConnectionTest).Draw(rt, "type"),
			GTaskID: rapid.Uint16().Draw(rt, "g"),
			LTaskID: rapid.Uint16().Draw(rt, "l"),
			Length:  rapid.Uint32Range(0, MaxIOFrameLen).Draw(rt, "len"),
		}
		hb := AppendIOHeader(nil, h)
		if len(hb) != IOHeaderSize {
			rt.Fatalf("header of %d bytes", len(hb))
		}
		if got, err := DecodeIOHeader(hb); err != nil || got != h {
			rt.Fatalf("header %+v -> %+v, %v", h, got, err)
		}
	})
}
