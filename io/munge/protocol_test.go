package munge

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/flurm/flurm/io/slurmproto"
)

// decodeResponseBytes builds a DEC_RSP body the way munged packs it.
func decodeResponseBytes(code Code, msg string, uid, gid uint32, payload []byte) []byte {
	var b []byte
	b = append(b, byte(code))
	if msg != "" {
		b = append(b, byte(len(msg)+1))
		b = append(b, msg...)
		b = append(b, 0)
	} else {
		b = append(b, 0)
	}
	b = append(b, 4, 5, 0)                    // cipher aes128, mac sha256, zip none
	b = append(b, 0)                          // realm_len
	b = binary.BigEndian.AppendUint32(b, 300) // ttl
	b = append(b, 4, 127, 0, 0, 1)            // addr_len, addr
	b = binary.BigEndian.AppendUint32(b, 1795317570)
	b = binary.BigEndian.AppendUint32(b, 1795317571)
	b = binary.BigEndian.AppendUint32(b, uid)
	b = binary.BigEndian.AppendUint32(b, gid)
	b = binary.BigEndian.AppendUint32(b, AnyID)
	b = binary.BigEndian.AppendUint32(b, AnyID)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func TestHeaderLayout(t *testing.T) {
	got := appendHeader(nil, header{msgType: msgDecodeRequest, bodyLen: 0x01020304})
	want := []byte{0x00, 0x60, 0x6d, 0x4b, 4, 4, 0, 1, 2, 3, 4}
	if !bytes.Equal(got, want) {
		t.Fatalf("header % x, want % x", got, want)
	}
	h, err := parseHeader(got)
	if err != nil || h.msgType != msgDecodeRequest || h.bodyLen != 0x01020304 || h.retry != 0 {
		t.Fatalf("parseHeader = %+v, %v", h, err)
	}
	bad := bytes.Clone(want)
	bad[3] ^= 1
	if _, err := parseHeader(bad); !errors.Is(err, ErrProtocol) {
		t.Errorf("bad magic: %v", err)
	}
	bad = bytes.Clone(want)
	bad[4] = 3
	if _, err := parseHeader(bad); !errors.Is(err, ErrProtocol) {
		t.Errorf("bad version: %v", err)
	}
}

func TestEncodeRequestLayout(t *testing.T) {
	got := appendEncodeRequest(nil, encodeRequest{ttl: 60, authUID: 1000, authGID: AnyID, payload: []byte{0xaa, 0xbb}})
	want, _ := hex.DecodeString("01010100" + "0000003c" + "000003e8" + "ffffffff" + "00000002" + "aabb")
	if !bytes.Equal(got, want) {
		t.Fatalf("encode request % x, want % x", got, want)
	}
	got = appendDecodeRequest(nil, "MUNGE:x:")
	want = append([]byte{0, 0, 0, 9}, "MUNGE:x:\x00"...)
	if !bytes.Equal(got, want) {
		t.Fatalf("decode request % x, want % x", got, want)
	}
}

func TestParseDecodeResponse(t *testing.T) {
	body := decodeResponseBytes(CodeSuccess, "", 1000, 100, []byte("hi"))
	rsp, err := parseDecodeResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	c := rsp.cred
	if rsp.code != CodeSuccess || c.UID != 1000 || c.GID != 100 || string(c.Payload) != "hi" ||
		c.TTL != 300*time.Second || c.Origin != netip.MustParseAddr("127.0.0.1") ||
		c.Encoded.Unix() != 1795317570 || c.Decoded.Unix() != 1795317571 ||
		c.AuthUID != AnyID || c.Cipher != 4 || c.MAC != 5 {
		t.Fatalf("parsed %+v", c)
	}
	// Every truncation and any trailing byte is a protocol error.
	for n := 0; n < len(body); n++ {
		if _, err := parseDecodeResponse(body[:n]); !errors.Is(err, ErrProtocol) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
	if _, err := parseDecodeResponse(append(bytes.Clone(body), 0)); !errors.Is(err, ErrProtocol) {
		t.Fatalf("trailing byte: %v", err)
	}
	rsp, err = parseDecodeResponse(decodeResponseBytes(CodeCredReplayed, "Replayed credential", 5, 6, nil))
	if err != nil || rsp.code != CodeCredReplayed || rsp.message != "Replayed credential" || rsp.cred.Payload != nil {
		t.Fatalf("error reply: %+v, %v", rsp, err)
	}
}

func TestParseEncodeResponse(t *testing.T) {
	ok := append([]byte{0, 0, 0, 0, 0, 9}, "MUNGE:x:\x00"...)
	rsp, err := parseEncodeResponse(ok)
	if err != nil || rsp.cred != "MUNGE:x:" {
		t.Fatalf("%+v, %v", rsp, err)
	}
	for name, body := range map[string][]byte{
		"no NUL":      append([]byte{0, 0, 0, 0, 0, 8}, "MUNGE:x:"...),
		"control":     append([]byte{0, 0, 0, 0, 0, 9}, "MUNGE\n:x\x00"...),
		"empty":       {0, 0, 0, 0, 0, 0},
		"short":       {0, 0, 0, 0, 0, 9, 'M'},
		"long length": {0, 0, 0xff, 0xff, 0xff, 0xff},
	} {
		if _, err := parseEncodeResponse(body); !errors.Is(err, ErrProtocol) {
			t.Errorf("%s: %v", name, err)
		}
	}
	rsp, err = parseEncodeResponse(append([]byte{byte(CodeBadArg), 4}, "bad\x00\x00\x00\x00\x00"...))
	if err != nil || rsp.code != CodeBadArg || rsp.message != "bad" {
		t.Fatalf("error reply: %+v, %v", rsp, err)
	}
}

func TestDaemonErrorMapping(t *testing.T) {
	cases := map[Code]error{
		CodeCredExpired: ErrExpired, CodeCredRewound: ErrRewound, CodeCredReplayed: ErrReplayed,
		CodeCredUnauthorized: ErrUnauthorized, CodeBadCred: ErrBadCredential, CodeCredInvalid: ErrBadCredential,
		CodeBadVersion: ErrBadCredential, CodeBadRealm: ErrBadCredential, CodeSnafu: ErrDaemon,
		CodeSocket: ErrDaemon, Code(200): ErrDaemon,
	}
	all := []error{ErrExpired, ErrRewound, ErrReplayed, ErrUnauthorized, ErrBadCredential, ErrDaemon}
	for code, want := range cases {
		err := error(&DaemonError{Op: "decode", Code: code})
		for _, s := range all {
			if errors.Is(err, s) != (s == want) {
				t.Errorf("code %d (%v): errors.Is(%v) = %v", code, code, s, errors.Is(err, s))
			}
		}
	}
	e := &DaemonError{Op: "decode", Code: CodeCredExpired, Message: "Expired credential"}
	if e.Error() != "munge decode: Expired credential (munge error 15)" {
		t.Errorf("message %q", e.Error())
	}
}

// The K12 test vectors of shared/docs/slurm-protocol-22.05.md section 3.1,
// computed with Slurm's own code.
func TestPayloadVectors(t *testing.T) {
	for _, v := range []struct {
		msgType slurmproto.MsgType
		body    []byte
		digest  string
	}{
		{1008, nil, "5d5247bbb9ae435b2674a601f4a615de08d36c074c352457612d21db790784f9"},
		{8001, []byte{0, 0, 0, 0}, "e4131db9673e46adbeeb1d46262f892bfca0cfd193730a3b9ab72758a8c48411"},
	} {
		got := Payload(v.msgType, v.body)
		if want := "02" + v.digest; hex.EncodeToString(got) != want {
			t.Errorf("type %d: %x, want %s", v.msgType, got, want)
		}
	}
}

func TestCheckPayloadForms(t *testing.T) {
	body := []byte("body bytes")
	const typ = slurmproto.MsgType(4003)
	good := Payload(typ, body)
	strict, lenient := PayloadPolicy{}, PayloadPolicy{AllowEmpty: true, AllowTypeOnly: true}
	typeOnly := []byte{1, 0x0f, 0xa3} // 4003 big-endian
	swapped := []byte{1, 0xa3, 0x0f}
	for _, c := range []struct {
		name    string
		payload []byte
		typ     slurmproto.MsgType
		body    []byte
		policy  PayloadPolicy
		ok      bool
	}{
		{"digest", good, typ, body, strict, true},
		{"digest lenient", good, typ, body, lenient, true},
		{"other body", good, typ, []byte("body bytez"), strict, false},
		{"body with extra byte", good, typ, append(bytes.Clone(body), 0), strict, false},
		{"other type", good, typ + 1, body, lenient, false},
		{"short digest", good[:32], typ, body, lenient, false},
		{"long digest", append(bytes.Clone(good), 0), typ, body, lenient, false},
		{"sha256 type", append([]byte{3}, good[1:]...), typ, body, lenient, false},
		{"unknown type", append([]byte{9}, good[1:]...), typ, body, lenient, false},
		{"empty strict", nil, typ, body, strict, false},
		{"empty allowed", nil, typ, body, PayloadPolicy{AllowEmpty: true}, true},
		{"type-only strict", typeOnly, typ, body, strict, false},
		{"type-only allowed", typeOnly, typ, body, PayloadPolicy{AllowTypeOnly: true}, true},
		{"type-only other type", typeOnly, typ + 1, body, lenient, false},
		{"type-only swapped", swapped, typ, body, lenient, false},
		{"type-only long", append(bytes.Clone(typeOnly), 0), typ, body, lenient, false},
	} {
		err := CheckPayload(c.payload, c.typ, c.body, c.policy)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrPayloadMismatch) {
			t.Errorf("%s: %v is not ErrPayloadMismatch", c.name, err)
		}
	}
}

// FuzzParseReplies: no input makes the reply parsers panic, and whatever
// parses re-parses from a well-formed re-encoding the same way.
func FuzzParseReplies(f *testing.F) {
	f.Add(decodeResponseBytes(CodeSuccess, "", 1, 2, []byte("x")))
	f.Add(decodeResponseBytes(CodeCredExpired, "Expired credential", 1, 2, nil))
	f.Add(append([]byte{0, 0, 0, 0, 0, 9}, "MUNGE:x:\x00"...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if rsp, err := parseDecodeResponse(b); err == nil && rsp.cred.Origin.IsValid() && !rsp.cred.Origin.Is4() && !rsp.cred.Origin.Is6() {
			t.Fatalf("odd origin %v", rsp.cred.Origin)
		}
		if rsp, err := parseEncodeResponse(b); err == nil && rsp.code == CodeSuccess && rsp.cred == "" {
			t.Fatal("empty credential accepted")
		}
		_, _ = parseHeader(b)
	})
}
