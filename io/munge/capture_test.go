package munge

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/flurm/flurm/io/slurmproto"
)

// The testdata captures are copies of shared/captures: real Slurm 22.05.8
// clients talking to slurmctld on 127.0.0.1:6817, one request and one
// reply per TCP connection. Their MUNGE credentials were made with a key
// that no longer exists, so only the payload format can be checked: each
// .decoded.txt line shows the first 9 payload bytes that Slurm's own code
// put in the credential (read with that key when the capture was made).

type capturedMessage struct {
	file string
	env  *slurmproto.Envelope
}

// loadCapturedMessages returns every Slurm message of the testdata pcaps,
// in the order of the TCP directions' first packets.
func loadCapturedMessages(t testing.TB) []capturedMessage {
	t.Helper()
	files, err := filepath.Glob("testdata/*.pcap")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pcaps in testdata: %v", err)
	}
	sort.Strings(files)
	var out []capturedMessage
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range tcpStreams(t, file, raw) {
			for rest := data; len(rest) > 0; {
				frame, more, err := slurmproto.SplitFrame(rest)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				env, err := slurmproto.DecodeEnvelope(frame)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				out = append(out, capturedMessage{file: filepath.Base(file), env: env})
				rest = more
			}
		}
	}
	return out
}

// CapturedCredentials is for the external tests: the credential texts of
// the captures.
func CapturedCredentials(t testing.TB) []string {
	var creds []string
	for _, m := range loadCapturedMessages(t) {
		creds = append(creds, m.env.Auth.Credential.String())
	}
	return creds
}

// tcpStreams extracts the payload of each TCP direction of an Ethernet
// pcap. The captures are loopback traffic without loss or reordering, so
// segments are appended in file order; any gap or overlap fails the test
// rather than yielding wrong bytes.
func tcpStreams(t testing.TB, file string, raw []byte) [][]byte {
	t.Helper()
	if len(raw) < 24 || binary.LittleEndian.Uint32(raw) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(raw[20:]) != 1 {
		t.Fatalf("%s: not a little-endian Ethernet pcap", file)
	}
	type flow struct {
		next uint32
		data []byte
	}
	type key struct{ src, dst uint16 }
	flows := map[key]*flow{}
	var order []*flow
	for off := 24; off < len(raw); {
		if len(raw)-off < 16 {
			t.Fatalf("%s: truncated record header", file)
		}
		incl := int(binary.LittleEndian.Uint32(raw[off+8:]))
		off += 16
		if incl > len(raw)-off {
			t.Fatalf("%s: truncated record", file)
		}
		pkt := raw[off : off+incl]
		off += incl
		if len(pkt) < 14+20 || binary.BigEndian.Uint16(pkt[12:]) != 0x0800 {
			continue
		}
		ip := pkt[14:]
		if ip[9] != 6 { // TCP
			continue
		}
		ihl := int(ip[0]&0xf) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		tcp := ip[ihl:total]
		k := key{binary.BigEndian.Uint16(tcp[0:]), binary.BigEndian.Uint16(tcp[2:])}
		seq := binary.BigEndian.Uint32(tcp[4:])
		payload := tcp[int(tcp[12]>>4)*4:]
		f := flows[k]
		if tcp[13]&0x02 != 0 { // SYN: a new connection on these ports
			f = &flow{next: seq + 1}
			flows[k] = f
			order = append(order, f)
			continue
		}
		if f == nil {
			t.Fatalf("%s: segment of ports %d->%d before its SYN", file, k.src, k.dst)
		}
		if len(payload) == 0 {
			continue
		}
		if seq != f.next {
			t.Fatalf("%s: ports %d->%d: segment at seq %d, expected %d (reordered capture)", file, k.src, k.dst, seq, f.next)
		}
		f.data = append(f.data, payload...)
		f.next += uint32(len(payload))
	}
	var streams [][]byte
	for _, f := range order {
		if len(f.data) > 0 {
			streams = append(streams, f.data)
		}
	}
	return streams
}

type decodedLine struct {
	msgType       slurmproto.MsgType
	bodyLen       int
	payloadPrefix []byte // hash type byte + first 8 digest bytes
	payloadLen    int
}

var decodedRE = regexp.MustCompile(`type=(\d+) .*body_len=(\d+) .*munge_payload=([0-9a-f]{2})\|([0-9a-f]{16})\.\.\((\d+)B\) hash=MATCH`)

func loadDecodedLines(t testing.TB, file string) []decodedLine {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []decodedLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := decodedRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: unexpected line %q", file, line)
		}
		typ, _ := strconv.Atoi(m[1])
		bodyLen, _ := strconv.Atoi(m[2])
		prefix, err := hex.DecodeString(m[3] + m[4])
		if err != nil {
			t.Fatal(err)
		}
		plen, _ := strconv.Atoi(m[5])
		out = append(out, decodedLine{slurmproto.MsgType(typ), bodyLen, prefix, plen})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPayloadMatchesCapturedSlurm recomputes the payload of every captured
// message from its body and compares it with what real Slurm put in the
// credential.
func TestPayloadMatchesCapturedSlurm(t *testing.T) {
	msgs := loadCapturedMessages(t)
	byFile := map[string][]capturedMessage{}
	for _, m := range msgs {
		byFile[m.file] = append(byFile[m.file], m)
	}
	checked := 0
	for file, got := range byFile {
		want := loadDecodedLines(t, filepath.Join("testdata", strings.TrimSuffix(file, ".pcap")+".decoded.txt"))
		if len(got) != len(want) {
			t.Fatalf("%s: %d messages in the pcap, %d lines in decoded.txt", file, len(got), len(want))
		}
		for i, w := range want {
			env := got[i].env
			if env.Header.MsgType != w.msgType || len(env.Body) != w.bodyLen {
				t.Fatalf("%s #%d: pcap has type %d body %d, decoded.txt type %d body %d", file, i, env.Header.MsgType, len(env.Body), w.msgType, w.bodyLen)
			}
			p := Payload(env.Header.MsgType, env.Body)
			if len(p) != w.payloadLen || !bytes.Equal(p[:len(w.payloadPrefix)], w.payloadPrefix) {
				t.Errorf("%s #%d (type %d): computed payload %x..., Slurm sent %x... (%d bytes)", file, i, w.msgType, p[:9], w.payloadPrefix, w.payloadLen)
			}
			// The same check through CheckPayload: a payload agreeing with
			// Slurm's passes, and one differing in the last byte fails.
			if err := CheckPayload(p, env.Header.MsgType, env.Body, PayloadPolicy{}); err != nil {
				t.Errorf("%s #%d: %v", file, i, err)
			}
			p[PayloadLen-1] ^= 1
			if err := CheckPayload(p, env.Header.MsgType, env.Body, PayloadPolicy{}); err == nil {
				t.Errorf("%s #%d: altered payload accepted", file, i)
			}
			if !strings.HasPrefix(env.Auth.Credential.String(), "MUNGE:") || env.Auth.PluginID != PluginID {
				t.Errorf("%s #%d: auth section %d %q", file, i, env.Auth.PluginID, env.Auth.Credential.String())
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d captured messages checked", checked)
	}
}
