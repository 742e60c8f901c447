package keyexchange

import (
	"bytes"
	"crypto/mlkem"
	"crypto/subtle"
	"fmt"
	"io"
	"sync"

	"github.com/callseal/callseal/keyexchange/internal/wire"
	"github.com/callseal/callseal/policy"
)

// Handshake runs one party of the callseal key exchange (PROTOCOL.md): an
// explicit state machine (see State) fed with the peer's messages.
//
// The initiator calls Start and sends the returned Commit; each side then
// passes every message from the peer to Handle and sends what Handle returns
// (when it is not nil), until Done reports true and Result yields the keys.
// The app carries the messages over its own signaling channel; MessageCallID
// tells it which call a message belongs to.
//
// Over a lossy channel the initiator resends Retransmit's message when no
// reply came in time; the responder needs no timer. A message that Handle
// rejects leaves the state unchanged, so the genuine message that follows it
// still succeeds. A byte-exact repeat of a peer message already accepted is
// answered with the same reply as the first time (nil for the final
// Confirm), so retransmissions and duplicates are harmless.
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

	// ML-KEM state of the hybrid suite. kemKey: the initiator's
	// decapsulation key, dropped once it has decapsulated. kemSecret: the
	// responder's encapsulated secret, kept until the Reveal and then wiped.
	kemKey    *mlkem.DecapsulationKey768
	kemSecret []byte

	commitMsg      []byte                    // message 1 as sent / received
	responseMsg    []byte                    // message 2 as sent / received
	peerCommitment [wire.CommitmentSize]byte // responder: the initiator's commitment
	peerPolicy     policy.Party
	decision       policy.Decision
	cont           *continuity // retained secrets; wiped when done

	wantConfirm [wire.MACSize]byte // initiator: expected Confirm_R
	pending     *Result            // initiator: result awaiting Confirm_R
	pendingRec  ContinuityRecord   // initiator: record to save on Confirm_R
	result      *Result            // set in StateDone

	lastSent []byte // the initiator's last message, for Retransmit
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

// MessageCallID returns the call ID of a handshake message (the first field
// of every message), after checking its size, version and type, so an app
// that multiplexes calls over one signaling channel can find the Handshake
// it belongs to. Errors wrap ErrMalformed or ErrVersion.
func MessageCallID(msg []byte) ([]byte, error) {
	_, id, err := wire.PeekCallID(msg)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(id), nil
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
//
// When the handshake completed but the two parties' policies do not allow
// end-to-end encryption, it returns the Result together with a *PolicyError
// (errors.Is(err, ErrE2EEDisabled)): the Result carries the decision and
// its reason (Result.Decision), the transport keys and the check number for
// the transport-SRTP-only fallback, and zero media secrets. A caller that
// treats every error as fatal thus never runs E2EE against policy.
//
// When, in addition, a party requires E2EE (policy.Party.RequireE2EE), the
// decision is Refused and the *PolicyError also matches ErrE2EERequired:
// the call must not run at all. The Result is still returned, so that the
// app can show the check number (verify.CheckNumber), which authenticates
// both parties' policy states: users who compare it confirm that the
// refusal, and its reason, were not forged on the signaling path.
// callseal.New and srtp.KeysFromResult refuse such a Result.
func (h *Handshake) Result() (*Result, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != StateDone {
		return nil, fmt.Errorf("%w: state %v", ErrNotDone, h.state)
	}
	if !h.result.decision.E2EE {
		return h.result, &PolicyError{Decision: h.result.Decision()}
	}
	return h.result, nil
}

// Retransmit returns the message to send again when the reply to it did not
// arrive in time: the initiator's Commit while it awaits the Response, its
// Reveal while it awaits the Confirm. It returns nil in every other state
// and on the responder, which answers each retransmission it receives and
// so needs no timer of its own.
func (h *Handshake) Retransmit() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == StateAwaitResponse || h.state == StateAwaitConfirm {
		return bytes.Clone(h.lastSent)
	}
	return nil
}

