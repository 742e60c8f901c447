package soak

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/callseal/callseal"
)

// What each party of a call sends, per stream. The packet sizes are those of
// real calls; the frame rates are real time at speed 1 and divided by the
// plan's speed (see plan).
//
// A stream is one of callseal.Kinds, or rtcpStream for the Session's RTCP.
const (
	numStreams = len(callseal.Kinds) + 1
	rtcpStream = len(callseal.Kinds)
)

// media is the traffic of one stream at speed 1: a frame every interval, of
// packets RTP packets whose payloads are size bytes, except that the last of
// a frame of more than one packet is shorter, by an amount that varies from
// frame to frame.
type media struct {
	name     string
	pt       uint8 // RTP payload type (RTCP: packet type)
	interval time.Duration
	packets  int
	size     int // payload bytes
}

var mediaPlan = [numStreams]media{
	callseal.Audio:       {"audio", 111, 20 * time.Millisecond, 1, 160},         // 20 ms frames of 64 kbit/s G.711
	callseal.Video:       {"video", 96, 66 * time.Millisecond, 3, 1200},         // 15 fps, ~360 kbit/s
	callseal.ScreenShare: {"screen", 97, 200 * time.Millisecond, 2, 1200},       // 5 fps of small updates
	rtcpStream:           {"rtcp", rtcpAPP, 500 * time.Millisecond, 1, appSize}, // reports
}

const (
	rtpHeaderSize = 12 // bytes: RFC 3550, Section 5.1, no CSRCs or extension

	// Every RTP payload starts with the packet's number (8 bytes, big
	// endian), the call (4 bytes), the party and the stream (1 byte each):
	// enough to rebuild the whole packet.
	stampSize = 8 + 4 + 1 + 1 // bytes

	// RTCP carries the same stamp in an APP packet (RFC 3550, Section
	// 6.7): header, SSRC, name, then the stamp and 2 bytes of padding to
	// the 32-bit boundary.
	rtcpAPP = 204
	appSize = 4 + 4 + 4 + stampSize + 2 // bytes
)

// streamID names one direction of one stream of one call.
type streamID struct {
	call   int
	party  int // 0: the initiator's Session sends it; 1: the responder's
	stream int // a callseal.MediaKind, or rtcpStream
}

func (id streamID) String() string {
	return fmt.Sprintf("call %d party %d %s", id.call, id.party, mediaPlan[id.stream].name)
}

func (id streamID) ssrc() uint32 {
	return uint32(id.call)<<8 | uint32(id.party)<<4 | uint32(id.stream)
}

// packetLen returns the length of packet n of stream id, in bytes.
func packetLen(id streamID, n uint64) int {
	m := mediaPlan[id.stream]
	if id.stream == rtcpStream {
		return m.size
	}
	size := m.size
	if m.packets > 1 && int(n%uint64(m.packets)) == m.packets-1 {
		size = stampSize + int(n*389%uint64(m.size-stampSize)) // the frame's remainder
	}
	return rtpHeaderSize + size
}

// appendPacket appends packet n of stream id to dst: an RTP packet (RFC
// 3550, Section 5.1) with sequence number n mod 2^16 and the marker bit on a
// frame's last packet, or an RTCP APP packet. Its payload starts with a
// stamp naming the packet; the rest is a pattern that depends on all of it,
// so a receiver rebuilds the whole packet from the stamp and compares.
func appendPacket(dst []byte, id streamID, n uint64) []byte {
	m := mediaPlan[id.stream]
	size := packetLen(id, n)
	start := len(dst)
	dst = append(dst, make([]byte, size)...)
	p := dst[start:]
	var payload []byte
	if id.stream == rtcpStream {
		p[0] = 0x80 // V=2, subtype 0
		p[1] = rtcpAPP
		binary.BigEndian.PutUint16(p[2:], uint16(size/4-1))
		binary.BigEndian.PutUint32(p[4:], id.ssrc())
		copy(p[8:], "SOAK")
		payload = p[12:]
	} else {
		p[0] = 0x80 // V=2
		p[1] = m.pt
		if int(n%uint64(m.packets)) == m.packets-1 {
			p[1] |= 0x80 // marker
		}
		binary.BigEndian.PutUint16(p[2:], uint16(n))
		binary.BigEndian.PutUint32(p[4:], uint32(n/uint64(m.packets))*uint32(m.interval/time.Millisecond)*90)
		binary.BigEndian.PutUint32(p[8:], id.ssrc())
		payload = p[rtpHeaderSize:]
	}
	binary.BigEndian.PutUint64(payload, n)
	binary.BigEndian.PutUint32(payload[8:], uint32(id.call))
	payload[12] = byte(id.party)
	payload[13] = byte(id.stream)
	x := byte(n) ^ byte(n>>8) ^ byte(id.call) ^ byte(id.party<<4|id.stream)
	for i := stampSize; i < len(payload); i++ {
		payload[i] = x + byte(i)*31
	}
	return dst
}

// packetNumber returns the number in the stamp of a received packet of
// stream, or false if the packet is too short to hold one.
func packetNumber(stream int, pkt []byte) (uint64, bool) {
	off := rtpHeaderSize
	if stream == rtcpStream {
		off = 12
	}
	if len(pkt) < off+stampSize {
		return 0, false
	}
	return binary.BigEndian.Uint64(pkt[off:]), true
}

// window records which packet numbers of a stream have arrived, like an
// RTP replay window (RFC 3711, Section 3.3.2): the newest and a bitmap of
// the 64 before it. Loopback UDP may reorder a little and does not
// duplicate, so a number seen twice is a replay that got through both
// layers.
type window struct {
	newest uint64
	bits   uint64 // bit i: newest-i arrived
	any    bool
}

// add records n. It reports dup if n arrived before, and late if n is too
// far behind the newest to tell.
func (w *window) add(n uint64) (dup, late bool) {
	switch {
	case !w.any || n > w.newest:
		if d := n - w.newest; w.any && d < 64 {
			w.bits = w.bits<<d | 1
		} else {
			w.bits = 1
		}
		w.newest, w.any = n, true
	case w.newest-n >= 64:
		return false, true
	default:
		bit := uint64(1) << (w.newest - n)
		if w.bits&bit != 0 {
			return true, false
		}
		w.bits |= bit
	}
	return false, false
}
