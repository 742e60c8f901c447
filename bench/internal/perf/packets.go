// Package perf holds the bodies of callseal's per-packet, handshake, scaling
// and memory benchmarks. The Go benchmarks in package bench (go test -bench .
// ./bench) and the report command (go run ./bench) both run these functions,
// so the numbers in the report come from exactly the code paths go test
// measures.
//
// Only the public API of callseal's packages is used, as an application would.
package perf

import (
	"fmt"

	"github.com/callseal/callseal/e2ee"
	"github.com/pion/rtp"
)

// Sizes are the RTP payload sizes in bytes the per-packet benchmarks run at:
// a small packet (64), an Opus audio frame (160), a video packet (1200) and a
// screen-share packet near the MTU (1400).
var Sizes = []int{64, 160, 1200, 1400}

// RTPHeaderSize is the size in bytes of the RTP fixed header the benchmark
// packets carry (no CSRC list, no header extension).
const RTPHeaderSize = 12 // bytes

// KindFor returns the media kind a packet of the given payload size is sent
// as: audio up to 160 bytes, video up to 1200, screen share above.
func KindFor(size int) e2ee.MediaKind {
	switch {
	case size <= 160:
		return e2ee.Audio
	case size <= 1200:
		return e2ee.Video
	default:
		return e2ee.ScreenShare
	}
}

// ssrcFor gives each media kind its own RTP stream.
func ssrcFor(k e2ee.MediaKind) uint32 { return 0x5eed0000 | uint32(k) }

// payloadTypeFor returns a typical dynamic payload type: 111 (Opus) for audio,
// 96 (VP8) for video and screen share.
func payloadTypeFor(k e2ee.MediaKind) uint8 {
	if k == e2ee.Audio {
		return 111
	}
	return 96
}

// rtpPacket marshals, with pion/rtp, an RTP packet of the stream of kind
// carrying size payload bytes. It is called outside the timed loops.
func rtpPacket(kind e2ee.MediaKind, size int, seq uint16) []byte {
	return rtpPacketSSRC(kind, ssrcFor(kind), size, seq)
}

// rtpPacketSSRC is rtpPacket for the stream ssrc.
func rtpPacketSSRC(kind e2ee.MediaKind, ssrc uint32, size int, seq uint16) []byte {
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i*7 + 3)
	}
	p := rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			Marker:         kind != e2ee.Audio,
			PayloadType:    payloadTypeFor(kind),
			SequenceNumber: seq,
			Timestamp:      0x1a2b3c4d,
			SSRC:           ssrc,
		},
		Payload: payload,
	}
	b, err := p.Marshal()
	if err != nil {
		panic(fmt.Sprintf("perf: internal error: marshal RTP: %v", err))
	}
	return b
}

// setSeq writes an RTP sequence number into a marshalled packet, so that
// every packet a sender protects carries a new one, as on the wire.
func setSeq(pkt []byte, seq uint16) { pkt[2], pkt[3] = byte(seq>>8), byte(seq) }
