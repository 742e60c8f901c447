package keyexchange

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"sync"

	"github.com/callseal/callseal/keyexchange/internal/wire"
)

// Handshake runs one party of the callseal key exchange (PROTOCOL.md): an
// explicit state machine (see State) fed with the peer's messages.
//
// The initiator calls Start and sends the returned Commit; each side then
// passes every message from the peer to Handle and sends what Handle returns
// (when it is not nil), until Done reports true and Result yields the keys.
// The app carries the messages over its own signaling channel.
//
// A message that Handle rejects leaves the state unchanged, so the genuine
// message that follows it still succeeds. A byte-exact repeat of a peer
// message already accepted is answered with the same reply as the first time
// (nil for the final Confirm), so signaling retransmission is harmless.
//
// A Handshake is safe for concurrent use by several goroutines; calls are
// serialised. It is single-use: one Handshake per call and party.
type Handshake struct {
	mu    sync.Mutex
	cfg   Config
	state State
	suite Suite // chosen suite, once known

	// This party's contribution. priv is wiped (best-effort: Go may keep
	// copies, e.g. inside crypto/ecdh) as soon as the shared secret exists.
	priv  [x25519PrivateKeySize]byte
	pub   [wire.PublicKeySize]byte
	nonce [wire.NonceSize]byte

	commitMsg      []byte                    // message 1 as sent / received
	responseMsg    []byte                    // message 2 as sent / received
	peerCommitment [wire.CommitmentSize]byte // responder: the initiator's commitment

	wantConfirm [wire.MACSize]byte // initiator: expected Confirm_R
	pending     *Result            // initiator: result awaiting Confirm_R
	result      *Result            // set in StateDone

	// answered records every peer message accepted so far with the reply
	// sent, to answer retransmissions idempotently.
	answered []exchange
}

type exchange struct {
	in, out []byte
}

// New returns a Handshake for cfg, in StateStart for an initiator and in
// StateAwaitCommit for a responder. It returns an error wrapping
// ErrInvalidConfig if cfg is unusable.
func New(cfg Config) (*Handshake, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	h := &Handshake{cfg: cfg}
	switch cfg.Role {
	case Initiator:
		h.state = StateStart
	case Responder:
		h.state = StateAwaitCommit
	}
	return h, nil
}

// State returns the current state.
func (h *Handshake) State() State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state
}

// Done reports whether the handshake completed and Result is available.
func (h *Handshake) Done() bool {
	return h.State() == StateDone
}

// Result returns the negotiated keys. It returns ErrNotDone before Done.
func (h *Handshake) Result() (*Result, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != StateDone {
		return nil, fmt.Errorf("%w: state %v", ErrNotDone, h.state)
	}
	return h.result, nil
}

// Start begins the handshake on the initiator and returns message 1, Commit.
// It returns ErrWrongState on a responder or when called a second time.
func (h *Handshake) Start() ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg.Role != Initiator || h.state != StateStart {
		return nil, fmt.Errorf("%w: Start in state %v as %v", ErrWrongState, h.state, h.cfg.Role)
	}
	priv, pub, err := newX25519Key(h.cfg.Rand)
	if err != nil {
		return nil, err
	}
	var nonce [wire.NonceSize]byte
	if err := readNonce(h.cfg, &nonce); err != nil {
		clear(priv[:])
		return nil, err
	}
	c := &wire.Commit{
		Suites:      suiteCodes(h.cfg.Suites),
		CallID:      h.cfg.CallID,
		InitiatorID: h.cfg.LocalID,
		ResponderID: h.cfg.PeerID,
		Commitment:  commitment(&pub, &nonce),
	}
	msg, err := c.Marshal()
	if err != nil {
		clear(priv[:])
		return nil, fmt.Errorf("keyexchange: internal error: %w", err)
	}
	h.priv, h.pub, h.nonce = priv, pub, nonce
	clear(priv[:])
	h.commitMsg = msg
	h.state = StateAwaitResponse
	return bytes.Clone(msg), nil
}

