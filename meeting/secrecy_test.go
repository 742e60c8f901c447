package meeting

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/callseal/callseal/meeting/internal/wire"
)

// allKeys returns every sender base key of an epoch for the given roster.
func allKeys(tb testing.TB, k *EpochKeys, roster []Participant) map[string]bool {
	tb.Helper()
	out := make(map[string]bool)
	for _, p := range roster {
		for kind := range Kind(numKinds) {
			b, err := k.SenderBaseKey(p.Index, kind)
			if err != nil {
				tb.Fatal(err)
			}
			out[string(b)] = true
		}
	}
	return out
}

// heldKeys returns the sender keys a member's state can derive: those of
// every epoch it holds, for every index.
func heldKeys(tb testing.TB, m *Member) (keys map[string]bool, epochs []uint32) {
	tb.Helper()
	all := make([]Participant, MaxParticipants)
	for i := range all {
		all[i] = Participant{Index: uint8(i), ID: "x"}
	}
	keys = make(map[string]bool)
	for _, k := range []*EpochKeys{m.Current(), m.Previous()} {
		if k == nil {
			continue
		}
		epochs = append(epochs, k.Epoch())
		for b := range allKeys(tb, k, all) {
			keys[b] = true
		}
	}
	return keys, epochs
}

// TestLateJoinerCannotDeriveEarlierKeys: a newcomer's state holds only the
// epoch of its join, none of the earlier epochs' sender keys, and replaying
// every key message sent before its join to it gives it nothing.
func TestLateJoinerCannotDeriveEarlierKeys(t *testing.T) {
	s := newSim(t, 6)
	before := make(map[string]bool)
	record := func() {
		for b := range allKeys(t, s.leader.Current(), s.leader.Roster()) {
			before[b] = true
		}
	}
	record()
	s.leave(pid(2))
	record()
	s.join(pid(6))
	record()
	earlier := append([][]byte(nil), s.sent...)
	joinEpoch := s.leader.Epoch() + 1

	late := s.join(pid(7))
	s.checkAgree()
	if late.Epoch() != joinEpoch || late.Previous() != nil {
		t.Fatalf("late joiner holds epoch %d and previous %v, want only %d", late.Epoch(), late.Previous(), joinEpoch)
	}
	for i, msg := range earlier {
		if err := late.Handle(msg); err == nil {
			t.Fatalf("earlier key message %d accepted by the late joiner", i)
		}
	}
	keys, epochs := heldKeys(t, late)
	if len(epochs) != 1 || epochs[0] != joinEpoch {
		t.Fatalf("late joiner holds epochs %v", epochs)
	}
	for b := range keys {
		if before[b] {
			t.Fatal("the late joiner derives a sender key of an epoch before its join")
		}
	}
}

// TestLeaverCannotDeriveLaterKeys: after a leave, the leaver's state
// derives none of the later epochs' keys, even fed every key message sent
// afterwards (broadcast notices included), and the leader refuses its
// resync request.
func TestLeaverCannotDeriveLaterKeys(t *testing.T) {
	s := newSim(t, 6)
	mark := len(s.sent)
	leaver := s.leave(pid(3))[pid(3)]
	s.join(pid(6))
	s.join(pid(7))
	s.leave(pid(1))
	s.join(pid(8))
	s.checkAgree()

	after := make(map[string]bool)
	for b := range allKeys(t, s.leader.Current(), s.leader.Roster()) {
		after[b] = true
	}
	if prev := s.leader.Previous(); prev != nil {
		for b := range allKeys(t, prev, s.leader.Roster()) {
			after[b] = true
		}
	}
	epochBefore := leaver.Epoch()
	for i, msg := range s.sent[mark:] {
		if err := leaver.Handle(msg); err == nil {
			t.Fatalf("key message %d after the leave accepted by the leaver", i)
		}
	}
	if leaver.Epoch() != epochBefore {
		t.Fatalf("the leaver moved from epoch %d to %d", epochBefore, leaver.Epoch())
	}
	req, err := leaver.ResyncRequest()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.leader.Handle(pid(3), req)
	mustErr(t, err, ErrUnknownMember)
	keys, _ := heldKeys(t, leaver)
	for b := range keys {
		if after[b] {
			t.Fatal("the leaver derives a sender key of an epoch after its leave")
		}
	}
}

