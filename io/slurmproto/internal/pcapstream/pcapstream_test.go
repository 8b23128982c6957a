package pcapstream

import (
	"encoding/binary"
	"testing"
)

// buildPcap writes a little-endian raw-IP (link type 101) pcap holding the
// given TCP segments from 10.0.0.1:1000 to 10.0.0.2:2000.
func buildPcap(segs []segment) []byte {
	f := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	f = binary.LittleEndian.AppendUint16(f, 2)
	f = binary.LittleEndian.AppendUint16(f, 4)
	f = append(f, make([]byte, 8)...)
	f = binary.LittleEndian.AppendUint32(f, 65535)
	f = binary.LittleEndian.AppendUint32(f, 101)
	for _, s := range segs {
		tcp := make([]byte, 20)
		binary.BigEndian.PutUint16(tcp[0:], 1000)
		binary.BigEndian.PutUint16(tcp[2:], 2000)
		binary.BigEndian.PutUint32(tcp[4:], s.seq)
		tcp[12] = 5 << 4
		tcp[13] = s.flags
		tcp = append(tcp, s.data...)
		ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)))
		pkt := append(ip, tcp...)
		f = append(f, make([]byte, 8)...)
		f = binary.LittleEndian.AppendUint32(f, uint32(len(pkt)))
		f = binary.LittleEndian.AppendUint32(f, uint32(len(pkt)))
		f = append(f, pkt...)
	}
	return f
}

type segment struct {
	seq   uint32
	flags byte
	data  string
}

// TestReassembly: out-of-order segments are held, retransmissions and
// overlaps dropped.
func TestReassembly(t *testing.T) {
	const syn, ack = 0x02, 0x10
	file := buildPcap([]segment{
		{seq: 99, flags: syn},
		{seq: 106, flags: ack, data: "world"}, // early
		{seq: 100, flags: ack, data: "hello "},
		{seq: 100, flags: ack, data: "hello "}, // retransmission
		{seq: 109, flags: ack, data: "ld!"},    // overlap
	})
	streams, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 1 || string(streams[0].Data) != "hello world!" || streams[0].SrcPort != 1000 || streams[0].DstPort != 2000 {
		t.Fatalf("got %+v", streams)
	}
}

// TestBadFiles: broken files give errors, not panics.
func TestBadFiles(t *testing.T) {
	good := buildPcap([]segment{{seq: 1, flags: 0x02}, {seq: 2, flags: 0x10, data: "x"}})
	for name, f := range map[string][]byte{
		"empty":            nil,
		"bad magic":        make([]byte, 24),
		"truncated record": good[:len(good)-3],
		"short record hdr": good[:24+5],
	} {
		if _, err := Read(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Garbage inside records is skipped, never fatal.
	bad := append([]byte(nil), good...)
	for i := 24 + 16; i < len(bad); i++ {
		bad[i] ^= 0x5a
	}
	if _, err := Read(bad); err != nil {
		t.Logf("garbage packets: %v", err)
	}
}
