package sframe

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/callseal/callseal/e2ee/internal/alias"
)

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
	nn    int // nonce (= salt) size in bytes, MaxSaltSize for every suite
	nt    int // tag size in bytes
	// sframe_salt as two big-endian words, so that the nonce of Section
	// 4.4.3 is two stores and one XOR: salt[0:4] and salt[4:12].
	saltHi uint32
	saltLo uint64
	aead   cipher.AEAD
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
	k := &Key{suite: suite, kid: kid, nn: p.nn, nt: p.nt,
		saltHi: binary.BigEndian.Uint32(salt[0:]), saltLo: binary.BigEndian.Uint64(salt[4:])}
	clear(salt)
	if p.gcm {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("sframe: %w", err)
		}
		if k.aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("sframe: %w", err)
		}
	} else {
		if k.aead, err = newCTRHMAC(key, p.nt, p.hash); err != nil {
			return nil, fmt.Errorf("sframe: %w", err)
		}
	}
	return k, nil
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
	return Header{KID: k.kid, CTR: ctr}.Size() + k.nt
}

// scratch holds the per-call nonce and AAD off the stack: slices passed to
// the cipher.AEAD interface escape, so stack arrays would be heap-allocated
// on every call. Pooled, they cost nothing in the steady state.
type scratch struct {
	nonce [MaxSaltSize]byte
	aad   []byte
}

// maxPooledAAD bounds the AAD buffer a pooled scratch keeps, in bytes.
const maxPooledAAD = 4096

var scratchPool = sync.Pool{New: func() any { return &scratch{aad: make([]byte, 0, 256)} }}

func putScratch(s *scratch) {
	if cap(s.aad) > maxPooledAAD {
		s.aad = make([]byte, 0, 256)
	}
	scratchPool.Put(s)
}

// prepare fills s with the nonce for ctr and aad = header ‖ metadata
// (RFC 9605, Section 4.4.3). The encoded header is s.aad[:h.Size()].
func (k *Key) prepare(s *scratch, h Header, metadata []byte) {
	// nonce = sframe_salt XOR encode_big_endian(CTR, Nn); with Nn = 12 the
	// CTR only touches the last 8 bytes.
	binary.BigEndian.PutUint32(s.nonce[0:], k.saltHi)
	binary.BigEndian.PutUint64(s.nonce[4:], k.saltLo^h.CTR)
	hlen := h.Size()
	s.growAAD(hlen + len(metadata))
	h.put(s.aad)
	copy(s.aad[hlen:], metadata)
}

// prepareAAD is prepare for a header already encoded: Open's.
func (k *Key) prepareAAD(s *scratch, ctr uint64, header, metadata []byte) {
	binary.BigEndian.PutUint32(s.nonce[0:], k.saltHi)
	binary.BigEndian.PutUint64(s.nonce[4:], k.saltLo^ctr)
	s.growAAD(len(header) + len(metadata))
	copy(s.aad, header)
	copy(s.aad[len(header):], metadata)
}

// growAAD sets len(s.aad) to n.
func (s *scratch) growAAD(n int) {
	if cap(s.aad) < n {
		s.aad = make([]byte, n) // only for metadata beyond the pooled capacity
	}
	s.aad = s.aad[:n]
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
	h := Header{KID: k.kid, CTR: ctr}
	hlen := h.Size()
	ret, out := alias.SliceForAppend(dst, hlen+len(plaintext)+k.nt)
	if alias.InexactOverlap(out, plaintext) {
		panic("sframe: invalid buffer overlap")
	}
	s := scratchPool.Get().(*scratch)
	k.prepare(s, h, metadata) // copies metadata before out is written
	pt := plaintext
	if alias.AnyOverlap(out, plaintext) {
		// In place: out starts where plaintext starts. Shift the
		// plaintext past the header, then seal it where it lies.
		pt = out[hlen : hlen+len(plaintext)]
		copy(pt, plaintext)
	}
	copy(out, s.aad[:hlen]) // the encoded header
	k.aead.Seal(out[:hlen], s.nonce[:], pt, s.aad)
	putScratch(s)
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
	if h.KID != k.kid {
		return nil, h, ErrUnknownKey
	}
	ct := sframeCiphertext[hlen:]
	if len(ct) < k.nt {
		return nil, h, ErrMalformed
	}
	ret, out := alias.SliceForAppend(dst, len(ct)-k.nt)
	if alias.InexactOverlap(out, sframeCiphertext) {
		panic("sframe: invalid buffer overlap")
	}
	s := scratchPool.Get().(*scratch)
	// ParseHeader accepts only the minimal encoding, so the header bytes
	// are exactly the encoding of h.
	k.prepareAAD(s, h.CTR, sframeCiphertext[:hlen], metadata)
	if alias.AnyOverlap(out, sframeCiphertext) {
		// In place: decrypt where the ciphertext lies, then move the
		// plaintext down over the header.
		pt, err := k.aead.Open(ct[:0], s.nonce[:], ct, s.aad)
		putScratch(s)
		if err != nil {
			return nil, h, ErrAuth
		}
		copy(out, pt)
		return ret, h, nil
	}
	_, err = k.aead.Open(out[:0], s.nonce[:], ct, s.aad)
	putScratch(s)
	if err != nil {
		return nil, h, ErrAuth
	}
	return ret, h, nil
}
