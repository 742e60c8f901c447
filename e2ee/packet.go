package e2ee

import (
	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/internal/alias"
)

// The per-packet work under one key, shared by Session (1:1 calls) and
// MeetingSession (meetings): the RTP layout, sealing under a sendKey, and
// the replay check and decryption under a recvKey. The two types differ
// only in how a packet's key is found (RFC 9605, Section 4.4.3 and 4.4.4
// with the RTP mapping of the package doc).

// packetLayout returns the layout of the RTP packet pkt: the common header
// (no CSRCs) inline, any other with parseRTP. Errors wrap ErrMalformed.
func packetLayout(pkt []byte) (rtpLayout, error) {
	layout := rtpLayout{metaEnd: rtpFixedHeaderSize, payloadOff: commonRTPPayload(pkt)}
	if layout.payloadOff == 0 {
		return parseRTP(pkt)
	}
	return layout, nil
}

// sealPacket seals the payload of pkt (of the given layout) under sk with
// counter ctr, drawn by the caller from sk.next, and appends the sealed
// packet to dst:
//
//	in:  fixed header ‖ CSRCs ‖ [extension] ‖ payload
//	out: fixed header ‖ CSRCs ‖ [extension] ‖ SFrame header ‖ ciphertext ‖ tag
//
// In place (dst is pkt[:0] with spare capacity) the payload is moved up
// past the SFrame header; any other overlap of the output and pkt panics.
func sealPacket(sk *sendKey, ctr uint64, dst, pkt []byte, layout rtpLayout) []byte {
	ret, out := alias.SliceForAppend(dst, len(pkt)+sk.key.Overhead(ctr))
	if alias.AnyOverlap(out, pkt) {
		if &out[0] != &pkt[0] {
			panic("e2ee: invalid buffer overlap")
		}
	} else {
		sfcore.CopyMeta(out, pkt[:layout.payloadOff])
	}
	sfOut, meta, payload := out[layout.payloadOff:], pkt[:layout.metaEnd], pkt[layout.payloadOff:]
	if sk.mu.TryLock() {
		sk.key.Seal(&sk.scratch, sfOut, ctr, meta, payload)
		sk.mu.Unlock()
	} else {
		scratch := sfcore.GetScratch() // a concurrent Seal on the stream holds sk's
		sk.key.Seal(scratch, sfOut, ctr, meta, payload)
		sfcore.PutScratch(scratch)
	}
	return ret
}

// parseSealed returns the RTP layout of a sealed packet and its SFrame
// header (RFC 9605, Section 4.3), parsed once: its KID picks the key, its
// CTR is checked for replay and makes the nonce. Errors wrap ErrMalformed.
func parseSealed(pkt []byte) (layout rtpLayout, h sfcore.Header, hlen int, err error) {
	if layout, err = packetLayout(pkt); err != nil {
		return rtpLayout{}, sfcore.Header{}, 0, err
	}
	if h, hlen, err = sfcore.ParseHeader(pkt[layout.payloadOff:]); err != nil {
		return rtpLayout{}, sfcore.Header{}, 0, errSFrame
	}
	return layout, h, hlen, nil
}

// openOutput extends dst by the opened packet's size (the sealed packet
// less its SFrame header and tag) and copies the RTP header into it, unless
// dst is pkt's own storage (in place; any other overlap panics). Errors:
// errSFrame for a packet shorter than the tag.
func openOutput(dst, pkt []byte, layout rtpLayout, hlen, tagSize int) (ret, out []byte, inPlace bool, err error) {
	n := len(pkt) - hlen - tagSize
	if n < layout.payloadOff {
		return nil, nil, false, errSFrame
	}
	ret, out = alias.SliceForAppend(dst, n)
	inPlace = alias.AnyOverlap(out, pkt)
	if !inPlace {
		sfcore.CopyMeta(out, pkt[:layout.payloadOff]) // the RTP header
	} else if &out[0] != &pkt[0] {
		panic("e2ee: invalid buffer overlap")
	}
	return ret, out, inPlace, nil
}

// openLocked checks ctr against rk's replay window and, if fresh,
// authenticates and decrypts the SFrame ciphertext of pkt into out (from
// openOutput). It records nothing: the caller accepts the counter
// (acceptLocked) only when it returns nil, so a forged packet never moves
// the window, and a replay costs no decryption. rk.mu must be held: it
// also guards rk.scratch.
func (rk *recvKey) openLocked(out, pkt []byte, layout rtpLayout, ctr uint64, hlen int, inPlace bool) error {
	if err := replayError(rk.replay.Check(ctr)); err != nil {
		return err
	}
	sf, sfOut := pkt[layout.payloadOff:], out[layout.payloadOff:]
	if layout.metaEnd == rtpFixedHeaderSize && hlen <= sfcore.ShortHeaderSize && len(sf) >= sfcore.ShortHeaderSize {
		// The common packet: the AEAD called here (rtp.go of package
		// sfcore). In place, the plaintext is decrypted where the
		// ciphertext lies, then moved down over the SFrame header.
		aead, nonce, aad := rk.key.PrepareRTP(&rk.scratch, sf, (*[rtpFixedHeaderSize]byte)(pkt), ctr, hlen)
		ptOut := sfOut[:0]
		if inPlace {
			ptOut = sf[hlen:hlen]
		}
		pt, err := aead.Open(ptOut, nonce, sf[hlen:], aad)
		if err != nil {
			return ErrAuth
		}
		if inPlace {
			copy(sfOut, pt)
		}
		return nil
	}
	if rk.key.Open(&rk.scratch, sfOut, sf, pkt[:layout.metaEnd], ctr) != nil {
		return ErrAuth
	}
	return nil
}
