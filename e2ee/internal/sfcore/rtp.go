package sfcore

import "crypto/cipher"

// The special case of Open for the common SFrame-over-RTP packet, for
// package e2ee: metadata that is an RTP fixed header without CSRCs (12
// bytes, RFC 3550, Section 5.1) and an SFrame header of at most 8 bytes. Its
// nonce and AAD are built here by fixed-size moves, in a function small
// enough to be inlined, and the caller calls the AEAD itself: one call level
// fewer than Open, which measured 0.04 of the e2ee/raw AES-GCM Open ratio at
// 160 B (e2ee/BENCHMARKS.md, "The special case of Open").

// rtpHeaderSize is the size in bytes of an RTP fixed header without CSRCs
// (RFC 3550, Section 5.1): the SFrame metadata of most RTP packets.
const rtpHeaderSize = 12 // bytes

// ShortHeaderSize is the longest SFrame header in bytes that PrepareRTP
// takes: a config byte with a KID and a CTR of up to 7 bytes together. Every
// header e2ee seals is at most 5 bytes.
const ShortHeaderSize = 8 // bytes

// PrepareRTP builds in s the nonce and AAD (RFC 9605, Section 4.4.3) of sf,
// an SFrame ciphertext of at least 8 bytes whose header of hlen ≤
// ShortHeaderSize bytes encodes k's KID and ctr, with rtpHeader as
// metadata, and returns them with the AEAD, for the caller to call
// aead.Open(dst, nonce, sf[hlen:], aad): what Open does, for this shape of
// packet, without a call level between the caller and the AEAD.
func (k *Key) PrepareRTP(s *Scratch, sf []byte, rtpHeader *[rtpHeaderSize]byte, ctr uint64, hlen int) (aead cipher.AEAD, nonce, aad []byte) {
	k.putNonce(&s.nonce, ctr)
	*(*[ShortHeaderSize]byte)(s.aad[:]) = [ShortHeaderSize]byte(sf) // bytes past hlen are overwritten next
	*(*[rtpHeaderSize]byte)(s.aad[hlen:]) = *rtpHeader
	return k.aead, s.nonce[:], s.aad[:hlen+rtpHeaderSize]
}
