package sfcore

import (
	"encoding/binary"
	"math/bits"
)

// MaxHeaderSize is the largest encoded SFrame header in bytes: the config
// byte, an 8-byte KID and an 8-byte CTR.
const MaxHeaderSize = 1 + 8 + 8 // bytes

// Config byte layout (RFC 9605, Section 4.3):
//
//	 0 1 2 3 4 5 6 7
//	+-+-+-+-+-+-+-+-+
//	|X|  K  |Y|  C  |
//	+-+-+-+-+-+-+-+-+
const (
	flagX       = 0x80 // extended KID: K is the KID length in bytes minus one
	flagY       = 0x08 // extended CTR: C is the CTR length in bytes minus one
	inlineLimit = 8    // values 0..7 are carried in K or C directly
)

// Header is a parsed SFrame header (RFC 9605, Section 4.3). Package sframe's
// Header has the same fields and converts to and from it.
type Header struct {
	KID uint64
	CTR uint64
}

// FieldSize returns the number of bytes a KID or CTR of value v takes after
// the config byte (RFC 9605, Section 4.3): 0 for 0..7, else the minimum
// big-endian length, 1 to 8.
func FieldSize(v uint64) int {
	if v < inlineLimit {
		return 0
	}
	return (bits.Len64(v) + 7) / 8
}

// Size returns the encoded size of h in bytes, 1 to MaxHeaderSize.
func (h Header) Size() int { return 1 + FieldSize(h.KID) + FieldSize(h.CTR) }

// Put writes the encoding of h (RFC 9605, Section 4.3) to b[:h.Size()], for
// kn = FieldSize(h.KID) and cn = FieldSize(h.CTR): the config byte, with a
// value 0-7 in its K or C bits and otherwise the X or Y flag and the field's
// length in bytes minus one, then the KID's kn and the CTR's cn big-endian
// bytes. b must be at least 1+kn+cn bytes long. When the header is at most
// 8 bytes and b is at least 8, it is written with one 8-byte store, and the
// bytes of b[:8] after it are overwritten with zeros.
func (h Header) Put(b []byte, kn, cn int) {
	n := 1 + kn + cn
	cfg := byte(h.KID)<<4 | byte(h.CTR)&0x07
	if kn > 0 {
		cfg = flagX | byte(kn-1)<<4 | cfg&0x0f
	}
	if cn > 0 {
		cfg = cfg&0xf0 | flagY | byte(cn-1)
	}
	if n <= 8 && len(b) >= 8 {
		// The config byte, then the KID's kn bytes, then the CTR's cn
		// bytes, in one big-endian word; a field of size 0 masks to 0.
		body := h.CTR&(1<<(8*uint(cn))-1) | h.KID&(1<<(8*uint(kn))-1)<<(8*uint(cn))
		binary.BigEndian.PutUint64(b, uint64(cfg)<<56|body<<(8*uint(8-n)))
		return
	}
	_ = b[n-1] // one bounds check
	b[0] = cfg
	putUint(b[1:1+kn], h.KID)
	putUint(b[1+kn:n], h.CTR)
}

// putUint writes v big-endian into all of b.
func putUint(b []byte, v uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// ParseHeader parses the SFrame header at the start of b and returns it with
// its encoded size in bytes. It returns ErrMalformed if b is shorter than the
// header its config byte announces, or if a KID or CTR is not encoded in the
// minimum number of bytes (RFC 9605, Section 4.3), so that every header has
// exactly one encoding and Put reproduces the parsed bytes.
func ParseHeader(b []byte) (Header, int, error) {
	if len(b) == 0 {
		return Header{}, 0, ErrMalformed
	}
	cfg := b[0]
	kid, n := uint64(cfg>>4)&0x07, 1
	if cfg&flagX != 0 {
		if kid, n = readUint(b, n, int(cfg>>4)&0x07+1); n == 0 {
			return Header{}, 0, ErrMalformed
		}
	}
	ctr := uint64(cfg & 0x07)
	if cfg&flagY != 0 {
		if ctr, n = readUint(b, n, int(cfg&0x07)+1); n == 0 {
			return Header{}, 0, ErrMalformed
		}
	}
	return Header{KID: kid, CTR: ctr}, n, nil
}

// readUint reads a minimally encoded big-endian value of size bytes at
// b[off:] and returns it with the offset after it, or 0, 0 if b is too
// short or the encoding is not minimal. Followed by at least 8 bytes (as a
// header followed by its tag is), the value is one 8-byte load shifted down
// to its size, without a loop.
func readUint(b []byte, off, size int) (uint64, int) {
	var v uint64
	switch {
	case len(b)-off >= 8:
		v = binary.BigEndian.Uint64(b[off:]) >> (64 - 8*uint(size))
	case len(b)-off >= size:
		for _, c := range b[off : off+size] {
			v = v<<8 | uint64(c)
		}
	default:
		return 0, 0
	}
	if FieldSize(v) != size {
		return 0, 0 // 0..7 in extended form, or a leading zero byte
	}
	return v, off + size
}
