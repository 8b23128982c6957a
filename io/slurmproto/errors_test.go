package slurmproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// pingFrame is a minimal valid REQUEST_PING frame (without length prefix).
func pingFrame(t *testing.T) []byte {
	t.Helper()
	f, err := EncodeMessage(&Message{
		Header: Header{Version: ProtocolVersion, MsgType: RequestPing},
		Auth:   Auth{PluginID: AuthPluginMunge, Credential: S("MUNGE:x:")},
		Body:   &Empty{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f[4:]
}

func jobInfoRequestFrame(t *testing.T, body []byte) []byte {
	t.Helper()
	f, err := AppendFrame(nil, Header{Version: ProtocolVersion, MsgType: RequestJobInfo},
		Auth{PluginID: AuthPluginMunge, Credential: S("MUNGE:x:")}, body)
	if err != nil {
		t.Fatal(err)
	}
	return f[4:]
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// TestBadInputErrors: every kind of bad input yields the documented
// sentinel, never a panic.
func TestBadInputErrors(t *testing.T) {
	ping := pingFrame(t)
	withVersion := func(v uint16) []byte {
		b := bytes.Clone(ping)
		binary.BigEndian.PutUint16(b, v)
		return b
	}
	withBodyLen := func(n uint32) []byte {
		b := bytes.Clone(ping)
		binary.BigEndian.PutUint32(b[6:], n)
		return b
	}
	jobReq := func(body ...[]byte) []byte { return jobInfoRequestFrame(t, bytes.Join(body, nil)) }
	hugeCredLen := append(bytes.Clone(ping[:16]), append(be32(AuthPluginMunge), be32(1<<20)...)...)

	cases := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"empty", nil, ErrTruncated},
		{"one byte", []byte{0x26}, ErrTruncated},
		{"header cut", ping[:10], ErrTruncated},
		{"auth cut", ping[:20], ErrTruncated},
		{"version 21.08", withVersion(0x2500), ErrUnsupportedVersion},
		{"version 23.02", withVersion(0x2700), ErrUnsupportedVersion},
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrUnsupportedVersion},
		{"body_length beyond frame", withBodyLen(5), ErrTruncated},
		{"bytes after body", append(bytes.Clone(ping), 1, 2), ErrTrailingBytes},
		{"credential too long", hugeCredLen, ErrTooLarge},
		{"unknown type", func() []byte { b := bytes.Clone(ping); binary.BigEndian.PutUint16(b[4:], 65000); return b }(), ErrUnknownMessageType},
		{"body truncated", jobReq(make([]byte, 8), []byte{0, 0x10}, be32(3), be32(1)), ErrTruncated},
		{"job id count huge", jobReq(make([]byte, 8), []byte{0, 0x10}, be32(0x7fffffff)), ErrTooLarge},
		{"job id count beyond bytes", jobReq(make([]byte, 8), []byte{0, 0x10}, be32(1000), be32(1)), ErrTruncated},
		{"body trailing", jobReq(make([]byte, 8), []byte{0, 0x10}, be32(NoVal), []byte{9}), ErrTrailingBytes},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeMessage(c.frame)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// TestBadBodyErrors checks body-level validation.
func TestBadBodyErrors(t *testing.T) {
	str := func(s string) []byte { return append(be32(uint32(len(s))), s...) }
	cases := []struct {
		name string
		typ  MsgType
		body []byte
		want error
	}{
		{"rc truncated", ResponseSlurmRC, []byte{0, 0}, ErrTruncated},
		{"string without NUL", ResponseSlurmRCMsg, append(be32(0), str("abc")...), ErrMalformed},
		{"string too long", ResponseSlurmRCMsg, append(be32(0), be32(MaxStringLen+1)...), ErrTooLarge},
		{"string beyond input", ResponseSlurmRCMsg, append(be32(0), be32(100)...), ErrTruncated},
		{"fed info federated", ResponseFedInfo, []byte{1}, ErrUnsupported},
		{"bad presence byte", ResponseStatsInfo, be32(7), ErrMalformed},
		{"bitmap not hex", RequestSubmitBatchJob, nil, ErrMalformed}, // filled below
		{"string array count huge", ResponseResourceAllocation, append(bytes.Repeat(be32(0), 3), be32(MaxArrayLen+1)...), ErrTooLarge},
	}
	// A JobDesc whose cron entry carries a non-hex bitmap.
	jd, err := EncodeBody(RequestSubmitBatchJob, &JobDesc{})
	if err != nil {
		t.Fatal(err)
	}
	bad := append(jd[:len(jd)-1], 1)      // cron entry present
	bad = append(bad, be32(0)...)         // flags
	bad = append(bad, be32(8)...)         // minute: 8 bits
	bad = append(bad, str("0xZZ\x00")...) // not hex
	cases[6].body = bad
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeBody(c.typ, c.body)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%v is not a *DecodeError", err)
			}
		})
	}
}

