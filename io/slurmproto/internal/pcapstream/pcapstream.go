package pcapstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// MaxStreamBytes bounds one reassembled direction.
const MaxStreamBytes = 64 << 20

// Stream is the payload sent in one direction of one TCP connection.
type Stream struct {
	Index   int // order of the connection's first packet
	SrcPort uint16
	DstPort uint16
	Data    []byte
}

type flowKey struct {
	src, dst         [4]byte
	srcPort, dstPort uint16
}

type flow struct {
	stream  *Stream
	started bool
	next    uint32            // next expected sequence number
	pending map[uint32][]byte // out-of-order segments by sequence number
}

// Read parses a pcap file and returns its TCP streams (one per direction
// with payload), ordered by the first packet seen in each direction.
func Read(file []byte) ([]*Stream, error) {
	if len(file) < 24 {
		return nil, errors.New("pcapstream: short file header")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(file) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	default:
		switch binary.BigEndian.Uint32(file) {
		case 0xa1b2c3d4, 0xa1b23c4d:
			bo = binary.BigEndian
		default:
			return nil, errors.New("pcapstream: not a classic pcap file")
		}
	}
	link := bo.Uint32(file[20:])
	flows := map[flowKey]*flow{}
	var order []*Stream
	for off := 24; off < len(file); {
		if len(file)-off < 16 {
			return nil, errors.New("pcapstream: truncated record header")
		}
		incl := int(bo.Uint32(file[off+8:]))
		orig := int(bo.Uint32(file[off+12:]))
		off += 16
		if incl < 0 || incl > len(file)-off {
			return nil, errors.New("pcapstream: truncated record")
		}
		pkt := file[off : off+incl]
		off += incl
		if incl < orig {
			continue // cut by snaplen: payload incomplete
		}
		ip, ok := ipPayload(link, pkt)
		if !ok {
			continue
		}
		if err := addSegment(ip, flows, &order); err != nil {
			return nil, err
		}
	}
	out := order[:0]
	for _, s := range order {
		if len(s.Data) > 0 {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// ipPayload strips the link header and returns the IPv4 packet.
func ipPayload(link uint32, pkt []byte) ([]byte, bool) {
	var etherType uint16
	switch link {
	case 1: // Ethernet
		if len(pkt) < 14 {
			return nil, false
		}
		etherType, pkt = binary.BigEndian.Uint16(pkt[12:]), pkt[14:]
	case 113: // Linux cooked v1
		if len(pkt) < 16 {
			return nil, false
		}
		etherType, pkt = binary.BigEndian.Uint16(pkt[14:]), pkt[16:]
	case 276: // Linux cooked v2
		if len(pkt) < 20 {
			return nil, false
		}
		etherType, pkt = binary.BigEndian.Uint16(pkt[0:]), pkt[20:]
	case 101: // raw IP
		etherType = 0x0800
	case 0: // BSD loopback: 4-byte host-order family
		if len(pkt) < 4 {
			return nil, false
		}
		etherType, pkt = 0x0800, pkt[4:]
	default:
		return nil, false
	}
	return pkt, etherType == 0x0800
}

func addSegment(ip []byte, flows map[flowKey]*flow, order *[]*Stream) error {
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 6 {
		return nil
	}
	ihl := int(ip[0]&0xf) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if ihl < 20 || total < ihl || total > len(ip) {
		return nil
	}
	if binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
		return fmt.Errorf("pcapstream: IP fragments are not supported")
	}
	tcp := ip[ihl:total]
	if len(tcp) < 20 {
		return nil
	}
	doff := int(tcp[12]>>4) * 4
	if doff < 20 || doff > len(tcp) {
		return nil
	}
	var k flowKey
	copy(k.src[:], ip[12:16])
	copy(k.dst[:], ip[16:20])
	k.srcPort = binary.BigEndian.Uint16(tcp[0:])
	k.dstPort = binary.BigEndian.Uint16(tcp[2:])
	seq := binary.BigEndian.Uint32(tcp[4:])
	flags := tcp[13]
	payload := tcp[doff:]

	f := flows[k]
	if f == nil || flags&0x02 != 0 && f.started && len(f.stream.Data) > 0 {
		// New direction, or the ports were reused by a new connection.
		f = &flow{stream: &Stream{Index: len(*order), SrcPort: k.srcPort, DstPort: k.dstPort}, pending: map[uint32][]byte{}}
		flows[k] = f
		*order = append(*order, f.stream)
	}
	if flags&0x02 != 0 { // SYN consumes one sequence number
		f.started, f.next = true, seq+1
		return nil
	}
	if !f.started { // joined mid-connection: trust the first segment
		f.started, f.next = true, seq
	}
	if len(payload) == 0 {
		return nil
	}
	f.pending[seq] = append([]byte(nil), payload...)
	return drain(f)
}

// drain appends every pending segment that starts at or before f.next.
func drain(f *flow) error {
	for progress := true; progress; {
		progress = false
		for seq, data := range f.pending {
			d := int32(f.next - seq) // bytes already delivered
			if d < 0 {
				continue
			}
			delete(f.pending, seq)
			progress = true
			if int(d) < len(data) {
				if len(f.stream.Data)+len(data)-int(d) > MaxStreamBytes {
					return fmt.Errorf("pcapstream: stream exceeds %d bytes", MaxStreamBytes)
				}
				f.stream.Data = append(f.stream.Data, data[d:]...)
				f.next += uint32(len(data) - int(d))
			}
		}
	}
	return nil
}
