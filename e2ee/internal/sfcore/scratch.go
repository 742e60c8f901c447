package sfcore

import "sync"

// Scratch is the working memory of one Seal or Open: the nonce and the AAD
// (encoded header ‖ metadata) of RFC 9605, Section 4.4.3. Slices passed
// through the cipher.AEAD interface escape, so stack arrays would be
// heap-allocated on every call: a Scratch lives on the heap, as a field of a
// long-lived struct or from GetScratch.
//
// The zero value is ready to use. A Scratch must not be used by two calls at
// the same time. It is not wiped: it keeps the last nonce (sframe_salt XOR
// CTR) and AAD, never key material.
type Scratch struct {
	nonce [NonceSize]byte
	aad   [inlineAADSize]byte
	ext   []byte // for an AAD longer than inlineAADSize
}

// Scratch sizes in bytes.
const (
	// inlineAADSize holds the AAD without a heap buffer when the metadata
	// is at most 79 bytes, which covers an RTP fixed header with the
	// largest CSRC list (12 + 15·4 = 72 bytes).
	inlineAADSize = MaxHeaderSize + 79 // bytes
	// maxPooledAAD bounds the AAD buffer a pooled Scratch keeps.
	maxPooledAAD = 4096 // bytes
)

// aadBuf returns an n-byte AAD buffer.
func (s *Scratch) aadBuf(n int) []byte {
	if n <= len(s.aad) {
		return s.aad[:n]
	}
	if cap(s.ext) < n {
		s.ext = make([]byte, n) // only for metadata beyond the inline capacity
	}
	return s.ext[:n]
}

var scratchPool = sync.Pool{New: func() any { return new(Scratch) }}

// GetScratch returns a Scratch from a pool; PutScratch returns it.
func GetScratch() *Scratch { return scratchPool.Get().(*Scratch) }

// PutScratch returns s, from GetScratch, to the pool.
func PutScratch(s *Scratch) {
	if cap(s.ext) > maxPooledAAD {
		s.ext = nil
	}
	scratchPool.Put(s)
}

// CopyMeta copies src to dst as copy does, with one fixed-size move instead
// of a call to memmove when src is rtpHeaderSize bytes long.
func CopyMeta(dst, src []byte) {
	if len(src) == rtpHeaderSize && len(dst) >= rtpHeaderSize {
		*(*[rtpHeaderSize]byte)(dst) = [rtpHeaderSize]byte(src)
		return
	}
	copy(dst, src)
}

// copyHeader copies the hlen-byte encoded SFrame header at the start of src
// to dst, with one 8-byte move instead of a call to memmove when the header
// fits in it and both slices are at least 8 bytes long (as they are when a
// tag follows the header, or metadata follows it in the AAD). The bytes of
// dst after the header may be overwritten.
func copyHeader(dst, src []byte, hlen int) {
	if hlen <= 8 && len(src) >= 8 && len(dst) >= 8 {
		*(*[8]byte)(dst) = [8]byte(src)
		return
	}
	copy(dst, src[:hlen])
}
