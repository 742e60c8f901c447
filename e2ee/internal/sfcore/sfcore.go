// Package sfcore is the per-packet core that packages sframe and e2ee share:
// a key's AEAD and salt, the nonce, the AAD, and the decryption of an SFrame
// ciphertext into a caller's buffer (RFC 9605, Sections 4.4.3 and 4.4.4).
//
// It exists so that e2ee can keep a copy of a key's Parts inside its receive
// key, beside the replay window and the nonce and AAD buffers that Open
// touches for every packet. Reaching them through the sframe.Key instead,
// one pointer further, measured 0.02 more of the e2ee/raw AES-GCM Open ratio
// at 1200 B (e2ee/BENCHMARKS.md, "The per-packet path"). The Parts are not
// part of sframe's API: with them a caller could seal under nonces of its
// own choosing.
package sfcore

import (
	"crypto/cipher"
	"encoding/binary"
	"math/bits"
)

// NonceSize is the AEAD nonce size in bytes of every RFC 9605 cipher suite
// (Nn, Section 4.5).
const NonceSize = 12 // bytes

// rtpHeaderSize is the size in bytes of an RTP fixed header without CSRCs
// (RFC 3550, Section 5.1): the SFrame metadata of most RTP packets.
const rtpHeaderSize = 12 // bytes

// FastHeaderSize is the longest SFrame header in bytes that
// CopySFrameHeader copies with one 8-byte move: a config byte with a KID and
// a CTR of up to 7 bytes together.
const FastHeaderSize = 8 // bytes

// Config byte layout (RFC 9605, Section 4.3):
//
//	 0 1 2 3 4 5 6 7
//	+-+-+-+-+-+-+-+-+
//	|X|  K  |Y|  C  |
//	+-+-+-+-+-+-+-+-+
const (
	FlagX       = 0x80 // extended KID: K is the KID length in bytes minus one
	FlagY       = 0x08 // extended CTR: C is the CTR length in bytes minus one
	inlineLimit = 8    // values 0..7 are carried in K or C directly
)

// FieldSize returns the number of bytes a KID or CTR of value v takes after
// the config byte (RFC 9605, Section 4.3): 0 for 0..7, else the minimum
// big-endian length, 1 to 8.
func FieldSize(v uint64) int {
	if v < inlineLimit {
		return 0
	}
	return (bits.Len64(v) + 7) / 8
}

// ConfigByte returns the config byte of the SFrame header of kid and ctr
// (RFC 9605, Section 4.3), for kn = FieldSize(kid) and cn = FieldSize(ctr):
// a value below 8 in its K or C bits, else the X or Y flag and the field's
// length in bytes minus one.
func ConfigByte(kid, ctr uint64, kn, cn int) byte {
	cfg := byte(kid) << 4
	if kn > 0 {
		cfg = FlagX | byte(kn-1)<<4
	}
	if cn == 0 {
		return cfg | byte(ctr)
	}
	return cfg | FlagY | byte(cn-1)
}

// EncodeHeader returns the SFrame header of kid and ctr (RFC 9605, Section
// 4.3) in the first 1+kn+cn bytes of an 8-byte array, for kn = FieldSize(kid)
// and cn = FieldSize(ctr) with 1+kn+cn ≤ FastHeaderSize; the bytes after it
// are zero. It builds the header in one 64-bit word, without loops: the
// config byte, then the KID's kn bytes, then the CTR's cn bytes.
func EncodeHeader(kid, ctr uint64, kn, cn int) [FastHeaderSize]byte {
	body := ctr & (1<<(8*uint(cn)) - 1)                   // 0 when the CTR is in the config byte
	body |= kid & (1<<(8*uint(kn)) - 1) << (8 * uint(cn)) // likewise the KID
	var h [FastHeaderSize]byte
	binary.BigEndian.PutUint64(h[:], uint64(ConfigByte(kid, ctr, kn, cn))<<56|body<<(8*uint(FastHeaderSize-1-kn-cn)))
	return h
}