// Start begins the handshake on the initiator and returns message 1, Commit.
// It returns ErrWrongState on a responder or when called a second time, and
// an error wrapping ErrContinuity if the ContinuityStore fails; after an
// error the state is unchanged. With a ContinuityStore, Start counts the
// attempt in the peer's record (ContinuityRecord.FailedAttempts) before it
// returns the Commit; completing the handshake resets the count.
//
// Config.Rand is read in this order: X25519 scalar (32 bytes), ML-KEM-768
// seed d ‖ z (64 bytes, only if the hybrid suite is offered), nonce (32).
func (h *Handshake) Start() ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg.Role != Initiator || h.state != StateStart {
		return nil, fmt.Errorf("%w: Start in state %v as %v", ErrWrongState, h.state, h.cfg.Role)
	}
	cont, err := loadContinuity(h.cfg.Continuity, h.cfg.PeerID)
	if err != nil {
		return nil, err
	}
	priv, pub, err := newX25519Key(h.cfg.Rand)
	if err != nil {
		cont.wipe()
		return nil, err
	}
	defer clear(priv[:])
	var kemKey *mlkem.DecapsulationKey768
	var ek []byte
	if containsSuite(h.cfg.Suites, X25519_MLKEM768_SHA256) {
		if kemKey, err = newMLKEMKey(h.cfg.Rand); err != nil {
			cont.wipe()
			return nil, err
		}
		ek = kemKey.EncapsulationKey().Bytes()
	}
	var nonce [wire.NonceSize]byte
	if err := readNonce(h.cfg, &nonce); err != nil {
		cont.wipe()
		return nil, err
	}
	c := &wire.Commit{
		CallID:      h.cfg.CallID,
		Suites:      suiteCodes(h.cfg.Suites),
		InitiatorID: h.cfg.LocalID,
		ResponderID: h.cfg.PeerID,
		Policy:      h.cfg.Policy,
		RetainedIDs: cont.ids(Initiator, h.cfg.CallID),
		KEMKey:      ek,
		Commitment:  commitment(&pub, &nonce),
	}
	msg, err := c.Marshal()
	if err != nil {
		cont.wipe()
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	// Last, so that an error before leaves the store as it was.
	if err := cont.countAttempt(); err != nil {
		cont.wipe()
		return nil, err
	}
	h.priv, h.pub, h.nonce = priv, pub, nonce
	h.kemKey = kemKey
	h.cont = cont
	h.commitMsg = msg
	h.lastSent = msg
	h.state = StateAwaitResponse
	return bytes.Clone(msg), nil
}

// Handle processes one message from the peer and returns the reply to send,
// or nil when there is none (the initiator receiving Confirm). Errors wrap
// one of the package's sentinels; after an error the state is unchanged.
//
// The checks run in this order: size, version and type (ErrMalformed,
// ErrVersion), the call ID (ErrCallID), a repeat of an accepted message
// (answered again), the state (ErrUnexpectedMessage), then the message
// itself.
func (h *Handshake) Handle(msg []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == StateStart {
		return nil, fmt.Errorf("%w: Handle before Start", ErrWrongState)
	}
	t, callID, err := wire.PeekCallID(msg)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(callID, h.cfg.CallID) {
		return nil, fmt.Errorf("%w: %w: %v for call %x, this is call %x", ErrCallID, ErrIdentity, t, callID, h.cfg.CallID)
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
	if h.cfg.Role == Initiator && reply != nil {
		h.lastSent = reply
	}
	return bytes.Clone(reply), nil
}

// handleCommit: responder, message 1 → message 2. It checks both
// identities, chooses the suite, decides the policy, matches retained
// secrets, draws the responder's key share, ML-KEM ciphertext (hybrid)
// and nonce, and counts the attempt in the ContinuityStore. The commitment
// is kept and checked against the Reveal.
//
// Config.Rand is read in this order: X25519 scalar (32 bytes), ML-KEM
// encapsulation randomness m (32 bytes, hybrid, test hook only), nonce (32).
func (h *Handshake) handleCommit(msg []byte) ([]byte, error) {
	c, err := wire.ParseCommit(msg)
	if err != nil {
		return nil, err
	}
	if err := h.checkIdentity("commit", c.InitiatorID, c.ResponderID); err != nil {
		return nil, err
	}
	suite, ok := chooseSuite(h.cfg.Suites, c.Suites)
	if !ok {
		return nil, fmt.Errorf("%w: offered %04x", ErrNoCommonSuite, c.Suites)
	}
	cont, err := loadContinuity(h.cfg.Continuity, h.cfg.PeerID)
	if err != nil {
		return nil, err
	}
	cont.findMatch(Initiator, c.RetainedIDs, h.cfg.CallID)
	fail := func(err error, secrets ...[]byte) ([]byte, error) {
		cont.wipe()
		for _, s := range secrets {
			clear(s)
		}
		return nil, err
	}
	priv, pub, err := newX25519Key(h.cfg.Rand)
	if err != nil {
		return fail(err)
	}
	defer clear(priv[:])
	var kemSS, ct []byte
	if suite.hybrid() {
		if kemSS, ct, err = mlkemEncapsulate(c.KEMKey, h.cfg.Rand); err != nil {
			return fail(err)
		}
	}
	var nonce [wire.NonceSize]byte
	if err := readNonce(h.cfg, &nonce); err != nil {
		return fail(err, kemSS)
	}
	r := &wire.Response{
		CallID:        h.cfg.CallID,
		Suite:         uint16(suite),
		ResponderID:   h.cfg.LocalID,
		InitiatorID:   h.cfg.PeerID,
		Policy:        h.cfg.Policy,
		RetainedIDs:   cont.ids(Responder, h.cfg.CallID),
		PublicKey:     pub,
		KEMCiphertext: ct,
		Nonce:         nonce,
	}
	reply, err := r.Marshal()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInternal, err), kemSS)
	}
	// Last, so that a rejected Commit leaves the store as it was; a
	// repeated Commit is answered by Handle and not counted again.
	if err := cont.countAttempt(); err != nil {
		return fail(err, kemSS)
	}
	h.priv, h.pub, h.nonce = priv, pub, nonce
	h.kemSecret = kemSS
	h.suite = suite
	h.peerCommitment = c.Commitment
	h.peerPolicy = c.Policy
	h.decision = policy.Decide(h.cfg.Policy, c.Policy)
	h.cont = cont
	h.commitMsg = bytes.Clone(msg)
	h.responseMsg = reply
	h.state = StateAwaitReveal
	return reply, nil
}

