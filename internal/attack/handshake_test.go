package attack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/verify"
	"github.com/stretchr/testify/require"
)

// memStore is an in-memory keyexchange.ContinuityStore.
type memStore struct {
	mu   sync.Mutex
	recs map[string]keyexchange.ContinuityRecord
}

func (s *memStore) Load(peer string) (keyexchange.ContinuityRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[peer]
	return r, ok, nil
}

func (s *memStore) Save(peer string, r keyexchange.ContinuityRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[peer] = r
	return nil
}

// hsSetup is a handshake configuration under attack.
type hsSetup struct {
	name string
	cfg  func(ci, cr *keyexchange.Config)
}

// hsSetups are the two suites. X25519_SHA256 runs bare (no continuity,
// zero policy). The hybrid suite runs with everything a message can carry:
// the initiator offers both suites (hybrid first), both parties hold two
// matching retained secrets (two retained IDs per message), and both have
// a managed policy that allows E2EE, so that every field is non-empty.
var hsSetups = []hsSetup{
	{"X25519_SHA256", func(ci, cr *keyexchange.Config) {}},
	{"X25519_MLKEM768_SHA256", func(ci, cr *keyexchange.Config) {
		ci.Suites = []keyexchange.Suite{keyexchange.X25519_MLKEM768_SHA256, keyexchange.X25519_SHA256}
		cr.Suites = []keyexchange.Suite{keyexchange.X25519_SHA256, keyexchange.X25519_MLKEM768_SHA256}
		p := policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true}
		ci.Policy, cr.Policy = p, p
		rec := keyexchange.ContinuityRecord{Secret: [32]byte{1, 2, 3}, Previous: [32]byte{4, 5, 6}, HasPrevious: true}
		ci.Continuity = &memStore{recs: map[string]keyexchange.ContinuityRecord{"bob": rec}}
		cr.Continuity = &memStore{recs: map[string]keyexchange.ContinuityRecord{"alice": rec}}
	}},
}

// newHandshake returns alice (initiator) and bob (responder) of one call,
// or of another party's if local/peer are given.
func newHandshake(t testing.TB, setup hsSetup, callID, initiator, responder string) (i, r *keyexchange.Handshake) {
	t.Helper()
	ci := keyexchange.Config{Role: keyexchange.Initiator, CallID: []byte(callID), LocalID: initiator, PeerID: responder}
	cr := keyexchange.Config{Role: keyexchange.Responder, CallID: []byte(callID), LocalID: responder, PeerID: initiator}
	setup.cfg(&ci, &cr)
	i, err := keyexchange.New(ci)
	require.NoError(t, err)
	r, err = keyexchange.New(cr)
	require.NoError(t, err)
	return i, r
}

// hs is one handshake in progress: the parties and the messages so far
// (msgs[0] Commit, [1] Response, [2] Reveal, [3] Confirm).
type hs struct {
	i, r *keyexchange.Handshake
	msgs [][]byte
}

// receiver returns the party message k goes to.
func (h *hs) receiver(k int) *keyexchange.Handshake {
	if k%2 == 0 {
		return h.r
	}
	return h.i
}

// sender returns the party that sends message k.
func (h *hs) sender(k int) *keyexchange.Handshake {
	if k%2 == 0 {
		return h.i
	}
	return h.r
}

// advance runs h until message k exists and has not been delivered.
func (h *hs) advance(t testing.TB, k int) {
	t.Helper()
	if len(h.msgs) == 0 {
		m, err := h.i.Start()
		require.NoError(t, err)
		h.msgs = append(h.msgs, m)
	}
	for len(h.msgs) <= k {
		j := len(h.msgs) - 1
		m, err := h.receiver(j).Handle(h.msgs[j])
		require.NoError(t, err)
		h.msgs = append(h.msgs, m)
	}
}

// startAt returns a new handshake of setup advanced to message k.
func startAt(t testing.TB, setup hsSetup, k int) *hs {
	t.Helper()
	i, r := newHandshake(t, setup, "call-1", "alice", "bob")
	h := &hs{i: i, r: r}
	h.advance(t, k)
	return h
}

