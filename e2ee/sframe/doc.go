// Package sframe implements Secure Frame (SFrame), RFC 9605: the header
// codec, key and salt derivation, and authenticated encryption of one media
// frame (or, in package e2ee, one RTP payload) under a base key.
//
// # Wire format
//
// An SFrame ciphertext is
//
//	header (1-17 bytes) ‖ ciphertext (len(plaintext) bytes) ‖ tag (Nt bytes)
//
// where the header (Section 4.3) is a config byte |X|K|Y|C| followed by the
// KID and the CTR, each carried in the config byte when it is 0-7 and
// otherwise in the minimum number of big-endian bytes (1-8).
//
// # Cryptography
//
// For each (base key, KID) NewKey derives sframe_key and sframe_salt with
// HKDF (Section 4.4.2). Seal and Open (Sections 4.4.3, 4.4.4) use
//
//	nonce = sframe_salt XOR encode_big_endian(CTR, Nn)
//	aad   = header ‖ metadata
//
// so the header and the caller's metadata are authenticated but not
// encrypted. All five suites of Section 8.1 are implemented, and the three
// AES-256-CTR-HMAC-SHA512 suites the IANA "SFrame Cipher Suites" registry
// added (draft-barnes-sframe-iana-256):
//
//	suite                          Nk  Nn  Nt  hash
//	0x0001 AES_128_CTR_HMAC_SHA256_80  48  12  10  SHA-256  (Section 4.5.1)
//	0x0002 AES_128_CTR_HMAC_SHA256_64  48  12   8  SHA-256  (Section 4.5.1)
//	0x0003 AES_128_CTR_HMAC_SHA256_32  48  12   4  SHA-256  (Section 4.5.1)
//	0x0004 AES_128_GCM_SHA256_128      16  12  16  SHA-256
//	0x0005 AES_256_GCM_SHA512_128      32  12  16  SHA-512
//	0x0006 AES_256_CTR_HMAC_SHA512_80  96  12  10  SHA-512  (Section 4.5.1, 32-byte AES key)
//	0x0007 AES_256_CTR_HMAC_SHA512_64  96  12   8  SHA-512  (Section 4.5.1, 32-byte AES key)
//	0x0008 AES_256_CTR_HMAC_SHA512_32  96  12   4  SHA-512  (Section 4.5.1, 32-byte AES key)
//
// (sizes in bytes). Seal and Open of the AES-GCM suites make no heap
// allocations; the AES-CTR-HMAC suites allocate one AES-CTR stream per call.
//
// A Key never prints or logs sframe_key or sframe_salt: fmt (every verb) and log/slog (LogValue) show the suite and KID,
// and "[redacted]".
//
// # Key schedule extensions
//
// Ratchet is the sender key ratchet of Section 5.1 (base_key[i+1] from
// base_key[i]), and DeriveSSRCKey the per-SSRC key derivation of
// draft-ietf-avtcore-rtp-sframe; both are checked against test data (the
// draft's vectors, and an independent RFC 5869 computation for Ratchet).
//
// # What this package does not do
//
// It keeps no state between calls: choosing unique counters (Section 9.1),
// replay protection, key selection by KID among several keys and when to
// ratchet (Section 5) belong to the caller, in callseal to package e2ee.
//
// The implementation is checked against the test vectors of RFC 9605,
// Appendix C (sframe-wg/sframe test-vectors.json, commit 025d568), and
// suites 6-8 against sframe-wg/sframe test-vectors-aes256.json (commit
// c66e9a2).
package sframe
