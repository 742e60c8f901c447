package keyexchange

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/callseal/callseal/keyexchange/internal/wire"
	"github.com/callseal/callseal/policy"
)

// Labels of the key schedule (PROTOCOL.md, "Key schedule"). Every derived
// value has its own label, so no two outputs of HKDF-Expand coincide.
const (
	labelCommit           = "callseal commit"
	labelConfirmInitiator = "callseal confirm initiator"
	labelConfirmResponder = "callseal confirm responder"
	labelMediaI2R         = "callseal media i2r"
	labelMediaR2I         = "callseal media r2i"
	labelTransportI2R     = "callseal transport i2r"
	labelTransportR2I     = "callseal transport r2i"
	labelSAS              = "callseal sas"
	labelExporter         = "callseal exporter"
	labelRetained         = "callseal retained secret"

	// Retained-secret IDs (continuity.go): HMAC keys, not HKDF labels.
	labelRetainedIDInitiator = "callseal retained id initiator"
	labelRetainedIDResponder = "callseal retained id responder"
)

// commitment returns SHA-256("callseal commit" ‖ pub ‖ nonce), the hash
// commitment of the initiator's contribution as in ZRTP's hvi (RFC 6189,
// Section 4.4.1.1). pub and nonce have fixed sizes, so the concatenation is
// unambiguous.
func commitment(pub *[wire.PublicKeySize]byte, nonce *[wire.NonceSize]byte) [wire.CommitmentSize]byte {
	h := sha256.New()
	h.Write([]byte(labelCommit))
	h.Write(pub[:])
	h.Write(nonce[:])
	var c [wire.CommitmentSize]byte
	h.Sum(c[:0])
	return c
}

// transcriptHash returns SHA-256 over message 1, message 2 and the reveal
// part of message 3, exactly as sent, each preceded by its length as a 2-byte
// big-endian integer (all are at most wire.MaxMessageSize bytes). Messages 1
// and 2 carry everything negotiated — the offered and chosen suites, both
// identities, the call ID, both policy states, both retained-secret ID
// lists, the ML-KEM encapsulation key and ciphertext — so the Confirm MACs
// and the check number depend on all of it.
func transcriptHash(commit, response, revealPart []byte) [TranscriptHashSize]byte {
	h := sha256.New()
	for _, m := range [...][]byte{commit, response, revealPart} {
		if len(m) > wire.MaxMessageSize {
			panic("keyexchange: internal error: transcript message too long")
		}
		h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(m))))
		h.Write(m)
	}
	var th [TranscriptHashSize]byte
	h.Sum(th[:0])
	return th
}

// keySchedule holds every secret derived from one handshake.
type keySchedule struct {
	confirmInitiator [SecretSize]byte
	confirmResponder [SecretSize]byte
	mediaI2R         [SecretSize]byte
	mediaR2I         [SecretSize]byte
	transportI2R     [SecretSize]byte
	transportR2I     [SecretSize]byte
	sas              [SecretSize]byte
	exporter         [SecretSize]byte
	retained         [SecretSize]byte
}

// ikm returns the input keying material of the key schedule (PROTOCOL.md,
// "Key schedule"):
//
//	IKM = [ML-KEM ss ‖] X25519 ss ‖ [retained secret]
//
// The ML-KEM secret comes first, as in X25519MLKEM768 for TLS
// (draft-ietf-tls-ecdhe-mlkem); every part has a fixed size (32 bytes) and
// which parts are present is fixed by the transcript (the chosen suite, the
// retained-secret IDs), so the concatenation is unambiguous. The caller
// wipes the result.
func ikm(kemSS, x25519SS, retained []byte) []byte {
	out := make([]byte, 0, len(kemSS)+len(x25519SS)+len(retained))
	out = append(out, kemSS...)
	out = append(out, x25519SS...)
	return append(out, retained...)
}

