package srtp

import (
	"errors"
	"fmt"

	pionsrtp "github.com/pion/srtp/v3"
)

// Errors of this package, for errors.Is. Every error a function or method
// of this package returns wraps one of them (or, where documented, an error
// of package keyexchange) and, for detail, pion's own error; it never holds
// key material.
var (
	// ErrAuth means a received packet failed authentication: it was
	// tampered with, truncated inside the tag, or protected with other keys
	// (RFC 3711, Section 3.3, step 5; RFC 7714, Section 10). Drop the packet.
	ErrAuth = errors.New("srtp: message authentication failed")

	// ErrReplay means a received packet's index was already accepted or lies
	// behind the replay window (RFC 3711, Section 3.3.2). Drop the packet. The
	// check happens before authentication, so a forged packet that reuses an
	// old index is reported as ErrReplay, not ErrAuth.
	ErrReplay = errors.New("srtp: replayed packet")

	// ErrMalformed means the packet is not a well-formed (S)RTP or (S)RTCP
	// packet for this session: too short, a bad header, or using a feature
	// the session does not enable (MKI, cryptex).
	ErrMalformed = errors.New("srtp: malformed packet")

	// ErrKeyExhausted means Protect* refused a well-formed packet because
	// the keys have protected as many packets as RFC 3711, Section 9.2
	// allows (2^48 SRTP or 2^31 SRTCP packets per master key, counted by
	// pion). Replace the keys with a new Session.
	ErrKeyExhausted = errors.New("srtp: packet limit of the master key reached")

	// ErrUnsupportedProfile means a constructor was given a Profile this
	// package does not support (see Profile).
	ErrUnsupportedProfile = errors.New("srtp: unsupported profile")

	// ErrInvalidKeys means a constructor was given keys it cannot use: a
	// master key or salt of the wrong size for the profile, the same
	// master key in both directions, DTLS keying material of the wrong
	// length, or a nil keyexchange.Result.
	ErrInvalidKeys = errors.New("srtp: invalid keys")
)

// unprotectError maps an error from pion's Decrypt* onto the sentinels.
func unprotectError(op string, err error) error {
	switch {
	case isReplay(err):
		return fmt.Errorf("srtp: %s: %w: %w", op, ErrReplay, err)
	case errors.Is(err, pionsrtp.ErrFailedToVerifyAuthTag):
		return fmt.Errorf("srtp: %s: %w", op, ErrAuth)
	default:
		return fmt.Errorf("srtp: %s: %w: %w", op, ErrMalformed, err)
	}
}

// protectError maps pion's refusal to protect a well-formed packet onto
// ErrKeyExhausted: with the options this package sets (no MKI, no cryptex),
// the RFC 3711, Section 9.2 packet limit is pion's only such refusal.
func protectError(op string, err error) error {
	return fmt.Errorf("srtp: %s: %w: %w", op, ErrKeyExhausted, err)
}

// pionDuplicated is the message of pion/srtp's unexported errDuplicated,
// which its replay error (also unexported) unwraps to. pion exports neither,
// so this one comparison is the only place the package depends on pion's
// wording; TestIsReplayMatchesPion fails if pion changes it.
const pionDuplicated = "duplicated packet"

// isReplay reports whether err is, or wraps, pion's replay error.
func isReplay(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if err.Error() == pionDuplicated {
			return true
		}
	}
	return false
}
