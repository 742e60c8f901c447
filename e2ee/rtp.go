package e2ee

import "encoding/binary"

// RTP header sizes in bytes (RFC 3550, Section 5.1 and 5.3.1).
const (
	rtpFixedHeaderSize = 12 // bytes: V P X CC M PT, sequence number, timestamp, SSRC
	rtpCSRCSize        = 4  // bytes per CSRC identifier
	rtpExtHeaderSize   = 4  // bytes: profile-defined 16 bits, length in 32-bit words
	rtpVersion         = 2
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

// parseRTP checks the RTP header of pkt (RFC 3550, Section 5.1) and returns
// its layout. It rejects version ≠ 2, a header cut short, and padding (the
// padding count would be the last byte of the SFrame tag after sealing).
// It does not allocate.
func parseRTP(pkt []byte) (rtpLayout, error) {
	if len(pkt) < rtpFixedHeaderSize {
		return rtpLayout{}, errShortRTP
	}
	b0 := pkt[0]
	if b0 == rtpVersion<<6 {
		// The common case: no padding, extension or CSRCs.
		return rtpLayout{metaEnd: rtpFixedHeaderSize, payloadOff: rtpFixedHeaderSize}, nil
	}
	if b0>>6 != rtpVersion {
		return rtpLayout{}, errRTPVersion
	}
	if b0&0x20 != 0 {
		return rtpLayout{}, errRTPPadding
	}
	meta := rtpFixedHeaderSize + rtpCSRCSize*int(b0&0x0f)
	if len(pkt) < meta {
		return rtpLayout{}, errShortRTP
	}
	off := meta
	if b0&0x10 != 0 {
		if len(pkt)-off < rtpExtHeaderSize {
			return rtpLayout{}, errShortRTP
		}
		words := int(binary.BigEndian.Uint16(pkt[off+2:]))
		off += rtpExtHeaderSize + 4*words
		if len(pkt) < off {
			return rtpLayout{}, errShortRTP
		}
	}
	return rtpLayout{metaEnd: meta, payloadOff: off}, nil
}

// commonRTPPayload returns the offset of the payload of pkt if its header
// is version 2 without padding or CSRCs, with or without an extension
// (RFC 3550, Section 5.1 and 5.3.1), and 0 for any other header or a packet
// cut short in its header. Such a header is what almost every RTP packet
// has, and its SFrame metadata is the 12-byte fixed header.
func commonRTPPayload(pkt []byte) int {
	if len(pkt) < rtpFixedHeaderSize+rtpExtHeaderSize {
		return 0
	}
	switch pkt[0] {
	case rtpVersion << 6:
		return rtpFixedHeaderSize
	case rtpVersion<<6 | 0x10:
		off := rtpFixedHeaderSize + rtpExtHeaderSize + 4*int(binary.BigEndian.Uint16(pkt[14:16]))
		if off > len(pkt) {
			return 0
		}
		return off
	}
	return 0
}
