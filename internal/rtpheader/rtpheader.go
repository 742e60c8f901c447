package rtpheader

import (
	"encoding/binary"
	"errors"
)

// RTP header sizes in bytes and header bits (RFC 3550, Sections 5.1 and
// 5.3.1).
const (
	FixedHeaderSize = 12 // bytes: V P X CC M PT, sequence number, timestamp, SSRC
	CSRCSize        = 4  // bytes per CSRC identifier
	MaxCSRCs        = 15 // the CC field has 4 bits
	ExtHeaderSize   = 4  // bytes: profile-defined 16 bits, length in 32-bit words
	Version         = 2  // the V field of every RTP and RTCP packet

	PaddingBit   = 0x20 // P, in the first byte
	ExtensionBit = 0x10 // X, in the first byte
)

// Errors of Parse, usable with errors.Is. Packages that wrap the parser map
// them to their own sentinels.
var (
	// ErrShort: the packet ends inside its fixed header, CSRC list or
	// header extension.
	ErrShort = errors.New("rtpheader: RTP packet shorter than its header")
	// ErrVersion: the V field is not 2.
	ErrVersion = errors.New("rtpheader: RTP version is not 2")
	// ErrPadding: the P bit is set and the padding count, the packet's
	// last byte, is 0 or reaches into the header.
	ErrPadding = errors.New("rtpheader: bad RTP padding count")
)

// Layout locates the parts of a marshalled RTP packet pkt:
//
//	pkt[:MetaEnd]              fixed header and CSRC list
//	pkt[MetaEnd:PayloadOff]    header extension, if X is set
//	pkt[PayloadOff:PayloadEnd] payload
//	pkt[PayloadEnd:]           padding, if P is set
//
// All offsets are in bytes.
type Layout struct {
	MetaEnd    int
	PayloadOff int
	PayloadEnd int
}

// CSRCs returns the number of CSRC identifiers in the header.
func (l Layout) CSRCs() int { return (l.MetaEnd - FixedHeaderSize) / CSRCSize }

// Parse checks the RTP header of pkt and returns its layout (RFC 3550,
// Section 5.1; the header extension's length, Section 5.3.1). With the P
// bit set, the last byte of pkt counts the padding bytes, itself included;
// PayloadEnd is len(pkt) exactly when P is clear. The extension's contents
// are not parsed. It does not allocate.
//
// Errors: ErrShort (pkt ends inside the fixed header, CSRC list or
// extension), ErrVersion (V is not 2), ErrPadding (P set, and a count of 0
// or one that reaches into the header).
func Parse(pkt []byte) (Layout, error) {
	if len(pkt) < FixedHeaderSize {
		return Layout{}, ErrShort
	}
	b0 := pkt[0]
	if b0 == Version<<6 {
		// The common case: no padding, extension or CSRCs.
		return Layout{MetaEnd: FixedHeaderSize, PayloadOff: FixedHeaderSize, PayloadEnd: len(pkt)}, nil
	}
	if b0>>6 != Version {
		return Layout{}, ErrVersion
	}
	meta := FixedHeaderSize + CSRCSize*int(b0&0x0f)
	if len(pkt) < meta {
		return Layout{}, ErrShort
	}
	off := meta
	if b0&ExtensionBit != 0 {
		if len(pkt)-off < ExtHeaderSize {
			return Layout{}, ErrShort
		}
		off += ExtHeaderSize + 4*int(binary.BigEndian.Uint16(pkt[off+2:]))
		if len(pkt) < off {
			return Layout{}, ErrShort
		}
	}
	end := len(pkt)
	if b0&PaddingBit != 0 {
		p := int(pkt[end-1])
		if p == 0 || end-p < off {
			return Layout{}, ErrPadding
		}
		end -= p
	}
	return Layout{MetaEnd: meta, PayloadOff: off, PayloadEnd: end}, nil
}

// CommonPayloadOffset returns the payload offset of pkt, in bytes, if its
// header is version 2 without padding or CSRCs, with or without an
// extension (RFC 3550, Sections 5.1 and 5.3.1), and pkt is at least
// FixedHeaderSize+ExtHeaderSize bytes long; it returns 0 for any other
// packet. Where it returns n > 0, Parse returns PayloadOff n, MetaEnd
// FixedHeaderSize and PayloadEnd len(pkt). Almost every RTP packet has such
// a header; the function is small enough to be inlined into per-packet
// paths, which call Parse only when it returns 0.
func CommonPayloadOffset(pkt []byte) int {
	if len(pkt) < FixedHeaderSize+ExtHeaderSize {
		return 0
	}
	switch pkt[0] {
	case Version << 6:
		return FixedHeaderSize
	case Version<<6 | ExtensionBit:
		off := FixedHeaderSize + ExtHeaderSize + 4*int(binary.BigEndian.Uint16(pkt[14:16]))
		if off > len(pkt) {
			return 0
		}
		return off
	}
	return 0
}

// SSRC returns the SSRC of pkt, which must be at least FixedHeaderSize
// bytes long (RFC 3550, Section 5.1).
func SSRC(pkt []byte) uint32 { return binary.BigEndian.Uint32(pkt[8:FixedHeaderSize]) }

// PayloadType returns the payload type of pkt, which must be at least 2
// bytes long (RFC 3550, Section 5.1).
func PayloadType(pkt []byte) uint8 { return pkt[1] & 0x7f }