// handleResponse: initiator, message 2 → message 3. It checks both
// identities and the chosen suite, decapsulates (hybrid), matches retained
// secrets, computes the shared secret, runs the key schedule and reveals
// its key share, nonce and Confirm_I.
func (h *Handshake) handleResponse(msg []byte) ([]byte, error) {
	r, err := wire.ParseResponse(msg)
	if err != nil {
		return nil, err
	}
	if err := h.checkIdentity("response", r.ResponderID, r.InitiatorID); err != nil {
		return nil, err
	}
	suite := Suite(r.Suite)
	if !containsSuite(h.cfg.Suites, suite) {
		return nil, fmt.Errorf("%w: responder chose %v, which was not offered", ErrNoCommonSuite, suite)
	}
	var kemSS []byte
	if suite.hybrid() {
		if kemSS, err = mlkemDecapsulate(h.kemKey, r.KEMCiphertext); err != nil {
			return nil, err
		}
		defer clear(kemSS)
	}
	// findMatch only sets fields that this function sets again on every
	// call, so a rejected Response leaves no trace.
	h.cont.findMatch(Responder, r.RetainedIDs, h.cfg.CallID)
	reveal := &wire.Reveal{CallID: h.cfg.CallID, PublicKey: h.pub, Nonce: h.nonce}
	part, err := reveal.TranscriptPart()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	th := transcriptHash(h.commitMsg, msg, part)
	ks, err := h.keySchedule(kemSS, &r.PublicKey, &th)
	if err != nil {
		return nil, err
	}
	defer ks.wipe()
	reveal.Confirm = confirmMAC(&ks.confirmInitiator, &th)
	reply, err := reveal.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	clear(h.priv[:])
	h.kemKey = nil // crypto/mlkem offers no way to wipe it; drop it
	h.suite = suite
	h.peerPolicy = r.Policy
	h.decision = policy.Decide(h.cfg.Policy, r.Policy)
	h.responseMsg = bytes.Clone(msg)
	h.wantConfirm = confirmMAC(&ks.confirmResponder, &th)
	h.pending = ks.result(h.resultParams(&th))
	h.pendingRec = h.cont.next(&ks.retained)
	h.cont.wipe()
	h.state = StateAwaitConfirm
	return reply, nil
}

// handleReveal: responder, message 3 → message 4. It first checks that the
// revealed key share and nonce hash to the commitment of the Commit it
// answered, as the ZRTP responder checks hvi (RFC 6189, Section 4.4.1.1),
// in constant time; only then computes the shared secret, runs the key
// schedule and verifies Confirm_I, saves the next retained secret, and
// answers with Confirm_R.
func (h *Handshake) handleReveal(msg []byte) ([]byte, error) {
	rv, err := wire.ParseReveal(msg)
	if err != nil {
		return nil, err
	}
	got := commitment(&rv.PublicKey, &rv.Nonce)
	if subtle.ConstantTimeCompare(got[:], h.peerCommitment[:]) != 1 {
		return nil, fmt.Errorf("%w: reveal does not match the commit answered", ErrCommitment)
	}
	part, err := rv.TranscriptPart()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	th := transcriptHash(h.commitMsg, h.responseMsg, part)
	ks, err := h.keySchedule(h.kemSecret, &rv.PublicKey, &th)
	if err != nil {
		return nil, err
	}
	defer ks.wipe()
	want := confirmMAC(&ks.confirmInitiator, &th)
	if !hmacEqual(&want, &rv.Confirm) {
		return nil, fmt.Errorf("%w: initiator's confirm MAC", ErrConfirm)
	}
	c := &wire.Confirm{CallID: h.cfg.CallID, Confirm: confirmMAC(&ks.confirmResponder, &th)}
	reply, err := c.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	if err := h.saveContinuity(h.cont.next(&ks.retained)); err != nil {
		return nil, err
	}
	clear(h.priv[:])
	clear(h.kemSecret)
	h.kemSecret = nil
	h.result = ks.result(h.resultParams(&th))
	h.result.failedAttempts = h.cont.failedBefore()
	h.cont.wipe()
	h.state = StateDone
	return reply, nil
}

