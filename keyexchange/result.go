package keyexchange

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"github.com/callseal/callseal/policy"
)

// SecretSize is the size in bytes of every secret the key schedule derives
// (media secrets, transport secrets, the SAS secret, the exporter secret).
const SecretSize = 32 // bytes

// TranscriptHashSize is the size in bytes of the SHA-256 transcript hash.
const TranscriptHashSize = sha256.Size // bytes

// MaxExportSize is the largest length in bytes Result.Export returns
// (HKDF-SHA256 limit, RFC 5869 Section 2.3: 255 * HashLen).
const MaxExportSize = 255 * sha256.Size // bytes

// ErrExportLength is returned by Result.Export for a requested length
// outside 1..MaxExportSize bytes.
var ErrExportLength = errors.New("keyexchange: invalid export length")

// Result is what a completed handshake yields: the negotiated suite, the
// bound identities, the transcript hash, the derived secrets, the policy
// decision and what key continuity found.
//
// "Send" and "receive" are from this party's point of view: one side's send
// secret equals the other side's receive secret.
//
// # Key lifecycle
//
// The media and transport secrets key exactly one session each: two
// sessions from the same secrets would restart their packet counters
// under the same keys (SFrame CTR, SRTP index) and so reuse AES-GCM and
// AES-CTR nonces. TakeMediaSecrets and TakeTransportSecrets therefore hand
// them out once, erase the Result's copy, and return an error wrapping
// ErrSecretsTaken on every later call; DropSecrets erases whichever of
// them were not taken. The layers that consume them (e2ee.NewSession,
// srtp.KeysFromResult, callseal.New) take them, so a second session from
// one Result fails with ErrSecretsTaken, and once the session that took
// them has rekeyed and closed, nothing the app still holds yields the keys
// of the earlier epochs.
//
// What stays is what the app needs for the rest of the call: the SAS
// secret for the check number (SASSecret, package verify), the exporter
// secret (Export), the transcript hash, the policy decision and the
// continuity status. Wipe erases the SAS and exporter secrets too, when the
// app no longer needs them (after the users compared the check number, at
// the end of the call); afterwards Export returns ErrWiped and the verify
// renderings return empty strings. Erasure is best-effort: Go may have
// copied the bytes (stack copies, the garbage collector), and crypto/hkdf
// keeps no state the package could clear.
//
// Copies of a Result value share its secrets and their state: taking the
// secrets through one copy takes them from all. The secrets sit behind an
// unexported pointer, so printing a Result never shows them.
//
// A Result is safe for concurrent use by several goroutines. Accessors
// return copies, never the internal storage.
type Result struct {
	suite          Suite
	role           Role
	callID         []byte
	localID        string
	peerID         string
	transcriptHash [TranscriptHashSize]byte

	secrets *resultSecrets

	decision    policy.Decision
	localPolicy policy.Party
	peerPolicy  policy.Party

	continuity Continuity
	verified   bool
	store      ContinuityStore
	retainedFP [sha256.Size]byte // SHA-256 of the retained secret this call saved; not a key

	failedAttempts uint32 // ContinuityRecord.FailedAttempts as loaded
}

// resultSecrets is a Result's secret material and its lifecycle state,
// guarded by mu.
type resultSecrets struct {
	mu sync.Mutex

	sendMedia     [SecretSize]byte
	recvMedia     [SecretSize]byte
	sendTransport [SecretSize]byte
	recvTransport [SecretSize]byte
	sas           [SecretSize]byte
	exporter      [SecretSize]byte

	mediaTaken     bool // TakeMediaSecrets or DropSecrets erased the media secrets
	transportTaken bool // TakeTransportSecrets or DropSecrets erased the transport secrets
	wiped          bool // Wipe erased everything
}

// noSecrets stands in for the secrets of a Result that no handshake
// made (the zero Result): everything in it counts as wiped.
var noSecrets = &resultSecrets{mediaTaken: true, transportTaken: true, wiped: true}

// lockSecrets locks and returns r's secrets; the caller unlocks s.mu.
func (r *Result) lockSecrets() *resultSecrets {
	s := r.secrets
	if s == nil {
		s = noSecrets
	}
	s.mu.Lock()
	return s
}

// errTaken returns the error for a secret that is gone: ErrSecretsTaken,
// and also ErrWiped when Wipe erased it.
func (s *resultSecrets) errTaken(what string) error {
	if s.wiped {
		return fmt.Errorf("%w: %s: %w", ErrSecretsTaken, what, ErrWiped)
	}
	return fmt.Errorf("%w: %s already taken by a session", ErrSecretsTaken, what)
}

// dropMediaLocked erases the media secrets. s.mu is held.
func (s *resultSecrets) dropMediaLocked() {
	clear(s.sendMedia[:])
	clear(s.recvMedia[:])
	s.mediaTaken = true
}

// dropTransportLocked erases the transport secrets. s.mu is held.
func (s *resultSecrets) dropTransportLocked() {
	clear(s.sendTransport[:])
	clear(s.recvTransport[:])
	s.transportTaken = true
}