// finish delivers the genuine messages from k on and checks that the
// handshake completes with the same check number, transcript and keys on
// both sides.
func (h *hs) finish(t testing.TB, c *tally, k int) {
	t.Helper()
	for j := k; j < 4; j++ {
		h.advance(t, j)
		reply, err := h.receiver(j).Handle(h.msgs[j])
		if err != nil {
			c.fail(t, "%s: genuine message %d after attacks: %v", c.name, j+1, err)
			return
		}
		if j < 3 {
			h.msgs = append(h.msgs[:j+1], reply)
		}
	}
	ri, erri := h.i.Result()
	rr, errr := h.r.Result()
	if erri != nil || errr != nil {
		c.fail(t, "%s: results: %v, %v", c.name, erri, errr)
		return
	}
	si, sr, err1 := ri.TakeMediaSecrets()
	ti, tr, err2 := rr.TakeMediaSecrets()
	if err1 != nil || err2 != nil {
		c.fail(t, "%s: media secrets: %v, %v", c.name, err1, err2)
		return
	}
	if verify.CheckNumber(ri) != verify.CheckNumber(rr) || ri.TranscriptHash() != rr.TranscriptHash() ||
		si != tr || sr != ti || ri.Continuity() != rr.Continuity() {
		c.fail(t, "%s: completed handshake differs: check numbers %s / %s", c.name, verify.CheckNumber(ri), verify.CheckNumber(rr))
		return
	}
	c.ok()
}

// field locates byte p of a handshake message (PROTOCOL.md, "Encoding"):
// -2 the version byte, -1 the type byte, otherwise the index of the field
// (0 is the call ID) and whether p is in its 2-byte length prefix.
func field(msg []byte, p int) (idx int, prefix bool) {
	if p < 2 {
		return p - 2, false
	}
	off := 2
	for idx = 0; off+2 <= len(msg); idx++ {
		end := off + 2 + int(binary.BigEndian.Uint16(msg[off:]))
		if p < off+2 {
			return idx, true
		}
		if p < end {
			return idx, false
		}
		off = end
	}
	panic("attack: byte outside the message")
}

// Field indices per message (PROTOCOL.md, "Encoding").
const (
	fCallID = 0
	// Commit
	fSuites, fCommitInitiatorID, fCommitResponderID, fCommitPolicy, fCommitRetained, fEncapKey, fCommitment = 1, 2, 3, 4, 5, 6, 7
	// Response
	fSuite, fRespResponderID, fRespInitiatorID, fRespPolicy, fRespRetained, fPubR, fCiphertext, fNonceR = 1, 2, 3, 4, 5, 6, 7, 8
	// Reveal
	fPubI, fNonceI, fConfirmI = 1, 2, 3
	// Confirm
	fConfirmR = 1
)

// tamperRule says what must happen to message k with byte p changed: the
// errors allowed at once, and (late != nil) whether the receiver may accept
// it because it cannot check that value on arrival, in which case the next
// message fails with *late (PROTOCOL.md, "Checks on receipt": such values are
// bound by the transcript).
type tamperRule struct {
	now  []error
	late error
}

func ruleFor(k int, msg []byte, p int) tamperRule {
	var (
		malformed  = keyexchange.ErrMalformed
		unexpected = keyexchange.ErrUnexpectedMessage
		callID     = keyexchange.ErrCallID
		identity   = keyexchange.ErrIdentity
		commitment = keyexchange.ErrCommitment
		confirm    = keyexchange.ErrConfirm
		noSuite    = keyexchange.ErrNoCommonSuite
	)
	idx, prefix := field(msg, p)
	switch {
	case idx == -2:
		return tamperRule{now: one(keyexchange.ErrVersion)}
	case idx == -1: // another type: unknown, or a type this state does not expect
		return tamperRule{now: []error{malformed, unexpected}}
	case prefix && idx == fCallID: // a shorter call ID is another call's
		return tamperRule{now: []error{malformed, callID}}
	case prefix:
		return tamperRule{now: one(malformed)}
	case idx == fCallID:
		return tamperRule{now: one(callID)}
	}
	switch k {
	case 0: // Commit
		switch idx {
		case fSuites: // unknown or duplicated code point; or another offer, bound by the transcript
			return tamperRule{now: []error{malformed, noSuite}, late: confirm}
		case fCommitInitiatorID, fCommitResponderID:
			return tamperRule{now: one(identity)}
		case fCommitPolicy: // invalid policy byte, or another valid one
			return tamperRule{now: one(malformed), late: confirm}
		case fCommitRetained: // an ID the responder does not know: the two IKMs differ
			return tamperRule{now: one(malformed), late: confirm}
		case fEncapKey: // FIPS 203 encapsulation key check, or another valid key
			return tamperRule{now: one(malformed), late: confirm}
		case fCommitment:
			return tamperRule{late: commitment}
		}
	case 1: // Response
		switch idx {
		case fSuite:
			return tamperRule{now: []error{malformed, noSuite}}
		case fRespResponderID, fRespInitiatorID:
			return tamperRule{now: one(identity)}
		case fRespPolicy, fRespRetained:
			return tamperRule{now: one(malformed), late: confirm}
		case fPubR:
			return tamperRule{now: one(keyexchange.ErrLowOrderPoint), late: confirm}
		case fCiphertext, fNonceR:
			return tamperRule{late: confirm}
		}
	case 2: // Reveal
		switch idx {
		case fPubI, fNonceI:
			return tamperRule{now: one(commitment)}
		case fConfirmI:
			return tamperRule{now: one(confirm)}
		}
	case 3: // Confirm
		if idx == fConfirmR {
			return tamperRule{now: one(confirm)}
		}
	}
	panic(fmt.Sprintf("attack: no rule for message %d field %d", k+1, idx))
}

