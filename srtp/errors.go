package srtp

import (
	"errors"
	"fmt"

	pionsrtp "github.com/pion/srtp/v3"
)

// Errors that Unprotect* and Protect* return, for errors.Is. The returned
// error wraps one of them and, for detail, pion's own error; it never holds
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
