package sfcore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"encoding/binary"
	"fmt"
)

// Key derivation labels (RFC 9605, Section 4.4.2). Each is followed by the
// KID (8 bytes, big-endian) and the cipher suite (2 bytes, big-endian).
const (
	labelKey  = "SFrame 1.0 Secret key "
	labelSalt = "SFrame 1.0 Secret salt "
)

// Key is one SFrame key: the AEAD holding sframe_key, sframe_salt, and the
// KID it is bound to (RFC 9605, Section 4.4.2).
//
// A Key is immutable once made and safe for concurrent use; the Scratch
// passed to Seal and Open is the caller's to serialize. It keeps no
// counters: the caller never seals twice with one CTR and does its own
// replay checking.
type Key struct {
	aead   cipher.AEAD
	saltHi uint32 // sframe_salt[0:4], big-endian
	saltLo uint64 // sframe_salt[4:12], big-endian
	kid    uint64
	kn     int // FieldSize(kid): bytes the KID takes after the config byte
	nt     int // tag size in bytes
}

// NewKey derives sframe_key and sframe_salt for kid from baseKey under the
// suite with code point suite, according to RFC 9605, Section 4.4.2:
//
//	sframe_secret = HKDF-Extract("", base_key)
//	sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  ‖ KID ‖ suite, Nk)
//	sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " ‖ KID ‖ suite, Nn)
//
// baseKey may have any non-zero length; it is not retained. Errors wrap
// ErrUnsupportedSuite or ErrEmptyBaseKey, or come from crypto/hkdf.
func NewKey(suite uint16, kid uint64, baseKey []byte) (Key, error) {
	p, ok := SuiteParams(suite)
	if !ok {
		return Key{}, fmt.Errorf("%w: 0x%04x", ErrUnsupportedSuite, suite)
	}
	if len(baseKey) == 0 {
		return Key{}, ErrEmptyBaseKey
	}
	key, salt, err := DeriveKeySalt(suite, kid, baseKey)
	if err != nil {
		return Key{}, err
	}
	defer clear(key) // best-effort: the AEAD keeps its own expanded copy
	defer clear(salt)
	var aead cipher.AEAD
	if p.GCM {
		block, err := aes.NewCipher(key)
		if err != nil {
			return Key{}, fmt.Errorf("sframe: %w", err)
		}
		if aead, err = cipher.NewGCM(block); err != nil {
			return Key{}, fmt.Errorf("sframe: %w", err)
		}
	} else if aead, err = newCTRHMAC(key, p.Nka, p.Nt, p.Hash); err != nil {
		return Key{}, fmt.Errorf("sframe: %w", err)
	}
	return Key{
		aead:   aead,
		saltHi: binary.BigEndian.Uint32(salt[0:]),
		saltLo: binary.BigEndian.Uint64(salt[4:NonceSize]),
		kid:    kid,
		kn:     FieldSize(kid),
		nt:     p.Nt,
	}, nil
}

// DeriveKeySalt implements derive_key_salt of RFC 9605, Section 4.4.2 for a
// supported suite: sframe_key (Nk bytes) and sframe_salt (Nn bytes). The
// caller erases them.
func DeriveKeySalt(suite uint16, kid uint64, baseKey []byte) (key, salt []byte, err error) {
	p, ok := SuiteParams(suite)
	if !ok {
		return nil, nil, fmt.Errorf("%w: 0x%04x", ErrUnsupportedSuite, suite)
	}
	secret, err := hkdf.Extract(p.Hash, baseKey, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("sframe: key derivation: %w", err)
	}
	defer clear(secret)
	if key, err = hkdf.Expand(p.Hash, secret, derivationLabel(labelKey, kid, suite), p.Nk); err != nil {
		return nil, nil, fmt.Errorf("sframe: key derivation: %w", err)
	}
	if salt, err = hkdf.Expand(p.Hash, secret, derivationLabel(labelSalt, kid, suite), p.Nn); err != nil {
		clear(key)
		return nil, nil, fmt.Errorf("sframe: key derivation: %w", err)
	}
	return key, salt, nil
}

// derivationLabel returns prefix ‖ KID (8 bytes, big-endian) ‖ cipher suite
// (2 bytes, big-endian).
func derivationLabel(prefix string, kid uint64, suite uint16) string {
	b := make([]byte, 0, len(prefix)+10)
	b = append(b, prefix...)
	b = binary.BigEndian.AppendUint64(b, kid)
	b = binary.BigEndian.AppendUint16(b, suite)
	return string(b)
}

