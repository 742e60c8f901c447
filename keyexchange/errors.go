package keyexchange

import (
	"errors"

	"github.com/callseal/callseal/keyexchange/internal/wire"
)

// Errors returned by the handshake. Every error wraps exactly one of these
// sentinels (test with errors.Is); the wrapping text adds detail but never
// key material. A peer message that fails with any of them leaves the
// Handshake in the state it was in, so a later genuine message still works.
var (
	// ErrMalformed: a message does not follow the wire layout (PROTOCOL.md):
	// truncated, oversized, trailing bytes, a field of the wrong length, or an
	// unknown message type.
	ErrMalformed = wire.ErrMalformed
	// ErrVersion: a message carries a protocol version other than 1.
	ErrVersion = wire.ErrVersion
	// ErrUnexpectedMessage: a well-formed message that is not the one the
	// current state expects (out of order, or a second, different message of
	// a type already handled).
	ErrUnexpectedMessage = errors.New("keyexchange: unexpected message")
	// ErrCommitment: the Reveal does not open the commitment of the Commit
	// this responder answered.
	ErrCommitment = errors.New("keyexchange: commitment mismatch")
	// ErrConfirm: a Confirm MAC does not verify — the two sides do not share
	// the same transcript and keys (tampering or a man in the middle).
	ErrConfirm = errors.New("keyexchange: confirmation failed")
	// ErrLowOrderPoint: the peer's X25519 public key is a low-order point, so
	// the shared secret would be all zeros (RFC 7748, Section 6.1).
	ErrLowOrderPoint = errors.New("keyexchange: low-order X25519 public key")
	// ErrIdentity: an identity or the call ID in a message does not match the
	// Config (wrong peer, message meant for someone else, or another call).
	ErrIdentity = errors.New("keyexchange: identity or call ID mismatch")
	// ErrNoCommonSuite: the responder supports none of the offered suites, or
	// the responder chose a suite the initiator did not offer.
	ErrNoCommonSuite = errors.New("keyexchange: no common suite")
	// ErrWrongState: API misuse, such as Start on a responder or twice.
	ErrWrongState = errors.New("keyexchange: wrong state for this call")
	// ErrNotDone: Result was called before the handshake completed.
	ErrNotDone = errors.New("keyexchange: handshake not done")
	// ErrInvalidConfig: New was given an unusable Config.
	ErrInvalidConfig = errors.New("keyexchange: invalid config")
)
