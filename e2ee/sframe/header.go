package sframe

import (
	"encoding/binary"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/internal/alias"
)

// MaxHeaderSize is the largest encoded SFrame header in bytes: the config
// byte, an 8-byte KID and an 8-byte CTR.
const MaxHeaderSize = 1 + 8 + 8 // bytes

// Header is a parsed SFrame header (RFC 9605, Section 4.3): the key ID and
// the counter from which the nonce is formed. Its zero value is the 1-byte
// header 0x00.
type Header struct {
	KID uint64 // Key ID: selects the base key
	CTR uint64 // Counter: unique per encryption under one key
}

// Size returns the encoded size of h in bytes, 1 to MaxHeaderSize.
func (h Header) Size() int {
	return 1 + sfcore.FieldSize(h.KID) + sfcore.FieldSize(h.CTR)
}

// AppendTo appends the encoding of h to dst and returns the extended slice.
//
// It implements the encoding of RFC 9605, Section 4.3: a value in the range
// 0-7 is carried in the config byte; "Otherwise, the value MUST be encoded
// with the minimum number of bytes required", KID first, then CTR.
func (h Header) AppendTo(dst []byte) []byte {
	ret, out := alias.SliceForAppend(dst, h.Size())
	h.put(out)
	return ret
}

// put writes the encoding of h to b[:h.Size()] and returns its size. b must
// be at least that long.
func (h Header) put(b []byte) int {
	return h.putSized(b, sfcore.FieldSize(h.KID), sfcore.FieldSize(h.CTR))
}

// putSized is put with the field sizes kn = sfcore.FieldSize(h.KID) and
// cn = sfcore.FieldSize(h.CTR) already known.
func (h Header) putSized(b []byte, kn, cn int) int {
	n := 1 + kn + cn
	_ = b[n-1] // one bounds check
	b[0] = sfcore.ConfigByte(h.KID, h.CTR, kn, cn)
	putUint(b[1:1+kn], h.KID)
	putUint(b[1+kn:n], h.CTR)
	return n
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
// exactly one encoding and Header.AppendTo reproduces the parsed bytes.
func ParseHeader(b []byte) (Header, int, error) {
	if len(b) >= MaxHeaderSize {
		// Every header followed by a tag: each field is one 8-byte load
		// shifted down to its size, with no per-byte loop and no length
		// checks.
		cfg := b[0]
		n := 1
		var h Header
		if cfg&sfcore.FlagX == 0 {
			h.KID = uint64(cfg>>4) & 0x07
		} else {
			size := int(cfg>>4)&0x07 + 1
			h.KID = binary.BigEndian.Uint64(b[1:9]) >> (64 - 8*uint(size))
			if sfcore.FieldSize(h.KID) != size {
				return Header{}, 0, ErrMalformed
			}
			n += size
		}
		if cfg&sfcore.FlagY == 0 {
			h.CTR = uint64(cfg & 0x07)
		} else {
			size := int(cfg&0x07) + 1
			h.CTR = binary.BigEndian.Uint64(b[n:n+8]) >> (64 - 8*uint(size))
			if sfcore.FieldSize(h.CTR) != size {
				return Header{}, 0, ErrMalformed
			}
			n += size
		}
		return h, n, nil
	}
	if len(b) < 1 {
		return Header{}, 0, ErrMalformed
	}
	cfg := b[0]
	n := 1
	var h Header
	var ok bool
	if cfg&sfcore.FlagX == 0 {
		h.KID = uint64(cfg>>4) & 0x07
	} else {
		if h.KID, n, ok = readUint(b, n, int(cfg>>4)&0x07+1); !ok {
			return Header{}, 0, ErrMalformed
		}
	}
	if cfg&sfcore.FlagY == 0 {
		h.CTR = uint64(cfg & 0x07)
	} else {
		if h.CTR, n, ok = readUint(b, n, int(cfg&0x07)+1); !ok {
			return Header{}, 0, ErrMalformed
		}
	}
	return h, n, nil
}

// readUint reads a minimally encoded big-endian value of size bytes at b[off:].
func readUint(b []byte, off, size int) (uint64, int, bool) {
	if len(b)-off < size {
		return 0, 0, false
	}
	var v uint64
	for _, c := range b[off : off+size] {
		v = v<<8 | uint64(c)
	}
	if sfcore.FieldSize(v) != size {
		return 0, 0, false // 0..7 in extended form, or a leading zero byte
	}
	return v, off + size, true
}
