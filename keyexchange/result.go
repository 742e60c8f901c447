package keyexchange

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"

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

// ErrExportLength is returned by Result.Export and Result.TransportKeys for
// a requested length outside 1..MaxExportSize bytes.
var ErrExportLength = errors.New("keyexchange: invalid export length")

// SRTPKeys is one direction's SRTP master key and master salt (RFC 3711,
// Section 8.2), as derived for a direct peer-to-peer call.
type SRTPKeys struct {
	MasterKey  []byte
	MasterSalt []byte
}

// Result is what a completed handshake yields: the negotiated suite, the
// bound identities, the transcript hash, the derived secrets, the policy
// decision and what key continuity found.
//
// "Send" and "receive" are from this party's point of view: one side's send
// secret equals the other side's receive secret.
//
// A Result is immutable after the handshake and safe for concurrent use by
// several goroutines. Accessors return copies, never the internal storage.
type Result struct {
	suite          Suite
	role           Role
	callID         []byte
	localID        string
	peerID         string
	transcriptHash [TranscriptHashSize]byte

	sendMedia     [SecretSize]byte
	recvMedia     [SecretSize]byte
	sendTransport [SecretSize]byte
	recvTransport [SecretSize]byte
	sas           [SecretSize]byte
	exporter      [SecretSize]byte

	decision    policy.Decision
	localPolicy policy.Party
	peerPolicy  policy.Party

	continuity Continuity
	verified   bool
	store      ContinuityStore
	retainedFP [sha256.Size]byte // SHA-256 of the retained secret this call saved

	failedAttempts uint32 // ContinuityRecord.FailedAttempts as loaded
}

// Decision returns the policy decision both parties computed from their two
// policy states (policy.Decide), which the transcript binds. When
// Decision().E2EE is false, Handshake.Result also returned a *PolicyError,
// MediaSecrets are zero and must not be used, and the call runs on
// transport SRTP only (TransportKeys for a direct call, or the app's own
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

// MediaSecrets returns the E2EE media secrets (32 bytes each) for the
// direction this party sends on and the one it receives on. The e2ee package
// derives its per-media-kind SFrame base keys from them. They are zero when
// Decision().E2EE is false: policy does not allow E2EE for this call, and
// Handshake.Result said so with a *PolicyError.
func (r *Result) MediaSecrets() (send, recv [SecretSize]byte) {
	return r.sendMedia, r.recvMedia
}

// SASSecret returns the short-authentication-string secret (32 bytes) from
// which the verify package renders the check number and its other forms.
func (r *Result) SASSecret() [SecretSize]byte { return r.sas }

// TransportKeys expands the per-direction transport secrets into SRTP master
// keys and salts of the given sizes in bytes (16 or 32 for the key, 12 or 14
// for the salt, as the SRTP profile requires), for a direct peer-to-peer call
// where no relay terminates SRTP. It returns ErrExportLength for a size
// outside 1..MaxExportSize.
//
// Each key is HKDF-Expand(transport secret, label, size) with the labels
// "callseal srtp master key" and "callseal srtp master salt" (PROTOCOL.md).
func (r *Result) TransportKeys(keySize, saltSize int) (send, recv SRTPKeys, err error) {
	if send, err = expandSRTP(r.sendTransport[:], keySize, saltSize); err != nil {
		return SRTPKeys{}, SRTPKeys{}, err
	}
	if recv, err = expandSRTP(r.recvTransport[:], keySize, saltSize); err != nil {
		return SRTPKeys{}, SRTPKeys{}, err
	}
	return send, recv, nil
}

func expandSRTP(secret []byte, keySize, saltSize int) (SRTPKeys, error) {
	if keySize < 1 || keySize > MaxExportSize || saltSize < 1 || saltSize > MaxExportSize {
		return SRTPKeys{}, ErrExportLength
	}
	key, err := hkdf.Expand(sha256.New, secret, labelSRTPKey, keySize)
	if err != nil {
		return SRTPKeys{}, fmt.Errorf("keyexchange: srtp key: %w", err)
	}
	salt, err := hkdf.Expand(sha256.New, secret, labelSRTPSalt, saltSize)
	if err != nil {
		return SRTPKeys{}, fmt.Errorf("keyexchange: srtp salt: %w", err)
	}
	return SRTPKeys{MasterKey: key, MasterSalt: salt}, nil
}

// Export derives length bytes of keying material bound to this handshake, in
// the manner of the TLS exporter (RFC 5705, RFC 8446 Section 7.5): both
// parties get the same bytes for the same label and context, and different
// labels give independent outputs. It returns ErrExportLength for a length
// outside 1..MaxExportSize.
//
// Output = HKDF-Expand(HKDF-Expand(exporter secret, "callseal exporter " ‖
// label, 32), SHA-256(context), length).
func (r *Result) Export(label string, context []byte, length int) ([]byte, error) {
	if length < 1 || length > MaxExportSize {
		return nil, ErrExportLength
	}
	derived, err := hkdf.Expand(sha256.New, r.exporter[:], labelExporterPrefix+label, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("keyexchange: export: %w", err)
	}
	defer clear(derived)
	ctxHash := sha256.Sum256(context)
	out, err := hkdf.Expand(sha256.New, derived, string(ctxHash[:]), length)
	if err != nil {
		return nil, fmt.Errorf("keyexchange: export: %w", err)
	}
	return out, nil
}

const (
	labelSRTPKey        = "callseal srtp master key"
	labelSRTPSalt       = "callseal srtp master salt"
	labelExporterPrefix = "callseal exporter "
)

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