// Handle processes one message from the peer and returns the reply to send,
// or nil when there is none (the initiator receiving Confirm). Errors wrap
// one of the package's sentinels; after an error the state is unchanged.
func (h *Handshake) Handle(msg []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == StateStart {
		return nil, fmt.Errorf("%w: Handle before Start", ErrWrongState)
	}
	t, err := wire.PeekType(msg)
	if err != nil {
		return nil, err
	}
	// A retransmission of a message already accepted gets the same reply.
	for _, e := range h.answered {
		if bytes.Equal(e.in, msg) {
			return bytes.Clone(e.out), nil
		}
	}
	var reply []byte
	switch {
	case h.state == StateAwaitCommit && t == wire.TypeCommit:
		reply, err = h.handleCommit(msg)
	case h.state == StateAwaitResponse && t == wire.TypeResponse:
		reply, err = h.handleResponse(msg)
	case h.state == StateAwaitReveal && t == wire.TypeReveal:
		reply, err = h.handleReveal(msg)
	case h.state == StateAwaitConfirm && t == wire.TypeConfirm:
		reply, err = h.handleConfirm(msg)
	default:
		return nil, fmt.Errorf("%w: %v in state %v", ErrUnexpectedMessage, t, h.state)
	}
	if err != nil {
		return nil, err
	}
	h.answered = append(h.answered, exchange{in: bytes.Clone(msg), out: reply})
	return bytes.Clone(reply), nil
}

// handleCommit: responder, message 1 → message 2. It checks the call ID and
// both identities, chooses the suite, and draws the responder's key share
// and nonce. The commitment is kept and checked against the Reveal.
func (h *Handshake) handleCommit(msg []byte) ([]byte, error) {
	c, err := wire.ParseCommit(msg)
	if err != nil {
		return nil, err
	}
	if err := h.checkIdentity("commit", c.CallID, c.InitiatorID, c.ResponderID); err != nil {
		return nil, err
	}
	suite, ok := chooseSuite(h.cfg.Suites, c.Suites)
	if !ok {
		return nil, fmt.Errorf("%w: offered %04x", ErrNoCommonSuite, c.Suites)
	}
	priv, pub, err := newX25519Key(h.cfg.Rand)
	if err != nil {
		return nil, err
	}
	var nonce [wire.NonceSize]byte
	if err := readNonce(h.cfg, &nonce); err != nil {
		clear(priv[:])
		return nil, err
	}
	r := &wire.Response{
		Suite:       uint16(suite),
		CallID:      h.cfg.CallID,
		ResponderID: h.cfg.LocalID,
		InitiatorID: h.cfg.PeerID,
		PublicKey:   pub,
		Nonce:       nonce,
	}
	reply, err := r.Marshal()
	if err != nil {
		clear(priv[:])
		return nil, fmt.Errorf("keyexchange: internal error: %w", err)
	}
	h.priv, h.pub, h.nonce = priv, pub, nonce
	clear(priv[:])
	h.suite = suite
	h.peerCommitment = c.Commitment
	h.commitMsg = bytes.Clone(msg)
	h.responseMsg = reply
	h.state = StateAwaitReveal
	return reply, nil
}

// handleResponse: initiator, message 2 → message 3. It checks the call ID,
// both identities and the chosen suite, computes the shared secret, runs
// the key schedule and reveals its key share, nonce and Confirm_I.
func (h *Handshake) handleResponse(msg []byte) ([]byte, error) {
	r, err := wire.ParseResponse(msg)
	if err != nil {
		return nil, err
	}
	if err := h.checkIdentity("response", r.CallID, r.ResponderID, r.InitiatorID); err != nil {
		return nil, err
	}
	suite := Suite(r.Suite)
	if !containsSuite(h.cfg.Suites, suite) {
		return nil, fmt.Errorf("%w: responder chose %v, which was not offered", ErrNoCommonSuite, suite)
	}
	reveal := &wire.Reveal{PublicKey: h.pub, Nonce: h.nonce}
	th := transcriptHash(h.commitMsg, msg, reveal.TranscriptPart())
	ks, err := h.keySchedule(suite, &r.PublicKey, &th)
	if err != nil {
		return nil, err
	}
	defer ks.wipe()
	reveal.Confirm = confirmMAC(&ks.confirmInitiator, &th)
	reply, err := reveal.Marshal()
	if err != nil {
		return nil, fmt.Errorf("keyexchange: internal error: %w", err)
	}
	clear(h.priv[:])
	h.suite = suite
	h.responseMsg = bytes.Clone(msg)
	h.wantConfirm = confirmMAC(&ks.confirmResponder, &th)
	h.pending = ks.result(suite, Initiator, h.cfg.CallID, h.cfg.LocalID, h.cfg.PeerID, &th)
	h.state = StateAwaitConfirm
	return reply, nil
}

