package sframe

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/internal/alias"
)

func init() {
	sfcore.Of = func(k any) sfcore.Parts { return k.(*Key).p }
}

// Key derivation labels (RFC 9605, Section 4.4.2). Each is followed by the
// KID (8 bytes, big-endian) and the cipher suite (2 bytes, big-endian).
const (
	labelKey  = "SFrame 1.0 Secret key "
	labelSalt = "SFrame 1.0 Secret salt "
)

// Key is one SFrame base key, bound to a KID and a cipher suite: the derived
// sframe_key (held only inside the AEAD) and sframe_salt.
//
// A Key is immutable and safe for concurrent use by several goroutines. It
// does not track counters: the caller must never pass the same CTR to Seal
// twice (RFC 9605, Section 9.1), and must do its own replay checking on Open.
type Key struct {
	suite CipherSuite
	kid   uint64
	kn    int // sfcore.FieldSize(kid): bytes the KID takes after the config byte
	nn    int // nonce (= salt) size in bytes, MaxSaltSize for every suite
	nt    int // tag size in bytes
	// p holds the AEAD (with sframe_key) and sframe_salt.
	p sfcore.Parts
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
// implement.
func NewKey(suite CipherSuite, kid uint64, baseKey []byte) (*Key, error) {
	p, ok := suite.params()
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedSuite, suite)
	}
	if len(baseKey) == 0 {
		return nil, fmt.Errorf("sframe: empty base key")
	}
	key, salt, err := deriveKeySalt(suite, p, kid, baseKey)
	if err != nil {
		return nil, err
	}
	defer clear(key) // best-effort: the AEAD keeps its own expanded copy

	if p.nn != MaxSaltSize || len(salt) != MaxSaltSize {
		panic("sframe: internal error: nonce size is not 12 bytes")
	}
	defer clear(salt)
	var aead cipher.AEAD
	if p.gcm {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("sframe: %w", err)
		}
		if aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("sframe: %w", err)
		}
	} else {
		if aead, err = newCTRHMAC(key, p.nt, p.hash); err != nil {
			return nil, fmt.Errorf("sframe: %w", err)
		}
	}
	return &Key{suite: suite, kid: kid, kn: sfcore.FieldSize(kid), nn: p.nn, nt: p.nt, p: sfcore.NewParts(aead, salt)}, nil
}

// deriveKeySalt implements derive_key_salt of RFC 9605, Section 4.4.2.
func deriveKeySalt(suite CipherSuite, p params, kid uint64, baseKey []byte) (key, salt []byte, err error) {
	secret, err := hkdf.Extract(p.hash, baseKey, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("sframe: key derivation: %w", err)
	}
	defer clear(secret)
	if key, err = hkdf.Expand(p.hash, secret, derivationLabel(labelKey, kid, suite), p.nk); err != nil {
		return nil, nil, fmt.Errorf("sframe: key derivation: %w", err)
	}
	if salt, err = hkdf.Expand(p.hash, secret, derivationLabel(labelSalt, kid, suite), p.nn); err != nil {
		clear(key)
		return nil, nil, fmt.Errorf("sframe: key derivation: %w", err)
	}
	return key, salt, nil
}

// derivationLabel returns prefix ‖ KID (8 bytes, big-endian) ‖ cipher suite
// (2 bytes, big-endian).
func derivationLabel(prefix string, kid uint64, suite CipherSuite) string {
	b := make([]byte, 0, len(prefix)+10)
	b = append(b, prefix...)
	b = binary.BigEndian.AppendUint64(b, kid)
	b = binary.BigEndian.AppendUint16(b, uint16(suite))
	return string(b)
}

// Suite returns the key's cipher suite.
func (k *Key) Suite() CipherSuite { return k.suite }

// KID returns the key ID written into, and required in, every header.
func (k *Key) KID() uint64 { return k.kid }

// Overhead returns the number of bytes Seal adds to a plaintext with counter
// ctr: the encoded header (1 to MaxHeaderSize bytes) plus the tag.
func (k *Key) Overhead(ctr uint64) int {
	return 1 + k.kn + sfcore.FieldSize(ctr) + k.nt // Header{k.kid, ctr}.Size() + Nt
}

// Scratch is the working memory of one Seal or Open: the nonce and the AAD
// (encoded header ‖ metadata) of RFC 9605, Section 4.4.3. Slices passed
// through the cipher.AEAD interface escape, so stack arrays would be
// heap-allocated on every call: Seal and Open take a Scratch from a
// sync.Pool, and callers that already serialize their calls, for example
// per stream, can keep their own and pass it to SealWith and OpenParsed.
//
// The zero value is ready to use. A Scratch must not be used by two calls
// at the same time, and must live on the heap (a field of a long-lived
// struct) for the calls not to allocate. It is not wiped: it keeps the
// last nonce (sframe_salt XOR CTR) and AAD, never key material.
type Scratch struct {
	nonce [MaxSaltSize]byte
	aad   [scratchAADSize]byte
	ext   []byte // for an AAD longer than scratchAADSize
}

// Scratch sizes in bytes.
const (
	// scratchAADSize holds the AAD without a heap buffer when the metadata
	// is at most 79 bytes, which covers an RTP fixed header with the
	// largest CSRC list (12 + 15·4 = 72 bytes).
	scratchAADSize = MaxHeaderSize + 79 // bytes
	// maxPooledAAD bounds the AAD buffer a pooled Scratch keeps.
	maxPooledAAD = 4096 // bytes
)

