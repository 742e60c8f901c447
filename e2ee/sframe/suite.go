package sframe

import (
	"fmt"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
)

// CipherSuite is an SFrame cipher suite: an AEAD and the hash used by HKDF
// for key derivation. Its value is the 2-byte code point from the IANA
// "SFrame Cipher Suites" registry (RFC 9605, Sections 4.5 and 8.1), which is
// also bound into the key derivation labels (Section 4.4.2).
type CipherSuite uint16

// The cipher suites of RFC 9605, Section 8.1. All five are supported.
const (
	// AES_128_CTR_HMAC_SHA256_80 is AES-128-CTR with HMAC-SHA256 truncated
	// to 80 bits (RFC 9605, Section 4.5.1).
	AES_128_CTR_HMAC_SHA256_80 CipherSuite = sfcore.SuiteAES128CTRHMACSHA256_80 // 0x0001
	// AES_128_CTR_HMAC_SHA256_64 is AES-128-CTR with HMAC-SHA256 truncated
	// to 64 bits (RFC 9605, Section 4.5.1).
	AES_128_CTR_HMAC_SHA256_64 CipherSuite = sfcore.SuiteAES128CTRHMACSHA256_64 // 0x0002
	// AES_128_CTR_HMAC_SHA256_32 is AES-128-CTR with HMAC-SHA256 truncated
	// to 32 bits (RFC 9605, Section 4.5.1).
	AES_128_CTR_HMAC_SHA256_32 CipherSuite = sfcore.SuiteAES128CTRHMACSHA256_32 // 0x0003
	// AES_128_GCM_SHA256_128 is AES-128-GCM with a 128-bit tag and
	// HKDF-SHA256. The e2ee package's default.
	AES_128_GCM_SHA256_128 CipherSuite = sfcore.SuiteAES128GCMSHA256_128 // 0x0004
	// AES_256_GCM_SHA512_128 is AES-256-GCM with a 128-bit tag and
	// HKDF-SHA512.
	AES_256_GCM_SHA512_128 CipherSuite = sfcore.SuiteAES256GCMSHA512_128 // 0x0005
)

// The AES-256-CTR-HMAC-SHA512 suites of the IANA "SFrame Cipher Suites"
// registry (draft-barnes-sframe-iana-256): the AEAD of RFC 9605, Section
// 4.5.1 with a 32-byte AES key, HMAC-SHA512 and HKDF-SHA512 (Nh = 64,
// Nka = 32, Nk = 96, Nn = 12 bytes). All three are supported.
const (
	// AES_256_CTR_HMAC_SHA512_80 is AES-256-CTR with HMAC-SHA512
	// truncated to 80 bits.
	AES_256_CTR_HMAC_SHA512_80 CipherSuite = sfcore.SuiteAES256CTRHMACSHA512_80 // 0x0006
	// AES_256_CTR_HMAC_SHA512_64 is AES-256-CTR with HMAC-SHA512
	// truncated to 64 bits.
	AES_256_CTR_HMAC_SHA512_64 CipherSuite = sfcore.SuiteAES256CTRHMACSHA512_64 // 0x0007
	// AES_256_CTR_HMAC_SHA512_32 is AES-256-CTR with HMAC-SHA512
	// truncated to 32 bits.
	AES_256_CTR_HMAC_SHA512_32 CipherSuite = sfcore.SuiteAES256CTRHMACSHA512_32 // 0x0008
)

// Size limits over all supported suites, in bytes.
const (
	MaxKeySize  = sfcore.MaxKeySize  // bytes, Nk of suites 6-8: 96 (32-byte AES key ‖ 64-byte HMAC key)
	MaxSaltSize = sfcore.NonceSize   // bytes, Nn of every suite: 12
	MaxTagSize  = 16                 // bytes, Nt of the AES-GCM suites
	MaxHashSize = sfcore.MaxHashSize // bytes, Nh of SHA-512: 64
)

func (s CipherSuite) params() (sfcore.Params, bool) { return sfcore.SuiteParams(uint16(s)) }

// Supported reports whether this package implements the suite.
func (s CipherSuite) Supported() bool {
	_, ok := s.params()
	return ok
}

// KeySize returns Nk, the size in bytes of the derived sframe_key (for the
// AES-CTR-HMAC suites: the AES key followed by the HMAC key), or 0 for an
// unsupported suite.
func (s CipherSuite) KeySize() int { p, _ := s.params(); return p.Nk }

// SaltSize returns Nn, the size in bytes of the derived sframe_salt and of
// the AEAD nonce, or 0 for an unsupported suite.
func (s CipherSuite) SaltSize() int { p, _ := s.params(); return p.Nn }

// TagSize returns Nt, the size in bytes of the authentication tag Seal
// appends, or 0 for an unsupported suite.
func (s CipherSuite) TagSize() int { p, _ := s.params(); return p.Nt }

// HashSize returns Nh, the output size in bytes of the suite's hash, or 0 for
// an unsupported suite.
func (s CipherSuite) HashSize() int { p, _ := s.params(); return p.Nh }

// String returns the registry name of the suite, or CipherSuite(0x....) for
// an unknown value.
func (s CipherSuite) String() string {
	switch s {
	case AES_128_CTR_HMAC_SHA256_80:
		return "AES_128_CTR_HMAC_SHA256_80"
	case AES_128_CTR_HMAC_SHA256_64:
		return "AES_128_CTR_HMAC_SHA256_64"
	case AES_128_CTR_HMAC_SHA256_32:
		return "AES_128_CTR_HMAC_SHA256_32"
	case AES_128_GCM_SHA256_128:
		return "AES_128_GCM_SHA256_128"
	case AES_256_GCM_SHA512_128:
		return "AES_256_GCM_SHA512_128"
	case AES_256_CTR_HMAC_SHA512_80:
		return "AES_256_CTR_HMAC_SHA512_80"
	case AES_256_CTR_HMAC_SHA512_64:
		return "AES_256_CTR_HMAC_SHA512_64"
	case AES_256_CTR_HMAC_SHA512_32:
		return "AES_256_CTR_HMAC_SHA512_32"
	}
	return fmt.Sprintf("CipherSuite(0x%04x)", uint16(s))
}