// deriveKeys runs the key schedule in the style of TLS 1.3 (RFC 8446,
// Section 7.1) with HKDF-SHA256 (RFC 5869):
//
//	PRK    = HKDF-Extract(salt = transcript hash, IKM = ikm(...))
//	secret = HKDF-Expand(PRK, label, 32)   for each label above
//
// The caller wipes ikm; deriveKeys wipes the PRK before it returns.
func deriveKeys(ikmBytes []byte, th *[TranscriptHashSize]byte) (*keySchedule, error) {
	prk, err := hkdf.Extract(sha256.New, ikmBytes, th[:])
	if err != nil {
		return nil, fmt.Errorf("%w: hkdf extract: %w", ErrInternal, err)
	}
	defer clear(prk)
	ks := new(keySchedule)
	for _, o := range []struct {
		dst   *[SecretSize]byte
		label string
	}{
		{&ks.confirmInitiator, labelConfirmInitiator},
		{&ks.confirmResponder, labelConfirmResponder},
		{&ks.mediaI2R, labelMediaI2R},
		{&ks.mediaR2I, labelMediaR2I},
		{&ks.transportI2R, labelTransportI2R},
		{&ks.transportR2I, labelTransportR2I},
		{&ks.sas, labelSAS},
		{&ks.exporter, labelExporter},
		{&ks.retained, labelRetained},
	} {
		out, err := hkdf.Expand(sha256.New, prk, o.label, SecretSize)
		if err != nil {
			ks.wipe()
			return nil, fmt.Errorf("%w: hkdf expand: %w", ErrInternal, err)
		}
		copy(o.dst[:], out)
		clear(out)
	}
	return ks, nil
}

// confirmMAC returns HMAC-SHA256(key, transcript hash).
func confirmMAC(key *[SecretSize]byte, th *[TranscriptHashSize]byte) [wire.MACSize]byte {
	m := hmac.New(sha256.New, key[:])
	m.Write(th[:])
	var out [wire.MACSize]byte
	m.Sum(out[:0])
	return out
}

// resultParams is what a Result holds besides the derived secrets.
type resultParams struct {
	suite      Suite
	role       Role
	cfg        *Config
	th         *[TranscriptHashSize]byte
	decision   policy.Decision
	peerPolicy policy.Party
	cont       *continuity
}

// result maps the schedule's directional secrets onto role's send/receive.
// When the policy decision is E2EE off the media secrets stay zero, and
// TakeMediaSecrets refuses them.
func (ks *keySchedule) result(p resultParams) *Result {
	sec := &resultSecrets{sas: ks.sas, exporter: ks.exporter}
	r := &Result{
		suite:          p.suite,
		role:           p.role,
		callID:         append([]byte(nil), p.cfg.CallID...),
		localID:        p.cfg.LocalID,
		peerID:         p.cfg.PeerID,
		transcriptHash: *p.th,
		secrets:        sec,
		decision:       p.decision,
		localPolicy:    p.cfg.Policy,
		peerPolicy:     p.peerPolicy,
		continuity:     p.cont.status,
		verified:       p.cont.status == ContinuityKept && p.cont.verified,
		store:          p.cont.store,
		retainedFP:     sha256.Sum256(ks.retained[:]),
	}
	switch p.role {
	case Initiator:
		sec.sendMedia, sec.recvMedia = ks.mediaI2R, ks.mediaR2I
		sec.sendTransport, sec.recvTransport = ks.transportI2R, ks.transportR2I
	case Responder:
		sec.sendMedia, sec.recvMedia = ks.mediaR2I, ks.mediaI2R
		sec.sendTransport, sec.recvTransport = ks.transportR2I, ks.transportI2R
	default:
		panic("keyexchange: internal error: invalid role")
	}
	if !p.decision.E2EE {
		clear(sec.sendMedia[:])
		clear(sec.recvMedia[:])
	}
	return r
}

// wipe clears every secret (best-effort: Go may have copied them).
func (ks *keySchedule) wipe() {
	clear(ks.confirmInitiator[:])
	clear(ks.confirmResponder[:])
	clear(ks.mediaI2R[:])
	clear(ks.mediaR2I[:])
	clear(ks.transportI2R[:])
	clear(ks.transportR2I[:])
	clear(ks.sas[:])
	clear(ks.exporter[:])
	clear(ks.retained[:])
}
