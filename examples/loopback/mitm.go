package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
)

// An attacker is an active man in the middle inside the relay (-mitm), the
// attack the check number exists to reveal. It holds the signaling and
// terminates transport SRTP, as the relay does, and in addition:
//
//   - it runs two separate handshakes: towards alice as the responder,
//     posing as bob, and towards bob as the initiator, posing as alice —
//     with the identities and call ID each victim expects, so every check
//     the handshake makes passes, and only the check numbers can tell;
//   - it opens the media alice seals with the keys of its handshake with
//     alice, reads it, and seals it again with the keys of its handshake
//     with bob (and the other way round), so the call works.
//
// Each handshake's check number is fixed by an honest party's last
// contribution after the attacker committed to its own (keyexchange,
// PROTOCOL.md), so the two check numbers are independent: they differ
// except with probability 10^-20, and users who compare them catch it.
//
// In downgrade mode (-mitm downgrade) the attacker claims in each of its
// handshakes that the other side's account is under compliance recording
// (its policy state). The parties then decide that E2EE is off, with that
// reason, and run the call on transport SRTP only, which the relay
// terminates: the attacker needs no E2EE keys, the relay reads the media as
// it forwards it. The check numbers still differ. A party that requires
// E2EE (-require-e2ee) refuses the call instead.
type attacker struct {
	mode mitmMode

	// hs[s] is the attacker's handshake with side s: a responder posing as
	// bob towards alice, an initiator posing as alice towards bob.
	hs [2]*keyexchange.Handshake

	ready chan struct{} // closed when both E2EE sessions exist
	stop  chan struct{} // closed when the call ends

	mu       sync.Mutex
	started  bool // the handshake with bob was started
	results  [2]*keyexchange.Result
	sessions [2]*e2ee.Session // per side: the E2EE session of the attacker's handshake with it
	views    [2]payloadView   // per direction: what the attacker read of the opened packets
	opened   [2]int           // per direction: packets opened and sealed again
	failed   [2]int           // per direction: packets that did not open or seal
	insp     inspector
}

// mitmWait is how long the attacker holds a packet while its other
// handshake is still running (one side may finish first and send media).
const mitmWait = 5 * time.Second

// mitmMode is what -mitm asks for: no attacker, one that re-seals the
// media between its two E2EE sessions (-mitm), or one that downgrades the
// call to transport-only (-mitm downgrade). It is a flag.Value that also
// takes -mitm alone, as a boolean flag.
type mitmMode int

const (
	mitmNone      mitmMode = iota
	mitmReseal             // -mitm
	mitmDowngrade          // -mitm downgrade, -mitm=downgrade
)

func (m *mitmMode) String() string {
	if m == nil {
		return "false"
	}
	return [...]string{"false", "true", "downgrade"}[*m]
}

// Set takes "true" (-mitm alone), "false" or "downgrade".
func (m *mitmMode) Set(s string) error {
	switch s {
	case "true", "1":
		*m = mitmReseal
	case "false", "0":
		*m = mitmNone
	case "downgrade":
		*m = mitmDowngrade
	default:
		return fmt.Errorf("want -mitm, -mitm downgrade or -mitm=downgrade, not %q", s)
	}
	return nil
}

// IsBoolFlag lets -mitm stand alone (the flag package's boolFlag).
func (m *mitmMode) IsBoolFlag() bool { return true }

// claimedPolicy is the policy state the attacker claims for the other side
// in downgrade mode: an account under compliance recording.
var claimedPolicy = policy.Party{ComplianceRecording: true}

// newAttacker prepares both handshakes of the call with callID between
// alice and bob (ids, indexed by side).
func newAttacker(callID []byte, ids [2]string, mode mitmMode, insp inspector) (*attacker, error) {
	a := &attacker{mode: mode, ready: make(chan struct{}), stop: make(chan struct{}), insp: insp}
	var claim policy.Party // re-sealing: the zero policy, E2EE on
	if mode == mitmDowngrade {
		claim = claimedPolicy
	}
	var err error
	// Towards alice, the attacker is "bob", answering her Commit.
	a.hs[alice], err = keyexchange.New(keyexchange.Config{
		Role: keyexchange.Responder, CallID: callID, LocalID: ids[bob], PeerID: ids[alice], Policy: claim,
	})
	if err != nil {
		return nil, fmt.Errorf("mitm: %w", err)
	}
	// Towards bob, the attacker is "alice", sending its own Commit.
	a.hs[bob], err = keyexchange.New(keyexchange.Config{
		Role: keyexchange.Initiator, CallID: callID, LocalID: ids[alice], PeerID: ids[bob], Policy: claim,
	})
	if err != nil {
		return nil, fmt.Errorf("mitm: %w", err)
	}
	return a, nil
}

