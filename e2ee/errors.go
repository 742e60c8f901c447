package e2ee

import (
	"errors"
	"fmt"
)

// Sentinel errors, usable with errors.Is. Every error of this package wraps
// one of them (NewSession also passes on keyexchange's errors, wrapped, as
// it documents). Errors returned by Seal and Open wrap one of them, add detail only where the detail is not attacker-useful,
// and never contain key material.
var (
	// ErrAuth is returned by Open when the packet fails authentication:
	// the RTP fixed header, CSRC list, SFrame header, ciphertext or tag was
	// altered, or the packet was sealed under another key.
	ErrAuth = errors.New("e2ee: packet authentication failed")

	// ErrReplay is returned by Open for a packet whose counter was already
	// accepted, or is older than the replay window.
	ErrReplay = errors.New("e2ee: replayed packet")

	// ErrUnknownKey is returned by Open when the SFrame KID names no
	// receive key of this session (unknown epoch or media kind bits), and by
	// Seal for a media kind without a send key.
	ErrUnknownKey = errors.New("e2ee: unknown key")

	// ErrMalformed is returned for a packet that is not a well-formed RTP
	// packet (version 2, complete CSRC list and header extension, no
	// padding) or whose payload is not a well-formed SFrame ciphertext.
	ErrMalformed = errors.New("e2ee: malformed packet")

	// ErrKeyExhausted is returned by Seal and Rekey if a send key could not
	// be ratcheted to the next epoch. Seal ratchets by itself before a key
	// has used every counter this package allows (MaxCounter), so this is
	// not expected in practice.
	ErrKeyExhausted = errors.New("e2ee: send key exhausted")

	// ErrClosed is returned by Seal, Open and Rekey after Close.
	ErrClosed = errors.New("e2ee: session closed")

	// ErrInvalidConfig is returned by NewSession and NewSessionFromSecrets
	// for a Config they cannot use (see Config), or for more than one
	// Config.
	ErrInvalidConfig = errors.New("e2ee: invalid config")

	// ErrInvalidSecrets is returned by NewSessionFromSecrets for media
	// secrets it cannot use: shorter than MinSecretSize, or the same
	// secret for both directions; and by NewSession for a nil Result.
	ErrInvalidSecrets = errors.New("e2ee: invalid media secrets")
)

// Preallocated detailed errors: the per-packet paths return them without
// allocating, so a flood of bad packets costs no garbage.
var (
	errShortRTP    = fmt.Errorf("%w: RTP packet shorter than its header", ErrMalformed)
	errRTPVersion  = fmt.Errorf("%w: RTP version is not 2", ErrMalformed)
	errRTPPadding  = fmt.Errorf("%w: padded RTP packets are not supported", ErrMalformed)
	errSFrame      = fmt.Errorf("%w: bad SFrame header or ciphertext", ErrMalformed)
	errDuplicate   = fmt.Errorf("%w: counter already received", ErrReplay)
	errTooOld      = fmt.Errorf("%w: counter older than the replay window", ErrReplay)
	errUnknownKID  = fmt.Errorf("%w: no receive key for the SFrame KID", ErrUnknownKey)
	errUnknownKind = fmt.Errorf("%w: invalid media kind", ErrUnknownKey)
	errUnknownSSRC = fmt.Errorf("%w: SSRC not announced for this media kind", ErrUnknownKey)
)
