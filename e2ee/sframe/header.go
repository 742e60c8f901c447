package sframe

import (
	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/internal/alias"
)

// MaxHeaderSize is the largest encoded SFrame header in bytes: the config
// byte, an 8-byte KID and an 8-byte CTR.
const MaxHeaderSize = sfcore.MaxHeaderSize // bytes: 17

// Header is a parsed SFrame header (RFC 9605, Section 4.3): the key ID and
// the counter from which the nonce is formed. Its zero value is the 1-byte
// header 0x00.
type Header struct {
	KID uint64 // Key ID: selects the base key
	CTR uint64 // Counter: unique per encryption under one key
}

// Size returns the encoded size of h in bytes, 1 to MaxHeaderSize.
func (h Header) Size() int { return sfcore.Header(h).Size() }

// AppendTo appends the encoding of h to dst and returns the extended slice.
//
// It implements the encoding of RFC 9605, Section 4.3: a value in the range
// 0-7 is carried in the config byte; "Otherwise, the value MUST be encoded
// with the minimum number of bytes required", KID first, then CTR.
func (h Header) AppendTo(dst []byte) []byte {
	kn, cn := sfcore.FieldSize(h.KID), sfcore.FieldSize(h.CTR)
	ret, out := alias.SliceForAppend(dst, 1+kn+cn)
	sfcore.Header(h).Put(out, kn, cn)
	return ret
}

// ParseHeader parses the SFrame header at the start of b and returns it with
// its encoded size in bytes. It returns ErrMalformed if b is shorter than the
// header its config byte announces, or if a KID or CTR is not encoded in the
// minimum number of bytes (RFC 9605, Section 4.3), so that every header has
// exactly one encoding and Header.AppendTo reproduces the parsed bytes.
func ParseHeader(b []byte) (Header, int, error) {
	h, n, err := sfcore.ParseHeader(b)
	return Header(h), n, err
}