// Decision returns the policy decision both parties computed from their two
// policy states (policy.Decide), which the transcript binds. When
// Decision().E2EE is false, Handshake.Result also returned a *PolicyError,
// TakeMediaSecrets returns that *PolicyError, and the call runs on
// transport SRTP only (TakeTransportSecrets for a direct call, or the app's own
// DTLS-SRTP or relay keys); tell the user Decision().Reason.
func (r *Result) Decision() policy.Decision {
	d := r.decision
	d.Unavailable = append([]policy.Feature(nil), d.Unavailable...)
	return d
}

// Policies returns this party's and the peer's policy state as exchanged
// in the handshake; policy.Party.Reason on each tells whose setting blocked
// E2EE.
func (r *Result) Policies() (local, peer policy.Party) { return r.localPolicy, r.peerPolicy }

// Continuity reports what key continuity found in this handshake. When
// Continuity().Break() is true, warn the user that the peer's device or
// keys changed (or that someone is in the middle) and ask for the check
// number to be compared again.
func (r *Result) Continuity() Continuity { return r.continuity }

// Verified reports that the chain of retained secrets was unbroken
// (Continuity() == ContinuityKept) and the users compared the check number
// in an earlier call of the chain (Result.MarkVerified). The app may then
// show the call as verified without a new comparison.
func (r *Result) Verified() bool { return r.verified }

// MarkVerified records, in the ContinuityStore, that the users compared
// this call's check number and found it equal, so that the next call with
// the peer reports Verified while continuity holds. It returns an error
// wrapping ErrContinuity when there is no store, or when the stored record
// is no longer this call's (a later handshake with the peer replaced it).
//
// The Result itself does not change: Verified reports what was carried
// into this call.
func (r *Result) MarkVerified() error {
	if r.store == nil {
		return fmt.Errorf("%w: no ContinuityStore configured", ErrContinuity)
	}
	rec, ok, err := r.store.Load(r.peerID)
	if err != nil {
		return fmt.Errorf("%w: load: %w", ErrContinuity, err)
	}
	defer rec.wipe()
	fp := sha256.Sum256(rec.Secret[:])
	if !ok || subtle.ConstantTimeCompare(fp[:], r.retainedFP[:]) != 1 {
		return fmt.Errorf("%w: the stored record for %q is not this call's", ErrContinuity, r.peerID)
	}
	rec.Verified = true
	if err := r.store.Save(r.peerID, rec); err != nil {
		return fmt.Errorf("%w: save: %w", ErrContinuity, err)
	}
	return nil
}

// Suite returns the negotiated key-exchange suite.
func (r *Result) Suite() Suite { return r.suite }

// Role returns this party's role in the handshake.
func (r *Result) Role() Role { return r.role }

// CallID returns a copy of the call ID bound into the transcript.
func (r *Result) CallID() []byte { return append([]byte(nil), r.callID...) }

// LocalID returns this party's identity as bound into the transcript.
func (r *Result) LocalID() string { return r.localID }

// PeerID returns the peer's identity as bound into the transcript.
func (r *Result) PeerID() string { return r.peerID }

// TranscriptHash returns the SHA-256 hash (32 bytes) of the handshake
// transcript: messages 1 and 2 and the reveal part of message 3, as sent.
func (r *Result) TranscriptHash() [TranscriptHashSize]byte { return r.transcriptHash }

// TakeMediaSecrets returns the E2EE media secrets (SecretSize = 32 bytes
// each) for the direction this party sends on and the one it receives on,
// and erases the Result's copy: it succeeds once per Result. The e2ee
// package derives its per-media-kind SFrame base keys from them
// (e2ee.NewSession calls it). The caller owns the returned arrays and
// should clear them once the session is keyed.
//
// Errors: ErrSecretsTaken (wrapped) when an earlier TakeMediaSecrets,
// DropSecrets or Wipe took them, and also ErrWiped after Wipe; a
// *PolicyError (errors.Is ErrE2EEDisabled) when Decision().E2EE is false,
// since policy does not allow E2EE and there are no media secrets. On
// error the arrays are zero.
func (r *Result) TakeMediaSecrets() (send, recv [SecretSize]byte, err error) {
	s := r.lockSecrets()
	defer s.mu.Unlock()
	if s.mediaTaken {
		return send, recv, s.errTaken("media secrets")
	}
	if !r.decision.E2EE {
		return send, recv, &PolicyError{Decision: r.Decision()}
	}
	send, recv = s.sendMedia, s.recvMedia
	s.dropMediaLocked()
	return send, recv, nil
}