// handleConfirm: initiator, message 4. It verifies Confirm_R, saves the
// next retained secret and completes.
func (h *Handshake) handleConfirm(msg []byte) ([]byte, error) {
	c, err := wire.ParseConfirm(msg)
	if err != nil {
		return nil, err
	}
	if !hmacEqual(&h.wantConfirm, &c.Confirm) {
		return nil, fmt.Errorf("%w: responder's confirm MAC", ErrConfirm)
	}
	if err := h.saveContinuity(h.pendingRec); err != nil {
		return nil, err
	}
	h.pendingRec = ContinuityRecord{} // wipes its secrets
	clear(h.wantConfirm[:])
	h.result, h.pending = h.pending, nil
	h.result.failedAttempts = h.cont.failedBefore()
	h.state = StateDone
	return nil, nil
}

// saveContinuity stores rec for the peer, if continuity is on. It wipes
// its copy of rec; the caller wipes its own.
func (h *Handshake) saveContinuity(rec ContinuityRecord) error {
	defer rec.wipe()
	if h.cfg.Continuity == nil {
		return nil
	}
	if err := h.cfg.Continuity.Save(h.cfg.PeerID, rec); err != nil {
		return fmt.Errorf("%w: save: %w", ErrContinuity, err)
	}
	return nil
}

func (h *Handshake) resultParams(th *[TranscriptHashSize]byte) resultParams {
	return resultParams{
		suite:      h.suite,
		role:       h.cfg.Role,
		cfg:        &h.cfg,
		th:         th,
		decision:   h.decision,
		peerPolicy: h.peerPolicy,
		cont:       h.cont,
	}
}

// keySchedule computes the X25519 shared secret with the peer's key share,
// assembles IKM = [ML-KEM ss ‖] X25519 ss ‖ [retained secret] and derives
// every secret from it and the transcript hash. It wipes the X25519 secret
// and IKM; the caller wipes kemSS and the schedule.
func (h *Handshake) keySchedule(kemSS []byte, peer *[wire.PublicKeySize]byte, th *[TranscriptHashSize]byte) (*keySchedule, error) {
	ss, err := x25519(&h.priv, peer)
	if err != nil {
		return nil, err
	}
	defer clear(ss)
	in := ikm(kemSS, ss, h.cont.secret())
	defer clear(in)
	return deriveKeys(in, th)
}

// checkIdentity checks that a message comes from the configured peer and
// is meant for this party. (Handle has checked the call ID.)
func (h *Handshake) checkIdentity(what string, sender, receiver string) error {
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
		return fmt.Errorf("%w: reading randomness: %w", ErrInternal, err)
	}
	return nil
}

func hmacEqual(a, b *[wire.MACSize]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// chooseSuite returns the first suite of the initiator's offer (its
// preference order) that the responder supports. Unknown code points in
// offered are skipped.
func chooseSuite(mine []Suite, offered []uint16) (Suite, bool) {
	for _, o := range offered {
		for _, s := range mine {
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

// stateWiped is the state of a Handshake that Wipe ended before it was
// done: no message, Start or Result is accepted any more.
const stateWiped State = 0

// Wipe erases the handshake's secrets (best-effort: Go may have copied
// them, and crypto/mlkem offers no way to clear a decapsulation key, so it
// is dropped): the private key share, the nonce, the ML-KEM state, the
// pending confirmation, the retained secrets loaded for continuity, and
// the Result's secrets (Result.Wipe), which also wipes the Result held by
// the app.
//
// Call it when the handshake is abandoned (a timeout, a failed call) or
// when the call no longer needs the Result's SAS and exporter secrets.
// After Wipe on an unfinished handshake every later Start, Handle and
// Result fails (ErrWrongState, ErrUnexpectedMessage, ErrNotDone). After
// Wipe on a finished one, Result still returns the wiped Result, and a
// retransmission of the peer's last message is still answered (the
// answer is public), so a peer whose final message was lost can finish.
// Calling it again does nothing.
func (h *Handshake) Wipe() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.priv[:])
	clear(h.nonce[:])
	h.kemKey = nil
	clear(h.kemSecret)
	h.kemSecret = nil
	clear(h.wantConfirm[:])
	h.pendingRec.wipe()
	h.pendingRec = ContinuityRecord{}
	h.cont.wipe()
	if h.pending != nil {
		h.pending.Wipe()
		h.pending = nil
	}
	if h.result != nil {
		h.result.Wipe()
	}
	if h.state != StateDone {
		h.state = stateWiped
		h.answered = nil
		h.lastSent = nil
	}
}
