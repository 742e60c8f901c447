package callseal

import "github.com/callseal/callseal/internal/rtpheader"

// isRTCP reports whether pkt, an RTP or RTCP packet on a multiplexed
// transport, is RTCP: its second byte, the RTCP packet type, is in 192..223
// (RFC 5761, Section 4), where no RTP payload type may be used.
func isRTCP(pkt []byte) bool {
	return len(pkt) >= 2 && pkt[1] >= 192 && pkt[1] <= 223
}

// isRTPOrRTCP reports whether pkt is at least an RTP fixed header long and
// its first byte says version 2, which also tells RTP and RTCP from STUN,
// DTLS and ZRTP on one port (RFC 7983, Section 7: first byte 128..191).
func isRTPOrRTCP(pkt []byte) bool {
	return len(pkt) >= rtpheader.FixedHeaderSize && pkt[0]>>6 == rtpheader.Version
}

// rtpSSRC returns the SSRC and payload type of an RTP packet at least
// rtpheader.FixedHeaderSize bytes long (RFC 3550, Section 5.1).
func rtpSSRC(pkt []byte) (ssrc uint32, pt uint8) {
	return rtpheader.SSRC(pkt), rtpheader.PayloadType(pkt)
}
