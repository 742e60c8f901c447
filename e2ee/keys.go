package e2ee

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/e2ee/sframe"
)

// Key naming.
const (
	// kindBits is the number of low KID bits that carry the media kind:
	// KID = (epoch mod 2^EpochBits)<<kindBits | kind.
	kindBits = 2
	kindMask = 1<<kindBits - 1

	// BaseKeySize is the size in bytes of each per-direction, per-kind
	// SFrame base key derived from a media secret (epoch 0; the ratchet
	// then yields Nh-byte base keys, RFC 9605, Section 5.1).
	BaseKeySize = 32 // bytes

	// MinSecretSize is the smallest media secret NewSessionFromSecrets
	// accepts, in bytes.
	MinSecretSize = 16 // bytes
)

// labelBaseKey prefixes the media kind's label in the base key derivation.
const labelBaseKey = "callseal e2ee base key "

// kid returns the SFrame KID of kind in epoch: the low EpochBits bits of the
// epoch above the two kind bits.
func kid(epoch uint64, kind MediaKind) uint64 {
	return (epoch&epochMask)<<kindBits | uint64(kind)
}

// deriveBaseKey derives the epoch-0 SFrame base key of one media kind from a
// direction's media secret:
//
//	base_key = HKDF-Expand(HKDF-Extract("", secret), "callseal e2ee base key " ‖ kind, 32)
//
// with SHA-256, kind one of "audio", "video", "screenshare". Distinct labels
// give each kind an independent key with exactly one sender.
func deriveBaseKey(secret []byte, kind MediaKind) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, nil, labelBaseKey+kindLabels[kind], BaseKeySize)
}

// streamBaseKey returns the epoch-0 base key of one stream: the kind's base
// key, or with per-SSRC keys the SSRC key derived from it
// (draft-ietf-avtcore-rtp-sframe). The kind's base key is erased.
func streamBaseKey(suite sframe.CipherSuite, secret []byte, kind MediaKind, ssrc uint32, perSSRC bool) ([]byte, error) {
	base, err := deriveBaseKey(secret, kind)
	if err != nil {
		return nil, fmt.Errorf("e2ee: base key: %w", err)
	}
	if !perSSRC {
		return base, nil
	}
	defer clear(base)
	k, err := sframe.DeriveSSRCKey(suite, base, ssrc)
	if err != nil {
		return nil, fmt.Errorf("e2ee: %w", err)
	}
	return k, nil
}

// newSFrameKey returns the SFrame key of kind in epoch (RFC 9605, Section
// 4.4.2).
func newSFrameKey(suite sframe.CipherSuite, epoch uint64, kind MediaKind, base []byte) (sfcore.Key, error) {
	k, err := sfcore.NewKey(uint16(suite), kid(epoch, kind), base)
	if err != nil {
		return sfcore.Key{}, fmt.Errorf("e2ee: %w", err)
	}
	return k, nil
}

// ratchet derives the base key of the next epoch (RFC 9605, Section 5.1).
func ratchet(suite sframe.CipherSuite, base []byte) ([]byte, error) {
	next, err := sframe.Ratchet(suite, base)
	if err != nil {
		return nil, fmt.Errorf("e2ee: %w", err)
	}
	return next, nil
}