// finishEvery is how many rejected messages one receiver absorbs before
// the genuine handshake is completed and checked, and a new one started.
const finishEvery = 32

// TestHandshakeBitFlips flips every bit of every message of both suites.
// Each rule (ruleFor) follows PROTOCOL.md, "Checks on receipt":
//
//   - version byte → ErrVersion; type byte → ErrMalformed or
//     ErrUnexpectedMessage; a length prefix → ErrMalformed (for the call
//     ID's, ErrCallID where the shorter ID parses); the call ID → ErrCallID;
//     identities → ErrIdentity; suites → ErrMalformed or ErrNoCommonSuite;
//     pub_I, nonce_I in the Reveal → ErrCommitment; Confirm_I, Confirm_R →
//     ErrConfirm; an invalid policy byte, ML-KEM key or retained-ID list →
//     ErrMalformed. The receiver's state is unchanged, and the genuine
//     handshake then completes with equal check numbers (checked after every
//     finishEvery rejections and at the end).
//   - values the receiver cannot check on arrival (commitment, another valid
//     policy, offer, retained ID or ML-KEM key in the Commit; policy,
//     retained IDs, pub_R, ciphertext, nonce_R in the Response) may be
//     accepted; the next message then fails: the Reveal with ErrCommitment
//     (commitment) or ErrConfirm (everything else, bound by the transcript).
//     Neither party completes; a new handshake does.
func TestHandshakeBitFlips(t *testing.T) {
	for _, setup := range hsSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			c := newTally(t, "handshake bit flips "+setup.name)
			for k := range 4 {
				h := startAt(t, setup, k)
				rejected := 0
				for n := 0; ; n++ {
					p, mask := flipAt(n)
					if p >= len(h.msgs[k]) {
						break
					}
					rule := ruleFor(k, h.msgs[k], p)
					recv := h.receiver(k)
					before := recv.State()
					reply, err := recv.Handle(flipped(h.msgs[k], p, mask))
					if err != nil {
						c.reject(t, err, rule.now, "message %d byte %d/%d mask %#02x", k+1, p, len(h.msgs[k]), mask)
						if recv.State() != before || reply != nil {
							c.fail(t, "message %d byte %d: state %v → %v, reply %d bytes after %v", k+1, p, before, recv.State(), len(reply), err)
						}
						if rejected++; rejected%finishEvery == 0 {
							h.finish(t, c, k)
							h = startAt(t, setup, k)
						}
						continue
					}
					if rule.late == nil {
						c.fail(t, "message %d byte %d/%d mask %#02x accepted", k+1, p, len(h.msgs[k]), mask)
					} else {
						lateFailure(t, c, h, k, reply, rule.late, fmt.Sprintf("message %d byte %d mask %#02x", k+1, p, mask))
					}
					h = startAt(t, setup, k)
				}
				h.finish(t, c, k)
			}
		})
	}
}

// lateFailure continues a handshake whose message k (0 or 1) was tampered
// with and accepted, reply being the receiver's answer: the honest party
// that gets the answer cannot tell either and answers in turn, and the
// responder then rejects the Reveal with want. Neither party completes.
func lateFailure(t testing.TB, c *tally, h *hs, k int, reply []byte, want error, what string) {
	t.Helper()
	if h.r.State() == keyexchange.StateAwaitCommit { // the initiator took a Response before the responder got the Commit
		if _, err := h.r.Handle(h.msgs[0]); err != nil {
			c.fail(t, "%s: genuine Commit: %v", what, err)
			return
		}
	}
	reveal := reply
	if k == 0 { // the Response to a forged Commit, on to the initiator
		var err error
		if reveal, err = h.i.Handle(reply); err != nil {
			c.fail(t, "%s: initiator rejected the Response to the tampered Commit: %v", what, err)
			return
		}
	}
	_, err := h.r.Handle(reveal)
	if !errors.Is(err, want) {
		c.fail(t, "%s: accepted; the Reveal then gave %v, want %v", what, err, errName(want))
		return
	}
	if h.i.Done() || h.r.Done() {
		c.fail(t, "%s: a party completed a tampered handshake", what)
		return
	}
	c.lateCaught(err)
}