// TakeTransportSecrets returns the transport secrets (SecretSize = 32
// bytes each) for the direction this party sends on and the one it
// receives on, for a direct peer-to-peer call where no relay terminates
// SRTP, and erases the Result's copy: it succeeds once per Result. The
// srtp package expands them into SRTP master keys and salts
// (srtp.KeysFromResult calls it; PROTOCOL.md gives the derivation). The
// caller owns the returned arrays and should clear them once the SRTP
// contexts are derived.
//
// Errors: ErrSecretsTaken (wrapped) when an earlier TakeTransportSecrets,
// DropSecrets or Wipe took them, and also ErrWiped after Wipe; a
// *PolicyError (errors.Is ErrE2EERequired) when Decision().Refused, since a
// refused call must not run at all. A call without E2EE that is not
// refused still gets its transport secrets. On error the arrays are zero.
func (r *Result) TakeTransportSecrets() (send, recv [SecretSize]byte, err error) {
	s := r.lockSecrets()
	defer s.mu.Unlock()
	if s.transportTaken {
		return send, recv, s.errTaken("transport secrets")
	}
	if r.decision.Refused {
		return send, recv, &PolicyError{Decision: r.Decision()}
	}
	send, recv = s.sendTransport, s.recvTransport
	s.dropTransportLocked()
	return send, recv, nil
}

// DropSecrets erases the media and transport secrets that no session took
// (best-effort, see "Key lifecycle"), so that the Result keys no further
// session: later TakeMediaSecrets and TakeTransportSecrets calls return
// ErrSecretsTaken. callseal.New calls it for the secrets its key source
// does not use. The SAS and exporter secrets stay. Calling it again does
// nothing.
func (r *Result) DropSecrets() {
	s := r.lockSecrets()
	defer s.mu.Unlock()
	s.dropMediaLocked()
	s.dropTransportLocked()
}

// Wipe erases every secret of the Result (best-effort, see "Key
// lifecycle"): the media and transport secrets, as DropSecrets does, and
// the SAS and exporter secrets. Call it when the check number is no longer
// shown and nothing needs Export any more, at the latest when the call
// ends. Afterwards TakeMediaSecrets and TakeTransportSecrets return errors
// wrapping ErrSecretsTaken and ErrWiped, Export returns ErrWiped,
// SASSecret returns zeros and Wiped reports true, so the verify renderings
// return empty strings instead of a check number. The public fields (suite,
// identities, transcript hash, decision, continuity) and MarkVerified keep
// working. Calling it again does nothing. Sessions already keyed from the
// Result are not affected.
func (r *Result) Wipe() {
	s := r.lockSecrets()
	defer s.mu.Unlock()
	s.dropMediaLocked()
	s.dropTransportLocked()
	clear(s.sas[:])
	clear(s.exporter[:])
	s.wiped = true
}

// Wiped reports whether Wipe (or Handshake.Wipe) erased the Result's
// secrets.
func (r *Result) Wiped() bool {
	s := r.lockSecrets()
	defer s.mu.Unlock()
	return s.wiped
}

// SASSecret returns the short-authentication-string secret (32 bytes) from
// which the verify package renders the check number and its other forms.
// It stays in the Result until Wipe, after which SASSecret returns zeros
// (and Wiped reports true: a zero secret gives no check number).
func (r *Result) SASSecret() [SecretSize]byte {
	s := r.lockSecrets()
	defer s.mu.Unlock()
	return s.sas
}

// Export derives length bytes of keying material bound to this handshake, in
// the manner of the TLS exporter (RFC 5705, RFC 8446 Section 7.5): both
// parties get the same bytes for the same label and context, and different
// labels give independent outputs. It returns ErrExportLength for a length
// outside 1..MaxExportSize, and an error wrapping ErrWiped after Wipe. The
// exporter secret is not consumed: Export may be called any number of
// times until Wipe.
//
// Output = HKDF-Expand(HKDF-Expand(exporter secret, "callseal exporter " ‖
// label, 32), SHA-256(context), length).
func (r *Result) Export(label string, context []byte, length int) ([]byte, error) {
	if length < 1 || length > MaxExportSize {
		return nil, ErrExportLength
	}
	s := r.lockSecrets()
	if s.wiped {
		s.mu.Unlock()
		return nil, fmt.Errorf("keyexchange: export: %w", ErrWiped)
	}
	derived, err := hkdf.Expand(sha256.New, s.exporter[:], labelExporterPrefix+label, sha256.Size)
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%w: export: %w", ErrInternal, err)
	}
	defer clear(derived)
	ctxHash := sha256.Sum256(context)
	out, err := hkdf.Expand(sha256.New, derived, string(ctxHash[:]), length)
	if err != nil {
		return nil, fmt.Errorf("%w: export: %w", ErrInternal, err)
	}
	return out, nil
}

const labelExporterPrefix = "callseal exporter "

// FailedAttempts returns how many handshakes with the peer this party had
// committed to and that did not complete since the last completed one,
// before this handshake (ContinuityRecord.FailedAttempts as loaded at its
// start; this handshake reset the stored count to zero). It is 0 without a
// ContinuityStore, which keeps no count.
//
// A man in the middle learns both check numbers before either party
// completes, so it can abort every attempt in which they would differ and
// pass one comparison with probability about (FailedAttempts()+1) × 2^-b
// for a rendering of b bits (SECURITY.md, "The check number"). When the
// count is more than a few, tell the user, e.g. "3 calls with bob failed
// to set up before this one — compare the check number carefully".
func (r *Result) FailedAttempts() uint32 { return r.failedAttempts }
