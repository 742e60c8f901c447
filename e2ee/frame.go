package e2ee

import "github.com/callseal/callseal/e2ee/internal/sfcore"

// Frame mode: SFrame over a whole encoded frame, the unit RFC 9605 was
// written for (Sections 4.1 and 4.4), sealed before the packetizer and
// opened after the depacketizer. It is what a browser can do, whose
// encoded transform runs between encoder and packetizer. See the package
// doc, "Frame mode", for the wire format.

// FrameOverhead returns the maximum number of bytes SealFrame adds to a
// frame: the SFrame header plus the tag, the same as Overhead (21 bytes with
// the default suite). The clear codec header is part of the frame and is
// not added.
func (s *Session) FrameOverhead() int { return s.overhead }

// SealFrame encrypts the encoded frame of kind under the current send key
// of kind and appends the sealed frame to dst, according to RFC 9605,
// Section 4.4.3:
//
//	in:  [clear codec header] ‖ rest of the frame
//	out: [clear codec header] ‖ SFrame header ‖ ciphertext ‖ tag
//
// The clear codec header is codec's (FrameCodec: the VP8 payload header,
// 10 bytes on a key frame and 3 on a delta frame; nothing for Opus and
// CodecNone), copied unchanged and authenticated as the SFrame metadata;
// nothing else is metadata, as a frame has no RTP header. At most
// FrameOverhead() bytes are added. The frame is sealed with the same keys,
// counters and epochs as Seal's packets of kind: a key's counter is shared
// by both modes, so no nonce repeats whichever mode a packet or frame is
// sealed in.
//
// To seal in place, pass frame[:0] as dst with FrameOverhead() bytes of
// spare capacity; any other overlap of the output and frame panics.
//
// Errors: ErrMalformed (an empty frame, or a VP8 frame shorter than its
// payload header), ErrUnsupportedCodec, ErrUnknownKey (kind is not Audio,
// Video or ScreenShare, or the session has per-SSRC keys, which need an RTP
// header), ErrKeyExhausted (the ratchet failed; not expected), ErrClosed.
// On error frame and dst are unchanged and no counter value is consumed.
//
// SealFrame is safe for concurrent use, as Seal is, and does not allocate
// with the AES-GCM suites when dst has the capacity.
func (s *Session) SealFrame(dst, frame []byte, kind MediaKind, codec FrameCodec) ([]byte, error) {
	if kind >= numKinds {
		return nil, errUnknownKind
	}
	n, err := codec.clearHeaderSize(frame)
	if err != nil {
		return nil, err
	}
	if s.perSSRC {
		return nil, errFramePerSSRC
	}
	return s.sealOn(s.send[kind], dst, frame, rtpLayout{metaEnd: n, payloadOff: n})
}

// OpenFrame authenticates and decrypts a frame sealed by the peer's
// SealFrame with the same codec, and appends the opened frame (clear codec
// header unchanged, the rest restored) to dst, returning the media kind
// named by its KID. It implements RFC 9605, Section 4.4.4 with the replay
// check, epoch handling and grace period of Open, on the same keys and
// replay windows.
//
// To open in place, pass sealed[:0] as dst; any other overlap of the output
// and sealed panics.
//
// Errors: ErrMalformed (an empty frame, a VP8 frame shorter than its
// payload header, a bad SFrame header, or shorter than the tag),
// ErrUnsupportedCodec, ErrUnknownKey (the KID names no receive key, or the
// session has per-SSRC keys), ErrReplay, ErrAuth (authentication failed,
// including a clear codec header altered in transit), ErrClosed. On error
// the returned slice is nil and the session state is unchanged; dst's spare
// capacity, and sealed when opening in place, may have been overwritten.
//
// OpenFrame is safe for concurrent use, as Open is.
func (s *Session) OpenFrame(dst, sealed []byte, codec FrameCodec) ([]byte, MediaKind, error) {
	n, err := codec.clearHeaderSize(sealed)
	if err != nil {
		return nil, 0, err
	}
	h, hlen, err := sfcore.ParseHeader(sealed[n:])
	if err != nil {
		return nil, 0, errSFrame
	}
	kind := MediaKind(h.KID & kindMask)
	if h.KID > maxKID || kind >= numKinds {
		return nil, 0, errUnknownKID
	}
	if s.perSSRC {
		return nil, 0, errFramePerSSRC
	}
	ret, err := s.openOn(s.recv[kind], dst, sealed, rtpLayout{metaEnd: n, payloadOff: n}, h, hlen)
	if err != nil {
		return nil, 0, err
	}
	return ret, kind, nil
}
