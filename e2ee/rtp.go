package e2ee

import "github.com/callseal/callseal/internal/rtpheader"

// RTP header sizes in bytes (RFC 3550, Section 5.1).
const (
	rtpFixedHeaderSize = rtpheader.FixedHeaderSize // bytes: V P X CC M PT, sequence number, timestamp, SSRC
	rtpCSRCSize        = rtpheader.CSRCSize        // bytes per CSRC identifier
)

// rtpLayout locates the parts of a marshalled RTP packet.
//
//	pkt[:metaEnd]           fixed header + CSRC list  (SFrame metadata)
//	pkt[metaEnd:payloadOff] header extension, if any  (not authenticated)
//	pkt[payloadOff:]        payload
type rtpLayout struct {
	metaEnd    int
	payloadOff int
}

// parseRTP checks the RTP header of pkt with rtpheader.Parse (RFC 3550,
// Sections 5.1 and 5.3.1) and returns its layout. It rejects version ≠ 2
// (errRTPVersion), a header cut short (errShortRTP), and the padding bit
// (errRTPPadding: the padding count would be the last byte of the SFrame
// tag after sealing); all three wrap ErrMalformed. It does not allocate.
func parseRTP(pkt []byte) (rtpLayout, error) {
	l, err := rtpheader.Parse(pkt)
	switch {
	case err == rtpheader.ErrVersion:
		return rtpLayout{}, errRTPVersion
	case err == rtpheader.ErrPadding, err == nil && l.PayloadEnd != len(pkt):
		return rtpLayout{}, errRTPPadding
	case err != nil:
		return rtpLayout{}, errShortRTP
	}
	return rtpLayout{metaEnd: l.MetaEnd, payloadOff: l.PayloadOff}, nil
}

// commonRTPPayload returns the offset of the payload of pkt if its header
// is version 2 without padding or CSRCs, with or without an extension, and
// 0 for any other header or a packet cut short in its header
// (rtpheader.CommonPayloadOffset, inlined). Such a header is what almost
// every RTP packet has, and its SFrame metadata is the 12-byte fixed header.
func commonRTPPayload(pkt []byte) int { return rtpheader.CommonPayloadOffset(pkt) }
