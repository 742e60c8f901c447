// Package keyexchange implements the callseal handshake: an authenticated
// key exchange for one 1:1 call, run over the app's own signaling channel,
// whose result keys the E2EE media layer (package e2ee), optionally the
// transport SRTP layer (package srtp), and the check number the two users
// compare (package verify).
//
// The handshake is a commit–reveal exchange of ephemeral keys, as in ZRTP
// (RFC 6189, Section 4.4.1.1), in four messages:
//
//	I→R  Commit    call ID, offered suites, identities, policy, retained-secret IDs,
//	               [ML-KEM-768 encapsulation key], commitment = SHA-256("callseal commit" ‖ pub_I ‖ nonce_I)
//	R→I  Response  call ID, chosen suite, identities, policy, retained-secret IDs, pub_R, [ML-KEM ciphertext], nonce_R
//	I→R  Reveal    call ID, pub_I, nonce_I, Confirm_I = HMAC(confirm key I, transcript hash)
//	R→I  Confirm   call ID, Confirm_R = HMAC(confirm key R, transcript hash)
//
// Because the initiator commits to its key share before it sees the
// responder's, and the responder fixes its own before the reveal, an active
// man in the middle cannot steer the two check numbers towards each other:
// it gets exactly one guess per handshake attempt (probability 10^-20 for
// the 20-digit check number). It learns both numbers before either party
// completes, so it can abort the attempts in which they differ, unseen;
// Result.FailedAttempts counts such attempts for the app to warn. Keys come from HKDF-SHA256 (RFC 5869) with the transcript
// hash as salt, in the style of the TLS 1.3 key schedule (RFC 8446, Section
// 7.1). PROTOCOL.md, beside this file, is the byte-level specification:
// message layouts, the key schedule with every label, the security
// argument, limits, the state machine and test vectors.
//
// # Suites
//
// X25519_SHA256 (the default) and X25519_MLKEM768_SHA256, the hybrid of
// ML-KEM-768 (FIPS 203, crypto/mlkem) and X25519 with shared secret
// ML-KEM ss ‖ X25519 ss, as X25519MLKEM768 in TLS: its keys stay secret as
// long as either component holds. The initiator offers Config.Suites in its
// preference order; the responder picks the first it supports. The offer is
// in the transcript, so a man in the middle who strips the hybrid suite is
// caught by the Confirm MACs.
//
// # Policy
//
// Each party sends its policy.Party (Config.Policy); both compute
// policy.Decide and get the same decision (Result.Decision). The handshake
// completes either way, so the decision is authenticated and the fallback
// has keys; when E2EE is not allowed, Handshake.Result returns the Result
// together with a *PolicyError (errors.Is(err, ErrE2EEDisabled)) carrying
// the reason, the media secrets are zero, and the call runs on transport
// SRTP only. The zero Config.Policy allows E2EE.
//
// The check number (package verify) authenticates the decision: a man in
// the middle who runs a handshake with each party and claims compliance
// recording in each passes every check but leaves the users with different
// numbers, so apps show it with E2EE off too. A party that sets
// policy.Party.RequireE2EE refuses such a call outright: the decision is
// Refused and the *PolicyError also matches ErrE2EERequired.
//
// # Key continuity
//
// With a ContinuityStore (Config.Continuity; FileStore keeps one in a
// file), a secret retained from the last completed handshake with the peer
// is mixed into the next, as in ZRTP (RFC 6189, Section 4.9). Only IDs
// derived from the secrets travel. Result.Continuity reports whether the
// chain held or broke (so the app can warn), Result.Verified whether the
// users compared the check number earlier in the chain, and
// Result.MarkVerified records a comparison. The store's secrets change only
// after a completed handshake; before, each party counts the attempt
// (ContinuityRecord.FailedAttempts), which Result.FailedAttempts and
// FailedAttempts report, so the app can warn about repeated calls that
// failed to set up.
//
// # Signaling
//
// Every message has a version, a type and the call ID first
// (MessageCallID routes it), and is parsed strictly within named limits. A
// message that is truncated, oversized, of an unknown version, out of
// order or from another call gets a typed error and leaves the state
// unchanged; a repeat of an accepted message is answered with the same
// reply; the initiator resends Handshake.Retransmit on a timer.
//
// # Secrets
//
// Private scalars, the ML-KEM seed, shared secrets, IKM, the PRK, confirm
// keys and loaded retained secrets are wiped with clear() as soon as they
// are no longer needed. This is best-effort: Go gives no guarantee that the
// runtime, crypto/ecdh or crypto/mlkem (whose decapsulation key cannot be
// cleared from outside; the Handshake drops it right after use) did not
// keep copies.
//
// Result, Handshake and ContinuityRecord never print or log their secrets:
// fmt (every verb), log/slog (LogValue) and, for ContinuityRecord, whose
// secret fields are exported, encoding/json show the suite, role, identities,
// state and sizes, and "[redacted]" in place of the secrets.
package keyexchange