// TestHandshakeTruncation cuts every message of both suites at every length,
// extends it by a byte, and sends one of MaxMessageSize+1 bytes: always
// ErrMalformed (no strict prefix of a message parses, PROTOCOL.md), the
// state unchanged; then the genuine handshake completes with equal check
// numbers.
func TestHandshakeTruncation(t *testing.T) {
	for _, setup := range hsSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			c := newTally(t, "handshake truncation "+setup.name)
			for k := range 4 {
				h := startAt(t, setup, k)
				m := h.msgs[k]
				variants := [][]byte{append(slices.Clone(m), 0), make([]byte, keyexchange.MaxMessageSize+1)}
				for n := range len(m) {
					variants = append(variants, slices.Clone(m[:n]))
				}
				for j, v := range variants {
					recv := h.receiver(k)
					before := recv.State()
					_, err := recv.Handle(v)
					c.reject(t, err, one(keyexchange.ErrMalformed), "message %d: %d of %d bytes", k+1, len(v), len(m))
					if recv.State() != before {
						c.fail(t, "message %d: state changed after %d bytes", k+1, len(v))
					}
					if (j+1)%finishEvery == 0 {
						h.finish(t, c, k)
						h = startAt(t, setup, k)
					}
				}
				h.finish(t, c, k)
			}
		})
	}
}

// stages are the points of a handshake at which the harness delivers
// foreign messages: before message k is delivered, for k = 0..3, and (4)
// after both completed.
const stages = 5

// hsExpect is the expected outcome of delivering a message of type typ
// (0 Commit … 3 Confirm) from another handshake of the same call (same
// call ID and parties: an earlier attempt the attacker recorded) to the
// initiator (toI) or responder at stage s; late means it may be accepted
// and the following genuine message then fails with that error.
func hsExpect(typ int, toI bool, s int) (now, late error) {
	unexpected := keyexchange.ErrUnexpectedMessage
	switch {
	case !toI && s == 0 && typ == 0: // a Commit is an offer: nothing to check it against yet
		return nil, keyexchange.ErrCommitment
	case toI && s <= 1 && typ == 1: // a Response is bound only by the transcript
		return nil, keyexchange.ErrConfirm
	case !toI && s >= 1 && s <= 2 && typ == 2: // the Reveal does not open this Commit's commitment
		return keyexchange.ErrCommitment, nil
	case toI && s >= 2 && s <= 3 && typ == 3: // the Confirm MAC is over another transcript
		return keyexchange.ErrConfirm, nil
	}
	return unexpected, nil
}