// KID returns the key ID the key is bound to.
func (k *Key) KID() uint64 { return k.kid }

// TagSize returns Nt, the size of the tag in bytes.
func (k *Key) TagSize() int { return k.nt }

// Overhead returns the number of bytes Seal adds to a plaintext with counter
// ctr: the encoded header (1 to MaxHeaderSize bytes) plus the tag.
func (k *Key) Overhead(ctr uint64) int { return 1 + k.kn + FieldSize(ctr) + k.nt }

// putNonce writes the nonce for ctr: sframe_salt XOR
// encode_big_endian(CTR, Nn) (RFC 9605, Section 4.4.3). With Nn = 12 the CTR
// only touches the last 8 bytes.
func (k *Key) putNonce(nonce *[NonceSize]byte, ctr uint64) {
	binary.BigEndian.PutUint32(nonce[0:], k.saltHi)
	binary.BigEndian.PutUint64(nonce[4:], k.saltLo^ctr)
}

// Seal encrypts and authenticates plaintext with counter ctr, binding
// metadata, and writes header ‖ ciphertext ‖ tag to out, according to
// RFC 9605, Section 4.4.3:
//
//	nonce = sframe_salt XOR encode_big_endian(CTR, Nn)
//	aad   = header ‖ metadata
//
// It builds the nonce and AAD in s. out must hold exactly
// k.Overhead(ctr) + len(plaintext) bytes and either start at &plaintext[0]
// (in place: the plaintext is moved up past the header) or not overlap
// plaintext; the AEAD panics on any other overlap. metadata may overlap
// anything. It does not allocate when the AEAD is AES-GCM.
func (k *Key) Seal(s *Scratch, out []byte, ctr uint64, metadata, plaintext []byte) {
	cn := FieldSize(ctr)
	hlen := 1 + k.kn + cn
	// The nonce and AAD first: metadata may lie in out.
	k.putNonce(&s.nonce, ctr)
	aad := s.aadBuf(hlen + len(metadata))
	Header{KID: k.kid, CTR: ctr}.Put(aad, k.kn, cn)
	CopyMeta(aad[hlen:], metadata)
	pt := plaintext
	if len(pt) > 0 && &out[0] == &pt[0] {
		pt = out[hlen : hlen+len(plaintext)]
		copy(pt, plaintext) // up past the header
		copy(out[:hlen], aad)
	} else {
		// Encoded again rather than copied from aad: an 8-byte load of
		// the bytes just stored there would wait for the stores.
		Header{KID: k.kid, CTR: ctr}.Put(out, k.kn, cn) // the bytes after it are sealed over
	}
	k.aead.Seal(out[:hlen], s.nonce[:], pt, aad)
}

// Open authenticates and decrypts sf, an SFrame ciphertext whose header
// encodes k's KID and ctr (as ParseHeader returned them; the caller has
// checked the KID), with metadata, and writes the plaintext to out,
// according to RFC 9605, Section 4.4.4. It builds the nonce and AAD in s.
//
// out must hold exactly len(sf) - k.Overhead(ctr) bytes (else ErrMalformed)
// and either start at &sf[0] (in place: the plaintext is decrypted where the
// ciphertext lies, then moved down over the header) or not overlap sf; the
// AEAD panics on any other overlap. It returns ErrAuth if authentication
// fails; out may then have been overwritten. It does not allocate when the
// AEAD is AES-GCM.
func (k *Key) Open(s *Scratch, out, sf, metadata []byte, ctr uint64) error {
	// ParseHeader accepts only the minimal encoding, so the header is
	// hlen bytes long, and its bytes are exactly the encoding of KID and
	// CTR.
	hlen := 1 + k.kn + FieldSize(ctr)
	if len(sf)-hlen-k.nt != len(out) {
		return ErrMalformed
	}
	k.putNonce(&s.nonce, ctr)
	aad := s.aadBuf(hlen + len(metadata))
	copyHeader(aad, sf, hlen) // the bytes after it are overwritten next
	CopyMeta(aad[hlen:], metadata)
	ct := sf[hlen:]
	if len(out) > 0 && &out[0] == &sf[0] {
		pt, err := k.aead.Open(ct[:0], s.nonce[:], ct, aad)
		if err != nil {
			return ErrAuth
		}
		copy(out, pt)
		return nil
	}
	if _, err := k.aead.Open(out[:0], s.nonce[:], ct, aad); err != nil {
		return ErrAuth
	}
	return nil
}