// Parts are what an SFrame key needs per packet once sframe_key and
// sframe_salt are derived (RFC 9605, Section 4.4.2): the AEAD holding
// sframe_key, and sframe_salt as two big-endian words, so that a nonce is
// two stores and one XOR.
//
// Parts are immutable once made and safe for concurrent use; the buffers
// passed to their methods are the caller's to serialize.
type Parts struct {
	AEAD   cipher.AEAD
	SaltHi uint32 // sframe_salt[0:4], big-endian
	SaltLo uint64 // sframe_salt[4:12], big-endian
}

// NewParts returns the Parts of aead and the NonceSize-byte salt.
func NewParts(aead cipher.AEAD, salt []byte) Parts {
	return Parts{AEAD: aead, SaltHi: binary.BigEndian.Uint32(salt[0:]), SaltLo: binary.BigEndian.Uint64(salt[4:NonceSize])}
}

// Of returns the Parts of k, which must be an *sframe.Key. Package sframe
// sets it when it is initialized; the parameter is untyped because sfcore
// cannot import sframe, which imports it.
var Of func(k any) Parts

// PutNonce writes the nonce for ctr: sframe_salt XOR
// encode_big_endian(CTR, Nn) (RFC 9605, Section 4.4.3). With Nn = 12 the CTR
// only touches the last 8 bytes.
func (p *Parts) PutNonce(nonce *[NonceSize]byte, ctr uint64) {
	binary.BigEndian.PutUint32(nonce[0:], p.SaltHi)
	binary.BigEndian.PutUint64(nonce[4:], p.SaltLo^ctr)
}

// Open authenticates and decrypts sf, an SFrame ciphertext whose header is
// hlen bytes and encodes ctr, with metadata, and writes the plaintext to
// out. It builds the nonce in nonce and the AAD (header ‖ metadata, RFC 9605,
// Section 4.4.3) in aadBuf, which must hold hlen+len(metadata) bytes.
//
// out must hold exactly len(sf) - hlen - tag bytes and either start at
// &sf[0] (in place: the plaintext is decrypted where the ciphertext lies,
// then moved down over the header) or not overlap sf; the AEAD panics on
// any other overlap. Open returns the AEAD's error if authentication fails;
// out may then have been overwritten. It does not allocate.
func (p *Parts) Open(nonce *[NonceSize]byte, aadBuf, out, sf, metadata []byte, ctr uint64, hlen int) error {
	p.PutNonce(nonce, ctr)
	aad := aadBuf[:hlen+len(metadata)]
	CopySFrameHeader(aad, sf, hlen)
	CopyRTPHeader(aad[hlen:], metadata)
	ct := sf[hlen:]
	if len(out) > 0 && &out[0] == &sf[0] {
		pt, err := p.AEAD.Open(ct[:0], nonce[:], ct, aad)
		if err != nil {
			return err
		}
		copy(out, pt)
		return nil
	}
	_, err := p.AEAD.Open(out[:0], nonce[:], ct, aad)
	return err
}

// CopySFrameHeader copies the hlen-byte encoded header at the start of src
// to dst, with one 8-byte move when the header fits in it and both slices
// are long enough (as they are whenever a tag follows the header and the
// metadata follows in dst), instead of a call to memmove.
func CopySFrameHeader(dst, src []byte, hlen int) {
	if hlen <= FastHeaderSize && len(src) >= FastHeaderSize && len(dst) >= FastHeaderSize {
		*(*[FastHeaderSize]byte)(dst) = [FastHeaderSize]byte(src) // bytes past hlen are overwritten next
		return
	}
	copy(dst, src[:hlen])
}

// CopyRTPHeader copies src to dst as copy does, with fixed-size moves for
// the common 12-byte RTP header (no CSRCs, no extension) instead of a call
// to memmove.
func CopyRTPHeader(dst, src []byte) {
	if len(src) == rtpHeaderSize && len(dst) >= rtpHeaderSize {
		*(*[rtpHeaderSize]byte)(dst) = [rtpHeaderSize]byte(src)
		return
	}
	copy(dst, src)
}
