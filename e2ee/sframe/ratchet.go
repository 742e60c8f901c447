package sframe

import (
	"crypto/hkdf"
	"encoding/binary"
	"fmt"
)

// Labels of the key schedule steps outside Section 4.4.2.
const (
	// labelRatchet is the HKDF-Expand info of the sender key ratchet
	// (RFC 9605, Section 5.1).
	labelRatchet = "SFrame 1.0 Ratchet"
	// labelRTPStream is the HKDF-Expand info of the per-SSRC key
	// derivation of draft-ietf-avtcore-rtp-sframe ("SFrame SDP RTP Key
	// Management").
	labelRTPStream = "SFrame 1.0 RTP Stream"
)

// Ratchet returns the next base key of a sender key ratchet, according to
// RFC 9605, Section 5.1:
//
//	base_key[i+1] = HKDF-Expand(HKDF-Extract("", base_key[i]), "SFrame 1.0 Ratchet", CipherSuite.Nh)
//
// with the suite's hash, so the result is Nh (HashSize) bytes. The ratchet
// is one-way: base_key[i] cannot be computed from base_key[i+1], which is
// what gives forward secrecy once the caller erases base_key[i]. baseKey is
// neither modified nor retained.
func Ratchet(suite CipherSuite, baseKey []byte) ([]byte, error) {
	p, ok := suite.params()
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedSuite, suite)
	}
	if len(baseKey) == 0 {
		return nil, ErrEmptyBaseKey
	}
	prk, err := hkdf.Extract(p.Hash, baseKey, nil)
	if err != nil {
		return nil, fmt.Errorf("sframe: ratchet: %w", err)
	}
	defer clear(prk)
	next, err := hkdf.Expand(p.Hash, prk, labelRatchet, p.Nh)
	if err != nil {
		return nil, fmt.Errorf("sframe: ratchet: %w", err)
	}
	return next, nil
}

// DeriveSSRCKey returns the per-RTP-stream key of the SSRC ssrc, according
// to draft-ietf-avtcore-rtp-sframe, Section "SFrame SDP RTP Key Management":
//
//	ssrc_key = HKDF-Expand(HKDF-Extract(SSRC, base_key), "SFrame 1.0 RTP Stream", CipherSuite.Nh)
//
// where the SSRC is encoded as 4 bytes, big-endian, and used as the
// HKDF-Extract salt. The result (Nh bytes) is the base key of that stream:
// the input to NewKey, and, if the stream's key is ratcheted, to Ratchet
// (the draft's "SFrame Ratcheting with per SSRC keys": derive once at the
// start of the session, then ratchet each stream's key on its own).
//
// The draft is not an RFC yet; the implementation is checked against its
// test vectors (commit 9542c43).
func DeriveSSRCKey(suite CipherSuite, baseKey []byte, ssrc uint32) ([]byte, error) {
	p, ok := suite.params()
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedSuite, suite)
	}
	if len(baseKey) == 0 {
		return nil, ErrEmptyBaseKey
	}
	var salt [4]byte
	binary.BigEndian.PutUint32(salt[:], ssrc)
	prk, err := hkdf.Extract(p.Hash, baseKey, salt[:])
	if err != nil {
		return nil, fmt.Errorf("sframe: SSRC key derivation: %w", err)
	}
	defer clear(prk)
	key, err := hkdf.Expand(p.Hash, prk, labelRTPStream, p.Nh)
	if err != nil {
		return nil, fmt.Errorf("sframe: SSRC key derivation: %w", err)
	}
	return key, nil
}
