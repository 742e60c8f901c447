package meeting

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/callseal/callseal/meeting/internal/wire"
)

// snapshot is what a rejected message must not change.
type snapshot struct {
	state State
	epoch uint32
	n     int
	seq   uint64
}

func snap(m *Member) snapshot {
	return snapshot{m.State(), m.Epoch(), len(m.Roster()), m.ch.recvSeq}
}

// TestBadKeyMessages feeds a member and the leader every kind of bad key
// message: each gets its typed error and changes nothing, and the genuine
// messages that follow still work.
func TestBadKeyMessages(t *testing.T) {
	s := newSim(t, 4)
	m := s.members[pid(1)]
	lid := s.leader.ID()

	req, reply := s.resync(m)
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[(i+len(c))%len(c)] ^= 0x01
		return c
	}
	with := func(b []byte, i int, v byte) []byte {
		c := bytes.Clone(b)
		c[i] = v
		return c
	}
	oversized := append(bytes.Clone(reply), make([]byte, MaxMessageSize)...)

	// A Join notice the member has not seen yet, and a forgery of it.
	_, lr := handshake(t, "p010", lid, nil, nil)
	_, notice, err := s.leader.Admit(lr)
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Clone(notice)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	_, body, err := wire.ParseNotice(notice)
	if err != nil {
		t.Fatal(err)
	}
	copy(forged[len(body):], ed25519.Sign(otherKey, noticeMessage(s.cfg.MeetingID, body)))

	// A Rekey naming an index not in the roster, sealed by the leader.
	lk := s.leader.links[m.ID()]
	bad, _ := (&wire.Rekey{Removed: []uint8{250}}).Append(nil)
	unknownRemoval := lk.ch.seal(wire.Header{Type: wire.TypeRekey, Epoch: m.Epoch() + 1}, bad)

	cases := []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"truncated header", reply[:3], ErrMalformed},
		{"truncated sealed record", reply[:wire.SealedHeaderSize+5], ErrMalformed},
		{"truncated ciphertext", reply[:len(reply)-1], ErrAuth},
		{"oversized", oversized, ErrMalformed},
		{"version 2", with(reply, 0, 2), ErrVersion},
		{"unknown type", with(reply, 1, 0x7f), ErrMalformed},
		{"bad tag", flip(reply, -1), ErrAuth},
		{"header changed (AAD)", flip(reply, 5), ErrAuth},
		{"member's own request reflected", req, ErrMalformed},
		{"forged notice", forged, ErrAuth},
		{"notice with a flipped signature", flip(notice, -1), ErrAuth},
		{"truncated notice", notice[:len(notice)-1], ErrMalformed},
		{"notice with trailing byte", append(bytes.Clone(notice), 0), ErrMalformed},
		{"rekey removing an unknown index", unknownRemoval, ErrUnknownMember},
	}
	for _, c := range cases {
		before := snap(m)
		mustErr(t, m.Handle(c.msg), c.want)
		if after := snap(m); after != before {
			t.Fatalf("%s: state changed from %+v to %+v", c.name, before, after)
		}
	}

	// Genuine messages still work; their repeats are replays.
	if err := m.Handle(reply); err != nil {
		t.Fatal(err)
	}
	mustErr(t, m.Handle(reply), ErrReplay)
	if err := m.Handle(notice); err != nil {
		t.Fatal(err)
	}
	mustErr(t, m.Handle(notice), ErrReplay)

	// The leader side.
	_, err = s.leader.Handle("nobody", req)
	mustErr(t, err, ErrUnknownMember)
	_, err = s.leader.Handle(m.ID(), req)
	mustErr(t, err, ErrReplay)
	_, err = s.leader.Handle(m.ID(), reply)
	mustErr(t, err, ErrMalformed)
	req2, _ := m.ResyncRequest()
	_, err = s.leader.Handle(pid(2), req2) // another member's channel
	mustErr(t, err, ErrAuth)
	_, err = s.leader.Handle(m.ID(), flip(req2, -1))
	mustErr(t, err, ErrAuth)
	if _, err := s.leader.Handle(m.ID(), req2); err != nil {
		t.Fatal(err)
	}

	// A notice before the Welcome.
	mr, _ := handshake(t, "p011", lid, nil, nil)
	fresh, err := NewMember(s.cfg, mr)
	if err != nil {
		t.Fatal(err)
	}
	mustErr(t, fresh.Handle(notice), ErrWrongState)
	_, err = fresh.Code()
	mustErr(t, err, ErrWrongState)
}