// TestHandshakeReplayAndOrder delivers, at every stage of a handshake of
// both suites, to both parties:
//
//   - every message of an earlier completed handshake of the same call
//     (same call ID and parties): hsExpect — ErrUnexpectedMessage for a type
//     the state does not expect, ErrCommitment for its Reveal, ErrConfirm
//     for its Confirm; its Commit (to a responder still waiting) and its
//     Response (to an initiator still waiting) cannot be checked on arrival
//     and are accepted, and the handshake then fails with ErrCommitment /
//     ErrConfirm, no party completing;
//     (every type at every stage, so this is also every message out of
//     order: before its turn, or a second, different one of a type already
//     accepted);
//   - its own messages reflected to their sender → ErrUnexpectedMessage;
//   - the full replay of the earlier handshake's initiator (its Commit, then
//     its Reveal, which opens that commitment) to a new responder →
//     ErrConfirm: without the initiator's key the attacker cannot confirm.
//
// Every immediate rejection leaves the state unchanged, and the genuine
// handshake then completes with equal check numbers.
func TestHandshakeReplayAndOrder(t *testing.T) {
	for _, setup := range hsSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			c := newTally(t, "handshake replay and order "+setup.name)
			old := startAt(t, setup, 3)
			old.finish(t, c, 3)
			for s := range stages {
				for _, toI := range []bool{true, false} {
					for typ := range 4 {
						now, late := hsExpect(typ, toI, s)
						h := startAt(t, setup, min(s, 3))
						if s == 4 {
							h.finish(t, c, 3)
						}
						recv := h.r
						if toI {
							recv = h.i
						}
						before := recv.State()
						reply, err := recv.Handle(old.msgs[typ])
						what := fmt.Sprintf("stage %d: earlier handshake's message %d to %v", s, typ+1, map[bool]string{true: "initiator", false: "responder"}[toI])
						if late != nil {
							if err != nil {
								c.fail(t, "%s: rejected with %v; want accepted, then %v", what, err, errName(late))
								continue
							}
							lateFailure(t, c, h, typ, reply, late, what)
							continue
						}
						c.reject(t, err, one(now), "%s", what)
						if recv.State() != before {
							c.fail(t, "%s: state %v → %v", what, before, recv.State())
						}
						// Reflection: every message of this handshake that recv
						// sent so far, back to it.
						for j := range min(s+1, 4) {
							if h.sender(j) != recv {
								continue
							}
							before := recv.State()
							_, err := recv.Handle(h.msgs[j])
							c.reject(t, err, one(keyexchange.ErrUnexpectedMessage), "stage %d: own message %d reflected to %v", s, j+1, before)
							if recv.State() != before {
								c.fail(t, "stage %d: reflected message %d: state %v → %v", s, j+1, before, recv.State())
							}
						}
						if s < 4 {
							h.finish(t, c, s)
						}
					}
				}
			}
			// The earlier initiator's messages, replayed in full to a new responder.
			h := startAt(t, setup, 0)
			if _, err := h.r.Handle(old.msgs[0]); err != nil {
				c.fail(t, "earlier Commit to a new responder: %v", err)
			}
			_, err := h.r.Handle(old.msgs[2])
			c.reject(t, err, one(keyexchange.ErrConfirm), "earlier Commit and Reveal to a new responder")
			require.False(t, h.r.Done())
			startAt(t, setup, 0).finish(t, c, 0)
		})
	}
}

// TestHandshakeCrossCall delivers every message of a handshake of another
// call (same parties, call ID "call-2") to both parties at every stage of
// this one → ErrCallID (which also matches ErrIdentity), state unchanged;
// and messages of this call ID from a third party, carol: her Commit to
// bob and her Response to alice name her → ErrIdentity. The genuine
// handshake then completes with equal check numbers.
func TestHandshakeCrossCall(t *testing.T) {
	for _, setup := range hsSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			c := newTally(t, "handshake cross-call "+setup.name)
			i2, r2 := newHandshake(t, setup, "call-2", "alice", "bob")
			other := &hs{i: i2, r: r2}
			other.advance(t, 3)
			other.finish(t, c, 3)
			ic, rc := newHandshake(t, setup, "call-1", "carol", "bob")
			carolCommit := (&hs{i: ic, r: rc}).advanceTo(t, 0)
			ia, rcarol := newHandshake(t, setup, "call-1", "alice", "carol")
			carolResponse := (&hs{i: ia, r: rcarol}).advanceTo(t, 1)
			for s := range stages {
				h := startAt(t, setup, min(s, 3))
				if s == 4 {
					h.finish(t, c, 3)
				}
				for _, recv := range []*keyexchange.Handshake{h.i, h.r} {
					for typ, m := range other.msgs {
						before := recv.State()
						_, err := recv.Handle(m)
						c.reject(t, err, one(keyexchange.ErrCallID), "stage %d: call 2's message %d to %v", s, typ+1, before)
						if !errors.Is(err, keyexchange.ErrIdentity) || recv.State() != before {
							c.fail(t, "stage %d: call 2's message %d: %v, state %v → %v", s, typ+1, err, before, recv.State())
						}
						got, err := keyexchange.MessageCallID(m)
						require.NoError(t, err)
						require.Equal(t, []byte("call-2"), got)
					}
				}
				switch s {
				case 0:
					_, err := h.r.Handle(carolCommit)
					c.reject(t, err, one(keyexchange.ErrIdentity), "carol's Commit to bob")
				case 1:
					_, err := h.i.Handle(carolResponse)
					c.reject(t, err, one(keyexchange.ErrIdentity), "carol's Response to alice")
				}
				if s < 4 {
					h.finish(t, c, s)
				}
			}
		})
	}
}

// advanceTo runs h to message k and returns it.
func (h *hs) advanceTo(t testing.TB, k int) []byte {
	t.Helper()
	h.advance(t, k)
	return bytes.Clone(h.msgs[k])
}
