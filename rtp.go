package callseal

import "encoding/binary"

// Wire facts the Session reads from packet headers, which stay in the clear
// under both layers.
const (
	rtpHeaderSize  = 12 // bytes, RTP fixed header (RFC 3550, Section 5.1)
	rtcpHeaderSize = 8  // bytes, RTCP header and sender SSRC
	rtpVersion     = 2
)

// isRTCP reports whether pkt, an RTP or RTCP packet on a multiplexed
// transport, is RTCP: its second byte, the RTCP packet type, is in 192..223
// (RFC 5761, Section 4), where no RTP payload type may be used.
func isRTCP(pkt []byte) bool {
	return len(pkt) >= 2 && pkt[1] >= 192 && pkt[1] <= 223
}

// isRTPOrRTCP reports whether pkt's first byte says RTP version 2, which
// also tells RTP and RTCP from STUN, DTLS and ZRTP on one port (RFC 7983,
// Section 7: first byte 128..191).
func isRTPOrRTCP(pkt []byte) bool {
	return len(pkt) >= rtpHeaderSize && pkt[0]>>6 == rtpVersion
}

// rtpSSRC returns the SSRC and payload type of an RTP packet at least
// rtpHeaderSize bytes long.
func rtpSSRC(pkt []byte) (ssrc uint32, pt uint8) {
	return binary.BigEndian.Uint32(pkt[8:12]), pkt[1] & 0x7f
}

// rtpPayloadOffset returns where the payload of an RTP packet starts: after
// the fixed header, the CSRC list and the header extension (RFC 3550,
// Section 5.3.1). ok is false for a truncated packet.
func rtpPayloadOffset(pkt []byte) (off int, ok bool) {
	if len(pkt) < rtpHeaderSize {
		return 0, false
	}
	off = rtpHeaderSize + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < off+4 {
			return 0, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:]))
	}
	return off, off <= len(pkt)
}