// TestMissedJoinNotice: a member that misses a Join notice detects the gap
// by the epoch of the next key message (ErrEpoch), and a Resync brings it
// back; a Rekey after a missed notice is a gap too.
func TestMissedJoinNotice(t *testing.T) {
	s := newSim(t, 4)
	m := s.members[pid(1)]
	delete(s.members, pid(1)) // it misses the next broadcasts
	s.join(pid(5))
	s.members[pid(1)] = m

	_, lr := handshake(t, pid(6), s.leader.ID(), nil, nil)
	_, notice, err := s.leader.Admit(lr)
	if err != nil {
		t.Fatal(err)
	}
	for id, o := range s.members {
		if id != pid(1) {
			if err := o.Handle(notice); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := snap(m)
	mustErr(t, m.Handle(notice), ErrEpoch)
	if snap(m) != before {
		t.Fatal("a gap changed the state")
	}
	if _, reply := s.resync(m); m.Handle(reply) != nil {
		t.Fatal("the resync answer does not apply")
	}
	delete(s.members, pid(6)) // admitted on the leader only: remove it
	s.leave(pid(6))
	s.checkAgree()

	// A Rekey after a missed notice: ErrEpoch, then the Rekey applies after
	// the notice arrives (the app retries it).
	delete(s.members, pid(1))
	_, lr = handshake(t, pid(7), s.leader.ID(), nil, nil)
	_, notice, err = s.leader.Admit(lr)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range s.members {
		if err := o.Handle(notice); err != nil {
			t.Fatal(err)
		}
	}
	out, err := s.leader.Remove(pid(7))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.To == pid(1) {
			mustErr(t, m.Handle(o.Msg), ErrEpoch)
			if err := m.Handle(notice); err != nil {
				t.Fatal(err)
			}
			if err := m.Handle(o.Msg); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := s.members[o.To].Handle(o.Msg); err != nil {
			t.Fatal(err)
		}
	}
	s.members[pid(1)] = m
	s.checkAgree()
}

// TestHandoverChecks: Handover notices replayed, for another epoch, or
// naming someone else are refused; API misuse is ErrWrongState.
func TestHandoverChecks(t *testing.T) {
	s := newSim(t, 4)
	_, err := s.members[pid(1)].TakeOver()
	mustErr(t, err, ErrWrongState)
	mr, _ := handshake(t, pid(1), pid(2), nil, nil)
	mustErr(t, s.members[pid(1)].NewLeader(mr), ErrWrongState)

	old := s.leader
	s.handover(pid(2))
	if old.State() != StateClosed || s.leader.State() != StateLeading {
		t.Fatalf("states %v, %v", old.State(), s.leader.State())
	}
	_, _, err = old.Admit(nil)
	mustErr(t, err, ErrWrongState)
	_, err = old.Remove(pid(1))
	mustErr(t, err, ErrWrongState)
	s.checkAgree()

	_, err = s.leader.Remove(pid(0)) // the old leader left the roster
	mustErr(t, err, ErrUnknownMember)
	_, err = s.leader.HandOver(s.leader.ID())
	mustErr(t, err, ErrInvalidConfig)

	// The new leader hands over again; a member handshaking with someone
	// else than the named leader is refused.
	notice, err := s.leader.HandOver(pid(3))
	if err != nil {
		t.Fatal(err)
	}
	m := s.members[pid(1)]
	if err := m.Handle(notice); err != nil {
		t.Fatal(err)
	}
	mustErr(t, m.Handle(notice), ErrWrongState)
	mr, _ = handshake(t, pid(1), pid(2), nil, nil)
	mustErr(t, m.NewLeader(mr), ErrUnknownMember)
	if m.State() != StateHandover {
		t.Fatalf("state %v", m.State())
	}
}
