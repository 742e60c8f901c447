package keyexchange

import (
	"errors"

	"github.com/callseal/callseal/keyexchange/internal/wire"
	"github.com/callseal/callseal/policy"
)

// Errors returned by the handshake. Every error wraps one of these sentinels
// (test with errors.Is; ErrCallID also matches ErrIdentity); the wrapping
// text adds detail but never key material. A peer message that fails with
// any of them leaves the Handshake in the state it was in, so a later
// genuine message still works.
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
	// ErrCallID: a message belongs to another call: its call ID, the first
	// field of every message, is not Config.CallID. Errors wrapping it also
	// match ErrIdentity. MessageCallID lets an app route messages first.
	ErrCallID = errors.New("keyexchange: message from another call")
	// ErrNoCommonSuite: the responder supports none of the offered suites, or
	// the responder chose a suite the initiator did not offer.
	ErrNoCommonSuite = errors.New("keyexchange: no common suite")
	// ErrWrongState: API misuse, such as Start on a responder or twice.
	ErrWrongState = errors.New("keyexchange: wrong state for this call")
	// ErrNotDone: Result was called before the handshake completed.
	ErrNotDone = errors.New("keyexchange: handshake not done")
	// ErrInvalidConfig: New was given an unusable Config.
	ErrInvalidConfig = errors.New("keyexchange: invalid config")
	// ErrContinuity: the ContinuityStore failed (the store's own error is
	// wrapped too), or Result.MarkVerified found no record of this call.
	// When a store fails during Handle the state is unchanged, so the
	// peer's retransmission retries.
	ErrContinuity = errors.New("keyexchange: continuity store")
	// ErrE2EEDisabled: the handshake completed, but policy does not allow
	// end-to-end encryption for this call. Handshake.Result returns it,
	// wrapped in a *PolicyError, together with the Result, which holds the
	// decision and the keys for the transport-SRTP-only fallback.
	ErrE2EEDisabled = errors.New("keyexchange: end-to-end encryption not allowed by policy")
	// ErrSecretsTaken: a Result's media or transport secrets were already
	// taken by a session (Result.TakeMediaSecrets, Result.TakeTransportSecrets,
	// and the layers built on them: e2ee.NewSession, srtp.KeysFromResult,
	// callseal.New), or erased by Result.DropSecrets or Result.Wipe. One
	// handshake keys one session; a second one needs a new handshake (see
	// Result, "Key lifecycle").
	ErrSecretsTaken = errors.New("keyexchange: secrets already taken from this result")
	// ErrWiped: Result.Wipe or Handshake.Wipe erased the secret the call
	// needs (Result.Export after Wipe). Errors from the Take methods after
	// Wipe match both ErrWiped and ErrSecretsTaken.
	ErrWiped = errors.New("keyexchange: result wiped")
	// ErrE2EERequired: the handshake completed, policy does not allow
	// end-to-end encryption, and a party requires it
	// (policy.Party.RequireE2EE): the call is refused (Decision.Refused)
	// and must not run at all, not even on transport SRTP only.
	// Handshake.Result returns it, wrapped in a *PolicyError that also
	// matches ErrE2EEDisabled, together with the Result, whose check number
	// the users may compare to confirm the refusal.
	ErrE2EERequired = errors.New("keyexchange: end-to-end encryption required but not allowed by policy: call refused")
	// ErrInternal: a step that cannot fail with valid inputs failed (the
	// system's random source, or a standard library primitive refusing
	// sizes this package always gives it). The handshake's state is
	// unchanged; the wrapped error says which step.
	ErrInternal = errors.New("keyexchange: internal error")
)

// PolicyError is the error Handshake.Result returns when the handshake
// completed but the two parties' policies do not allow E2EE. It matches
// ErrE2EEDisabled with errors.Is, and ErrE2EERequired as well when the
// call is refused (Decision.Refused: a party requires E2EE). Use errors.As
// to read the decision:
//
//	res, err := hs.Result()
//	var pe *keyexchange.PolicyError
//	switch {
//	case errors.As(err, &pe) && pe.Decision.Refused:
//		// Do not run the call. Tell the user pe.Decision.Reason and show
//		// the check number of res, which confirms the refusal is genuine.
//	case errors.As(err, &pe):
//		// Transport SRTP only. Tell the user "end-to-end encryption is
//		// off: <pe.Decision.Reason> — compare the number to confirm" and
//		// show the check number of res; res is valid.
//	case err != nil:
//		return err
//	}
//
// Packages callseal, e2ee and srtp return a *PolicyError as well (wrapped)
// when given a Result they must not use.
type PolicyError struct {
	Decision policy.Decision
}

func (e *PolicyError) Error() string {
	if e.Decision.Refused {
		return "keyexchange: call refused: end-to-end encryption is required but not allowed by policy: " + e.Decision.Reason.String()
	}
	return "keyexchange: end-to-end encryption not allowed by policy: " + e.Decision.Reason.String()
}

// Unwrap returns ErrE2EEDisabled, and ErrE2EERequired too when the call is
// refused (Decision.Refused).
func (e *PolicyError) Unwrap() []error {
	if e.Decision.Refused {
		return []error{ErrE2EEDisabled, ErrE2EERequired}
	}
	return []error{ErrE2EEDisabled}
}