// signal is the relay's signaling step under attack (a signalFunc): a
// handshake message from either party goes to the attacker's handshake
// with that party, and the answer goes back to it; nothing of one
// handshake reaches the other party. Other frames pass unchanged.
func (a *attacker) signal(dir direction, t frameType, body []byte, forward, reply func(frameType, []byte) error) error {
	if t != frameHandshake {
		return forward(t, body)
	}
	from := dir.from()
	answer, err := a.hs[from].Handle(body)
	if err != nil {
		return fmt.Errorf("mitm: handshake with %v: %w", from, err)
	}
	if answer != nil {
		if err := reply(frameHandshake, answer); err != nil {
			return err
		}
	}
	if err := a.done(from); err != nil {
		return err
	}
	// alice's Commit starts the call: start the handshake with bob.
	a.mu.Lock()
	start := from == alice && !a.started
	a.started = a.started || start
	a.mu.Unlock()
	if start {
		commit, err := a.hs[bob].Start()
		if err != nil {
			return fmt.Errorf("mitm: handshake with bob: %w", err)
		}
		return forward(frameHandshake, commit)
	}
	return nil
}

// done builds the E2EE session for side s once the handshake with s
// completed, and releases the media when both have. In downgrade mode
// there is no E2EE session to build: the handshake's E2EE-off result is
// the goal.
func (a *attacker) done(s side) error {
	if !a.hs[s].Done() {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.results[s] != nil {
		return nil // a retransmission after completion
	}
	res, err := a.hs[s].Result()
	if a.mode == mitmDowngrade && errors.Is(err, keyexchange.ErrE2EEDisabled) {
		a.results[s] = res
		return nil
	}
	if err != nil {
		return fmt.Errorf("mitm: handshake with %v: %w", s, err)
	}
	sess, err := e2ee.NewSession(res)
	if err != nil {
		return fmt.Errorf("mitm: e2ee with %v: %w", s, err)
	}
	a.results[s], a.sessions[s] = res, sess
	if a.sessions[alice] != nil && a.sessions[bob] != nil {
		close(a.ready)
	}
	return nil
}

// forward is the relay's media step under attack (a forwardFunc): open the
// E2EE layer with the sender's session, look at the media, seal it again
// with the receiver's session.
func (a *attacker) forward(dir direction, pkt []byte, send func([]byte)) {
	select {
	case <-a.ready:
	case <-a.stop:
		return
	case <-time.After(mitmWait):
		a.count(dir, false)
		return
	}
	plain, kind, err := a.sessions[dir.from()].Open(nil, pkt)
	if err != nil {
		a.count(dir, false)
		return
	}
	a.mu.Lock()
	a.insp.look(&a.views[dir], plain)
	a.mu.Unlock()
	sealed, err := a.sessions[dir.to()].Seal(nil, plain, kind)
	if err != nil {
		a.count(dir, false)
		return
	}
	a.count(dir, true)
	send(sealed)
}

func (a *attacker) count(dir direction, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ok {
		a.opened[dir]++
	} else {
		a.failed[dir]++
	}
}

// mitmReport is what the attacker achieved, for the report.
type mitmReport struct {
	mode         mitmMode
	claimed      [2]policy.Decision // per side: the decision of the attacker's handshake with it
	checkNumbers [2]string          // of its handshake with alice, with bob
	opened       [2]int             // per direction
	failed       [2]int
	views        [2]payloadView
}

func (a *attacker) report() (*mitmReport, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.results[alice] == nil || a.results[bob] == nil {
		return nil, errors.New("mitm: a handshake did not complete")
	}
	rep := &mitmReport{mode: a.mode, opened: a.opened, failed: a.failed, views: a.views}
	for s, res := range a.results {
		rep.checkNumbers[s] = sasOf(res).check
		rep.claimed[s] = res.Decision()
	}
	return rep, nil
}
