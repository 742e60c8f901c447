package sframe

import (
	"fmt"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/internal/alias"
)

// Key is one SFrame base key, bound to a KID and a cipher suite: the derived
// sframe_key (held only inside the AEAD) and sframe_salt.
//
// A Key is immutable and safe for concurrent use by several goroutines. It
// does not track counters: the caller must never pass the same CTR to Seal
// twice (RFC 9605, Section 9.1), and must do its own replay checking on Open.
type Key struct {
	suite CipherSuite
	c     sfcore.Key
}

// NewKey derives the sframe_key and sframe_salt for kid from baseKey under
// suite, according to RFC 9605, Section 4.4.2:
//
//	sframe_secret = HKDF-Extract("", base_key)
//	sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  ‖ KID ‖ suite, Nk)
//	sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " ‖ KID ‖ suite, Nn)
//
// baseKey may have any non-zero length; it is not retained. NewKey returns an
// error wrapping ErrUnsupportedSuite for a suite this package does not
// implement, and ErrEmptyBaseKey for an empty baseKey.
func NewKey(suite CipherSuite, kid uint64, baseKey []byte) (*Key, error) {
	if !suite.Supported() {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedSuite, suite)
	}
	c, err := sfcore.NewKey(uint16(suite), kid, baseKey)
	if err != nil {
		return nil, err
	}
	return &Key{suite: suite, c: c}, nil
}

// Suite returns the key's cipher suite.
func (k *Key) Suite() CipherSuite { return k.suite }

// KID returns the key ID written into, and required in, every header.
func (k *Key) KID() uint64 { return k.c.KID() }

// Overhead returns the number of bytes Seal adds to a plaintext with counter
// ctr: the encoded header (1 to MaxHeaderSize bytes) plus the tag.
func (k *Key) Overhead(ctr uint64) int { return k.c.Overhead(ctr) }

// Seal encrypts and authenticates plaintext with counter ctr, binding
// metadata, and appends header ‖ ciphertext ‖ tag to dst, according to
// RFC 9605, Section 4.4.3:
//
//	nonce = sframe_salt XOR encode_big_endian(CTR, Nn)
//	aad   = header ‖ metadata
//
// It adds exactly k.Overhead(ctr) bytes.
//
// Never call Seal twice with the same ctr: that reuses the nonce.
//
// To reuse plaintext's storage for the output, pass plaintext[:0] as dst
// (with Overhead(ctr) bytes of spare capacity to avoid a new allocation); the
// plaintext is moved to make room for the header. Any other overlap of the
// output and plaintext panics. metadata may overlap anything.
func (k *Key) Seal(dst []byte, ctr uint64, metadata, plaintext []byte) []byte {
	ret, out := alias.SliceForAppend(dst, k.c.Overhead(ctr)+len(plaintext))
	if alias.AnyOverlap(out, plaintext) && &out[0] != &plaintext[0] {
		panic("sframe: invalid buffer overlap")
	}
	s := sfcore.GetScratch()
	k.c.Seal(s, out, ctr, metadata, plaintext)
	sfcore.PutScratch(s)
	return ret
}

// Open parses the SFrame header of sframeCiphertext, checks that its KID is
// k's, authenticates header ‖ metadata and the ciphertext, and appends the
// plaintext to dst, according to RFC 9605, Section 4.4.4. It returns the
// parsed header so that the caller can run its replay check on CTR.
//
// Errors: ErrMalformed (unparseable header, or shorter than the tag),
// ErrUnknownKey (KID is not k's), ErrAuth (authentication failed). On error
// the returned slice is nil.
//
// To reuse sframeCiphertext's storage for the output, pass
// sframeCiphertext[:0] as dst. Any other overlap of the output and
// sframeCiphertext panics. metadata may overlap anything. Even if Open fails,
// dst's spare capacity may have been overwritten.
func (k *Key) Open(dst, sframeCiphertext, metadata []byte) ([]byte, Header, error) {
	h, hlen, err := ParseHeader(sframeCiphertext)
	if err != nil {
		return nil, Header{}, err
	}
	if h.KID != k.c.KID() {
		return nil, h, ErrUnknownKey
	}
	n := len(sframeCiphertext) - hlen - k.c.TagSize()
	if n < 0 {
		return nil, h, ErrMalformed
	}
	ret, out := alias.SliceForAppend(dst, n)
	if alias.AnyOverlap(out, sframeCiphertext) && &out[0] != &sframeCiphertext[0] {
		panic("sframe: invalid buffer overlap")
	}
	s := sfcore.GetScratch()
	err = k.c.Open(s, out, sframeCiphertext, metadata, h.CTR)
	sfcore.PutScratch(s)
	if err != nil {
		return nil, h, err
	}
	return ret, h, nil
}