var scratchPool = sync.Pool{New: func() any { return new(Scratch) }}

func putScratch(s *Scratch) {
	if cap(s.ext) > maxPooledAAD {
		s.ext = nil
	}
	scratchPool.Put(s)
}

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

// prepare fills s with the nonce for ctr and returns aad = header ‖
// metadata (RFC 9605, Section 4.4.3), whose first hlen bytes are the
// encoded header {k.kid, ctr}, with cn = sfcore.FieldSize(ctr) and
// hlen = 1 + k.kn + cn.
func (k *Key) prepare(s *Scratch, ctr uint64, cn, hlen int, metadata []byte) []byte {
	k.p.PutNonce(&s.nonce, ctr)
	aad := s.aadBuf(hlen + len(metadata))
	Header{KID: k.kid, CTR: ctr}.putSized(aad, k.kn, cn)
	sfcore.CopyRTPHeader(aad[hlen:], metadata)
	return aad
}

// Seal encrypts and authenticates plaintext with counter ctr, binding
// metadata, and appends header ‖ ciphertext ‖ tag to dst, according to
// RFC 9605, Section 4.4.3. It adds exactly k.Overhead(ctr) bytes.
//
// Never call Seal twice with the same ctr: that reuses the nonce.
//
// To reuse plaintext's storage for the output, pass plaintext[:0] as dst
// (with Overhead(ctr) bytes of spare capacity to avoid a new allocation); the
// plaintext is moved to make room for the header. Any other overlap of the
// output and plaintext panics. metadata may overlap anything.
func (k *Key) Seal(dst []byte, ctr uint64, metadata, plaintext []byte) []byte {
	return k.SealWith(nil, dst, ctr, metadata, plaintext)
}

// SealWith is Seal with the caller's scratch space s instead of one from a
// pool; s == nil takes one from the pool.
func (k *Key) SealWith(s *Scratch, dst []byte, ctr uint64, metadata, plaintext []byte) []byte {
	cn := sfcore.FieldSize(ctr)
	hlen := 1 + k.kn + cn // Header{k.kid, ctr}.Size()
	ret, out := alias.SliceForAppend(dst, hlen+len(plaintext)+k.nt)
	inPlace := alias.AnyOverlap(out, plaintext)
	if inPlace && &out[0] != &plaintext[0] {
		panic("sframe: invalid buffer overlap")
	}
	pooled := s == nil
	if pooled {
		s = scratchPool.Get().(*Scratch)
	}
	aad := k.prepare(s, ctr, cn, hlen, metadata) // copies metadata before out is written
	pt := plaintext
	if inPlace {
		// out starts where plaintext starts. Shift the plaintext past
		// the header, then seal it where it lies.
		pt = out[hlen : hlen+len(plaintext)]
		copy(pt, plaintext)
	}
	copy(out, aad[:hlen]) // the encoded header
	k.p.AEAD.Seal(out[:hlen], s.nonce[:], pt, aad)
	if pooled {
		putScratch(s)
	}
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
	ret, err := k.OpenParsed(nil, dst, sframeCiphertext, metadata, h, hlen)
	return ret, h, err
}

// OpenParsed is Open for a caller that has already parsed the header (to
// pick the key by its KID, say): h and hlen must be what
// ParseHeader(sframeCiphertext) returned. It uses the caller's scratch space
// s instead of one from a pool; s == nil takes one from the pool. Its
// errors, buffer rules and RFC 9605, Section 4.4.4 processing are Open's.
func (k *Key) OpenParsed(s *Scratch, dst, sframeCiphertext, metadata []byte, h Header, hlen int) ([]byte, error) {
	if h.KID != k.kid {
		return nil, ErrUnknownKey
	}
	if hlen < 1 || len(sframeCiphertext)-hlen < k.nt {
		return nil, ErrMalformed
	}
	ret, out := alias.SliceForAppend(dst, len(sframeCiphertext)-hlen-k.nt)
	if alias.AnyOverlap(out, sframeCiphertext) && &out[0] != &sframeCiphertext[0] {
		panic("sframe: invalid buffer overlap")
	}
	pooled := s == nil
	if pooled {
		s = scratchPool.Get().(*Scratch)
	}
	err := k.OpenTo(s, out, sframeCiphertext, metadata, h, hlen)
	if pooled {
		putScratch(s)
	}
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// OpenTo is OpenParsed for a caller that has laid out the output itself, as
// an SFrame-over-RTP receiver does: it writes the plaintext to out instead
// of appending it. out must hold exactly len(sframeCiphertext) - hlen - tag
// bytes (else ErrMalformed) and either start at &sframeCiphertext[0] (in
// place: the plaintext is decrypted where the ciphertext lies, then moved
// down over the header) or not overlap sframeCiphertext; the AEAD panics on
// any other overlap. s must not be nil. Errors are OpenParsed's; on error
// out may have been overwritten.
func (k *Key) OpenTo(s *Scratch, out, sframeCiphertext, metadata []byte, h Header, hlen int) error {
	if h.KID != k.kid {
		return ErrUnknownKey
	}
	if hlen < 1 || len(sframeCiphertext)-hlen-k.nt != len(out) {
		return ErrMalformed
	}
	// ParseHeader accepts only the minimal encoding, so the header bytes
	// are exactly the encoding of h, and the AAD is header ‖ metadata.
	if k.p.Open(&s.nonce, s.aadBuf(hlen+len(metadata)), out, sframeCiphertext, metadata, h.CTR, hlen) != nil {
		return ErrAuth
	}
	return nil
}
