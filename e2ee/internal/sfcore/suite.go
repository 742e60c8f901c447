package sfcore

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// The cipher suite code points of RFC 9605, Section 8.1.
const (
	SuiteAES128CTRHMACSHA256_80 = 0x0001
	SuiteAES128CTRHMACSHA256_64 = 0x0002
	SuiteAES128CTRHMACSHA256_32 = 0x0003
	SuiteAES128GCMSHA256_128    = 0x0004
	SuiteAES256GCMSHA512_128    = 0x0005
)

// The AES-256-CTR-HMAC-SHA512 cipher suite code points of the IANA "SFrame
// Cipher Suites" registry, defined by draft-barnes-sframe-iana-256 with the
// AEAD of RFC 9605, Section 4.5.1.
const (
	SuiteAES256CTRHMACSHA512_80 = 0x0006
	SuiteAES256CTRHMACSHA512_64 = 0x0007
	SuiteAES256CTRHMACSHA512_32 = 0x0008
)

// Sizes over all suites, in bytes.
const (
	NonceSize   = 12 // bytes, Nn of every suite (the salt and the AEAD nonce)
	MaxHashSize = 64 // bytes, Nh of SHA-512
	MaxKeySize  = 96 // bytes, Nk of suites 6-8: a 32-byte AES key ‖ a 64-byte HMAC key
)

// Params are a cipher suite's parameters of RFC 9605, Section 4.5, sizes in
// bytes.
type Params struct {
	Nh, Nk, Nn, Nt int
	Nka            int              // AES key size of the AES-CTR-HMAC suites (Section 4.5.1); 0 for AES-GCM
	GCM            bool             // AES-GCM; else AES-CTR with HMAC (Section 4.5.1)
	Hash           func() hash.Hash // for HKDF, and for the HMAC of AES-CTR-HMAC
}

// SuiteParams returns the parameters of the suite with the given code point,
// and false for a suite this package does not implement.
func SuiteParams(suite uint16) (Params, bool) {
	switch suite {
	case SuiteAES128CTRHMACSHA256_80:
		return Params{Nh: 32, Nk: 48, Nka: 16, Nn: 12, Nt: 10, Hash: sha256.New}, true
	case SuiteAES128CTRHMACSHA256_64:
		return Params{Nh: 32, Nk: 48, Nka: 16, Nn: 12, Nt: 8, Hash: sha256.New}, true
	case SuiteAES128CTRHMACSHA256_32:
		return Params{Nh: 32, Nk: 48, Nka: 16, Nn: 12, Nt: 4, Hash: sha256.New}, true
	case SuiteAES128GCMSHA256_128:
		return Params{Nh: 32, Nk: 16, Nn: 12, Nt: 16, GCM: true, Hash: sha256.New}, true
	case SuiteAES256GCMSHA512_128:
		return Params{Nh: 64, Nk: 32, Nn: 12, Nt: 16, GCM: true, Hash: sha512.New}, true
	case SuiteAES256CTRHMACSHA512_80:
		return Params{Nh: 64, Nk: 96, Nka: 32, Nn: 12, Nt: 10, Hash: sha512.New}, true
	case SuiteAES256CTRHMACSHA512_64:
		return Params{Nh: 64, Nk: 96, Nka: 32, Nn: 12, Nt: 8, Hash: sha512.New}, true
	case SuiteAES256CTRHMACSHA512_32:
		return Params{Nh: 64, Nk: 96, Nka: 32, Nn: 12, Nt: 4, Hash: sha512.New}, true
	}
	return Params{}, false
}
