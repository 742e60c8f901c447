// Package keyexchange implements the callseal handshake: an authenticated
// key exchange for one 1:1 call, run over the app's own signaling channel,
// whose result keys the E2EE media layer (package e2ee), optionally the
// transport SRTP layer (package srtp), and the check number the two users
// compare (package verify).
//
// The handshake is a commit–reveal exchange of ephemeral X25519 keys, as in
// ZRTP (RFC 6189, Section 4.4.1.1), in four messages:
//
//	I→R  Commit    offered suites, call ID, identities, commitment = SHA-256("callseal commit" ‖ pub_I ‖ nonce_I)
//	R→I  Response  chosen suite, call ID, identities, pub_R, nonce_R
//	I→R  Reveal    pub_I, nonce_I, Confirm_I = HMAC(confirm key I, transcript hash)
//	R→I  Confirm   Confirm_R = HMAC(confirm key R, transcript hash)
//
// Because the initiator commits to its key share before it sees the
// responder's, and the responder fixes its own before the reveal, an active
// man in the middle cannot steer the two check numbers towards each other:
// it gets exactly one guess per call (probability 10^-20 for the 20-digit
// check number). Keys come from HKDF-SHA256 (RFC 5869) over the X25519
// shared secret with the transcript hash as salt, in the style of the TLS 1.3
// key schedule (RFC 8446, Section 7.1). PROTOCOL.md, beside this file, is
// the byte-level specification: message layouts, the key schedule with
// every label, limits and the state machine.
//
// Suites: X25519_SHA256 is implemented. X25519_MLKEM768_SHA256 (hybrid
// post-quantum) is reserved and rejected by New for now.
//
// Secrets (private scalars, shared secrets, the PRK, confirm keys) are wiped
// with clear() as soon as they are no longer needed. This is best-effort:
// Go gives no guarantee that the runtime or crypto/ecdh did not keep copies.
package keyexchange