// handleReveal: responder, message 3 → message 4. It first checks that the
// revealed key share and nonce hash to the commitment of the Commit it
// answered, as the ZRTP responder checks hvi (RFC 6189, Section 4.4.1.1),
// in constant time; only then computes the shared secret, runs the key
// schedule and verifies Confirm_I before answering with Confirm_R.
func (h *Handshake) handleReveal(msg []byte) ([]byte, error) {
	rv, err := wire.ParseReveal(msg)
	if err != nil {
		return nil, err
	}
	got := commitment(&rv.PublicKey, &rv.Nonce)
	if subtle.ConstantTimeCompare(got[:], h.peerCommitment[:]) != 1 {
		return nil, fmt.Errorf("%w: reveal does not match the commit answered", ErrCommitment)
	}
	th := transcriptHash(h.commitMsg, h.responseMsg, rv.TranscriptPart())
	ks, err := h.keySchedule(h.suite, &rv.PublicKey, &th)
	if err != nil {
		return nil, err
	}
	defer ks.wipe()
	want := confirmMAC(&ks.confirmInitiator, &th)
	if !hmacEqual(&want, &rv.Confirm) {
		return nil, fmt.Errorf("%w: initiator's confirm MAC", ErrConfirm)
	}
	c := &wire.Confirm{Confirm: confirmMAC(&ks.confirmResponder, &th)}
	reply, err := c.Marshal()
	if err != nil {
		return nil, fmt.Errorf("keyexchange: internal error: %w", err)
	}
	clear(h.priv[:])
	h.result = ks.result(h.suite, Responder, h.cfg.CallID, h.cfg.LocalID, h.cfg.PeerID, &th)
	h.state = StateDone
	return reply, nil
}

// handleConfirm: initiator, message 4. It verifies Confirm_R and completes.
func (h *Handshake) handleConfirm(msg []byte) ([]byte, error) {
	c, err := wire.ParseConfirm(msg)
	if err != nil {
		return nil, err
	}
	if !hmacEqual(&h.wantConfirm, &c.Confirm) {
		return nil, fmt.Errorf("%w: responder's confirm MAC", ErrConfirm)
	}
	clear(h.wantConfirm[:])
	h.result, h.pending = h.pending, nil
	h.state = StateDone
	return nil, nil
}

// keySchedule computes the suite's shared secret with the peer's key share
// and derives every secret from it and the transcript hash. It wipes the
// shared secret; the caller wipes the schedule.
func (h *Handshake) keySchedule(suite Suite, peer *[wire.PublicKeySize]byte, th *[TranscriptHashSize]byte) (*keySchedule, error) {
	var ikm []byte
	switch suite {
	case X25519_SHA256:
		ss, err := x25519(&h.priv, peer)
		if err != nil {
			return nil, err
		}
		ikm = ss
	default:
		panic("keyexchange: internal error: unsupported suite " + suite.String())
	}
	defer clear(ikm)
	return deriveKeys(ikm, th)
}

// checkIdentity checks that a message belongs to this call, comes from the
// configured peer and is meant for this party.
func (h *Handshake) checkIdentity(what string, callID []byte, sender, receiver string) error {
	if !bytes.Equal(callID, h.cfg.CallID) {
		return fmt.Errorf("%w: %s for another call ID", ErrIdentity, what)
	}
	if sender != h.cfg.PeerID {
		return fmt.Errorf("%w: %s from %q, want %q", ErrIdentity, what, sender, h.cfg.PeerID)
	}
	if receiver != h.cfg.LocalID {
		return fmt.Errorf("%w: %s addressed to %q, want %q", ErrIdentity, what, receiver, h.cfg.LocalID)
	}
	return nil
}

func readNonce(cfg Config, nonce *[wire.NonceSize]byte) error {
	if _, err := io.ReadFull(cfg.Rand, nonce[:]); err != nil {
		return fmt.Errorf("keyexchange: reading randomness: %w", err)
	}
	return nil
}

func hmacEqual(a, b *[wire.MACSize]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// chooseSuite returns the responder's most preferred suite among offered.
// Unknown code points in offered are ignored.
func chooseSuite(mine []Suite, offered []uint16) (Suite, bool) {
	for _, s := range mine {
		for _, o := range offered {
			if uint16(s) == o {
				return s, true
			}
		}
	}
	return 0, false
}

func containsSuite(list []Suite, s Suite) bool {
	for _, t := range list {
		if t == s {
			return true
		}
	}
	return false
}

func suiteCodes(suites []Suite) []uint16 {
	out := make([]uint16, len(suites))
	for i, s := range suites {
		out[i] = uint16(s)
	}
	return out
}