// TestMITMChangesOnlyTheVictimsCode: an attacker between the leader and
// participant K runs one handshake with each. It cannot reuse the leader's
// proof (it covers the attacker's own transcript with the leader, not K's),
// so it must sign K's transcript with its own key: K then shows another
// code, while every other participant shows the leader's. Apart from the
// code the attack is invisible: K gets the right keys.
func TestMITMChangesOnlyTheVictimsCode(t *testing.T) {
	s := newSim(t, 5)
	const k = "p005"
	lid := s.leader.ID()

	// The attacker poses as K towards the leader.
	attackerAsK, leaderSide := handshake(t, k, lid, nil, nil)
	welcome, notice, err := s.leader.Admit(leaderSide)
	if err != nil {
		t.Fatal(err)
	}
	s.broadcast(notice)
	spy, err := NewMember(s.cfg, attackerAsK)
	if err != nil {
		t.Fatal(err)
	}
	if err := spy.Handle(welcome); err != nil {
		t.Fatal(err)
	}
	// ... and as the leader towards K.
	kSide, attackerAsLeader := handshake(t, k, lid, nil, nil)
	victim, err := NewMember(s.cfg, kSide)
	if err != nil {
		t.Fatal(err)
	}
	toK, err := newChannel(attackerAsLeader, s.cfg.MeetingID)
	if err != nil {
		t.Fatal(err)
	}
	fromLeader, err := newChannel(attackerAsK, s.cfg.MeetingID)
	if err != nil {
		t.Fatal(err)
	}
	sealed, body, err := fromLeader.open(welcome, true)
	if err != nil {
		t.Fatal(err)
	}

	// Forwarding the leader's key and proof fails: the proof covers the
	// attacker's transcript with the leader, not K's.
	mustErr(t, victim.Handle(toK.seal(sealed.Header, body)), ErrAuth)
	if victim.State() != StateAwaitWelcome {
		t.Fatalf("state %v after a rejected Welcome", victim.State())
	}

	// Substituting its own key over K's transcript passes, with another code.
	w, err := wire.ParseWelcome(body)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	copy(w.LeaderKey[:], pub)
	copy(w.Proof[:], ed25519.Sign(priv, proofMessage(s.cfg.MeetingID, toK.th, k)))
	forged, err := w.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := victim.Handle(toK.seal(sealed.Header, forged)); err != nil {
		t.Fatal(err)
	}
	for id, m := range s.members { // everyone else shows the leader's code
		if c, _ := m.Code(); c != s.leader.Code() || !m.Current().sameSecret(s.leader.Current()) {
			t.Fatalf("%s: code %q, leader's %q", id, c, s.leader.Code())
		}
	}
	code, err := victim.Code()
	if err != nil {
		t.Fatal(err)
	}
	if code == s.leader.Code() {
		t.Fatal("the victim shows the leader's code")
	}
	if !victim.Current().sameSecret(s.leader.Current()) {
		t.Fatal("the attack should be transparent apart from the code")
	}
	// The leader's genuine notices no longer verify at K.
	_, lr := handshake(t, "p006", lid, nil, nil)
	_, notice, err = s.leader.Admit(lr)
	if err != nil {
		t.Fatal(err)
	}
	mustErr(t, victim.Handle(notice), ErrAuth)
}

// TestGracePeriod: the previous epoch's keys stay for Config.Grace, then
// are erased; at most one previous epoch is held.
func TestGracePeriod(t *testing.T) {
	s := newSim(t, 4)
	m := s.members[pid(1)]
	first := m.Current()
	s.leave(pid(3))
	prev := m.Previous()
	if prev != first || s.leader.Previous() == nil {
		t.Fatal("the previous epoch is not kept after a leave")
	}
	s.clock.advance(DefaultGrace - 1)
	if m.Previous() == nil {
		t.Fatal("previous epoch erased before the grace period ended")
	}
	s.clock.advance(1)
	if m.Previous() != nil {
		t.Fatal("previous epoch kept after the grace period")
	}
	_, err := first.SenderBaseKey(0, Audio)
	mustErr(t, err, ErrErased)

	// Two changes within the grace period: the older epoch goes at once.
	second := m.Current()
	s.join(pid(9))
	third := m.Current()
	s.leave(pid(9))
	if m.Previous() != third {
		t.Fatal("previous is not the epoch just superseded")
	}
	_, err = second.SenderBaseKey(0, Audio)
	mustErr(t, err, ErrErased)

	// Close erases everything handed out.
	m.Close()
	_, err = third.SenderBaseKey(0, Audio)
	mustErr(t, err, ErrErased)
}
