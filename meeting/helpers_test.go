package meeting

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/callseal/callseal/internal/handshaketest"
	"github.com/callseal/callseal/keyexchange"
)

// handshake runs a complete keyexchange handshake between a participant
// (initiator) and the leader (responder) and returns both Results. rand,
// when not nil, feeds both parties (for vectors).
func handshake(tb testing.TB, participant, leader string, randI, randR io.Reader) (member, lead *keyexchange.Result) {
	tb.Helper()
	ci, cr := handshaketest.Pair([]byte("meeting-call"), participant, leader)
	ci.Rand, cr.Rand = randI, randR
	member, lead, err := handshaketest.Run(ci, cr)
	if err != nil {
		tb.Fatal(err)
	}
	return member, lead
}

// fakeClock is the injected clock of the grace period.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// sim is an in-memory meeting: a leader and members, key messages passed
// directly where an app would use its signaling. It records every key
// message it delivered, so secrecy tests can replay them to others.
type sim struct {
	tb      testing.TB
	cfg     Config
	clock   *fakeClock
	leader  *Leader
	members map[string]*Member
	sent    [][]byte // every notice and sealed message, in order
}

func newSim(tb testing.TB, n int) *sim {
	tb.Helper()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	cfg := Config{MeetingID: []byte("meeting-17"), now: clock.now}
	l, err := NewLeader(cfg, pid(0))
	if err != nil {
		tb.Fatal(err)
	}
	s := &sim{tb: tb, cfg: cfg, clock: clock, leader: l, members: make(map[string]*Member)}
	for i := 1; i < n; i++ {
		s.join(pid(i))
	}
	return s
}

func pid(i int) string { return fmt.Sprintf("p%03d", i) }

// join admits a newcomer; every other member applies the Join notice.
func (s *sim) join(id string) *Member {
	s.tb.Helper()
	mr, lr := handshake(s.tb, id, s.leader.ID(), nil, nil)
	m, err := NewMember(s.cfg, mr)
	if err != nil {
		s.tb.Fatal(err)
	}
	welcome, notice, err := s.leader.Admit(lr)
	if err != nil {
		s.tb.Fatal(err)
	}
	if err := m.Handle(welcome); err != nil {
		s.tb.Fatalf("%s: welcome: %v", id, err)
	}
	s.sent = append(s.sent, welcome)
	if notice != nil {
		s.broadcast(notice)
	}
	s.members[id] = m
	return m
}

func (s *sim) broadcast(notice []byte) {
	s.tb.Helper()
	s.sent = append(s.sent, notice)
	for _, id := range s.sortedIDs() {
		if err := s.members[id].Handle(notice); err != nil {
			s.tb.Fatalf("%s: notice: %v", id, err)
		}
	}
}

// leave removes participants; the remaining members apply their Rekey.
func (s *sim) leave(ids ...string) map[string]*Member {
	s.tb.Helper()
	out, err := s.leader.Remove(ids...)
	if err != nil {
		s.tb.Fatal(err)
	}
	gone := make(map[string]*Member)
	for _, id := range ids {
		gone[id] = s.members[id]
		delete(s.members, id)
	}
	if len(out) != len(s.members) {
		s.tb.Fatalf("Remove: %d rekeys for %d members", len(out), len(s.members))
	}
	for _, o := range out {
		s.sent = append(s.sent, o.Msg)
		if err := s.members[o.To].Handle(o.Msg); err != nil {
			s.tb.Fatalf("%s: rekey: %v", o.To, err)
		}
	}
	return gone
}

// handover makes member to the leader; every other member runs a
// handshake with it and gets its Welcome. The old leader leaves.
func (s *sim) handover(to string) {
	s.tb.Helper()
	notice, err := s.leader.HandOver(to)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.broadcast(notice)
	old := s.leader
	nl, err := s.members[to].TakeOver()
	if err != nil {
		s.tb.Fatal(err)
	}
	delete(s.members, to)
	s.leader = nl
	for _, id := range s.sortedIDs() {
		mr, lr := handshake(s.tb, id, to, nil, nil)
		if err := s.members[id].NewLeader(mr); err != nil {
			s.tb.Fatal(err)
		}
		welcome, notice, err := nl.Admit(lr)
		if err != nil || notice != nil {
			s.tb.Fatalf("Admit %s after takeover: %v, notice %v", id, err, notice != nil)
		}
		if err := s.members[id].Handle(welcome); err != nil {
			s.tb.Fatalf("%s: welcome of the new leader: %v", id, err)
		}
	}
	old.Close()
}

func (s *sim) sortedIDs() []string {
	ids := make([]string, 0, len(s.members))
	for id := range s.members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// checkAgree checks that every member shows the leader's code, holds the
// leader's epoch and roster, and derives the leader's sender keys: every
// roster index for audio, and all kinds for a few indexes.
func (s *sim) checkAgree() {
	s.tb.Helper()
	l := s.leader
	roster := l.Roster()
	if len(roster) != len(s.members)+1 {
		s.tb.Fatalf("roster of %d, %d members and the leader", len(roster), len(s.members))
	}
	want := make(map[[2]uint8]string)
	lk := l.Current()
	for _, p := range roster {
		for k := range Kind(numKinds) {
			if k != Audio && p.Index%17 != 0 {
				continue
			}
			b, err := lk.SenderBaseKey(p.Index, k)
			if err != nil {
				s.tb.Fatal(err)
			}
			want[[2]uint8{p.Index, uint8(k)}] = string(b)
		}
	}
	for id, m := range s.members {
		if code, err := m.Code(); err != nil || code != l.Code() {
			s.tb.Fatalf("%s: code %q (%v), leader's %q", id, code, err, l.Code())
		}
		if m.Epoch() != l.Epoch() || !slices.Equal(m.Roster(), roster) {
			s.tb.Fatalf("%s: epoch %d roster %d, leader epoch %d roster %d", id, m.Epoch(), len(m.Roster()), l.Epoch(), len(roster))
		}
		mk := m.Current()
		for ik, w := range want {
			b, err := mk.SenderBaseKey(ik[0], Kind(ik[1]))
			if err != nil || string(b) != w {
				s.tb.Fatalf("%s: sender key %v differs (%v)", id, ik, err)
			}
		}
	}
}

// resync returns m's Resync request and the leader's answer.
func (s *sim) resync(m *Member) (req, reply []byte) {
	s.tb.Helper()
	req, err := m.ResyncRequest()
	if err != nil {
		s.tb.Fatal(err)
	}
	if reply, err = s.leader.Handle(m.ID(), req); err != nil {
		s.tb.Fatal(err)
	}
	return req, reply
}

// mustErr fails unless err matches target.
func mustErr(tb testing.TB, err, target error) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Fatalf("error %v, want %v", err, target)
	}
}