// TestEncodeRejects: values the wire cannot carry are refused.
func TestEncodeRejects(t *testing.T) {
	cases := []struct {
		name string
		typ  MsgType
		body Body
	}{
		{"wrong body type", RequestPing, &ReturnCode{}},
		{"nil body", ResponseSlurmRC, (*ReturnCode)(nil)},
		{"node addrs vs count", ResponseResourceAllocation, &AllocationResponse{NodeCnt: 2, NodeAddrs: []Addr{{}}}},
		{"job resources counts", ResponseJobInfo, &JobInfoResponse{Jobs: []JobInfo{{JobResrcs: JobResources{Detail: &JobResourcesDetail{NHosts: 3}}}}}},
		{"addr family 0 with port", ResponseResourceAllocation, &AllocationResponse{NodeCnt: 1, NodeAddrs: []Addr{{Port: 1}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := EncodeBody(c.typ, c.body); !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("got %v, want ErrInvalidValue", err)
			}
		})
	}
	if _, err := AppendFrame(nil, Header{Version: 0x2500}, Auth{}, nil); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("encoding version 0x2500: %v", err)
	}
	if _, err := EncodeBody(65000, &Empty{}); !errors.Is(err, ErrUnknownMessageType) {
		t.Fatalf("unknown type: %v", err)
	}
}

// TestReadFrame covers the stream reader's limits.
func TestReadFrame(t *testing.T) {
	ping := pingFrame(t)
	full := append(be32(uint32(len(ping))), ping...)
	got, err := ReadFrame(bytes.NewReader(full), 0)
	if err != nil || !bytes.Equal(got, ping) {
		t.Fatalf("ReadFrame: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader(full), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader(full[:len(full)-1]), 0); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short: %v", err)
	}
	// A 1 GiB announcement with 3 bytes behind it must fail without
	// allocating the announced size.
	if _, err := ReadFrame(bytes.NewReader(append(be32(MaxMessageSize), 1, 2, 3)), 0); !errors.Is(err, ErrTruncated) {
		t.Fatalf("huge announced: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader(be32(MaxMessageSize+1)), 0); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over 1 GiB: %v", err)
	}
	if _, _, err := SplitFrame(be32(MaxMessageSize + 1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("SplitFrame over 1 GiB: %v", err)
	}
	var ve *VersionError
	if _, err := DecodeEnvelope([]byte{0x25, 0, 0, 0}); !errors.As(err, &ve) || ve.Version != 0x2500 || !strings.Contains(err.Error(), "0x2500") {
		t.Fatalf("VersionError: %v", err)
	}
}

// TestIOErrors: the I/O stream decoders refuse bad input with sentinels.
func TestIOErrors(t *testing.T) {
	good, err := AppendIOInit(nil, IOInitMsg{Version: ProtocolVersion, IOKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"init truncated", func() error { _, err := DecodeIOInit(good[4 : len(good)-1]); return err }(), ErrTruncated},
		{"init old version", func() error { _, err := DecodeIOInit([]byte{0xb0, 0x01, 0, 0}); return err }(), ErrUnsupportedVersion},
		{"init trailing", func() error { _, err := DecodeIOInit(append(bytes.Clone(good[4:]), 0)); return err }(), ErrTrailingBytes},
		{"init key too long", func() error {
			_, err := DecodeIOInit(append(bytes.Clone(good[4:18]), be32(MaxCredentialLen+1)...))
			return err
		}(), ErrTooLarge},
		{"header short", func() error { _, err := DecodeIOHeader(make([]byte, 9)); return err }(), ErrTruncated},
		{"header type", func() error { _, err := DecodeIOHeader([]byte{0, 9, 0, 0, 0, 0, 0, 0, 0, 0}); return err }(), ErrMalformed},
		{"header length", func() error { _, err := DecodeIOHeader([]byte{0, 1, 0, 0, 0, 0, 0xff, 0, 0, 0}); return err }(), ErrTooLarge},
		{"encode old version", func() error { _, err := AppendIOInit(nil, IOInitMsg{Version: 0xb001}); return err }(), ErrUnsupportedVersion},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}
}
