package attack

import (
	"fmt"
	"slices"
	"testing"

	"github.com/callseal/callseal/internal/handshaketest"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting"
)

func init() {
	sentinels = append(sentinels, []struct {
		err  error
		name string
	}{
		{meeting.ErrMalformed, "meeting.ErrMalformed"},
		{meeting.ErrVersion, "meeting.ErrVersion"},
		{meeting.ErrAuth, "meeting.ErrAuth"},
		{meeting.ErrReplay, "meeting.ErrReplay"},
		{meeting.ErrEpoch, "meeting.ErrEpoch"},
		{meeting.ErrUnknownMember, "meeting.ErrUnknownMember"},
		{meeting.ErrWrongState, "meeting.ErrWrongState"},
	}...)
}

// meetingSetup is a small meeting: a leader and members m1, m2, with
// handshakes run directly where an app uses its signaling.
type meetingSetup struct {
	t       *testing.T
	cfg     meeting.Config
	leader  *meeting.Leader
	members map[string]*meeting.Member
}

func newMeetingSetup(t *testing.T, meetingID string) *meetingSetup {
	t.Helper()
	cfg := meeting.Config{MeetingID: []byte(meetingID)}
	l, err := meeting.NewLeader(cfg, "lead")
	if err != nil {
		t.Fatal(err)
	}
	s := &meetingSetup{t: t, cfg: cfg, leader: l, members: map[string]*meeting.Member{}}
	for _, id := range []string{"m1", "m2"} {
		welcome, notice := s.admit(id)
		s.deliver(id, welcome)
		if notice != nil {
			for other := range s.members {
				if other != id {
					s.deliver(other, notice)
				}
			}
		}
	}
	return s
}

// admit runs id's handshake with the leader and returns the leader's
// Welcome and Join notice; id's Member waits for the Welcome.
func (s *meetingSetup) admit(id string) (welcome, notice []byte) {
	s.t.Helper()
	mr, lr := meetingHandshake(s.t, id, s.leader.ID(), s.cfg.MeetingID)
	m, err := meeting.NewMember(s.cfg, mr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.members[id] = m
	welcome, notice, err = s.leader.Admit(lr)
	if err != nil {
		s.t.Fatal(err)
	}
	return welcome, notice
}

func (s *meetingSetup) deliver(id string, msg []byte) {
	s.t.Helper()
	if err := s.members[id].Handle(msg); err != nil {
		s.t.Fatalf("%s: genuine key message: %v", id, err)
	}
}

// rekeyFor returns the Rekey for id among Remove's messages.
func rekeyFor(t *testing.T, out []meeting.Outgoing, id string) []byte {
	t.Helper()
	for _, o := range out {
		if o.To == id {
			return o.Msg
		}
	}
	t.Fatalf("no Rekey for %s", id)
	return nil
}

func meetingHandshake(t *testing.T, id, leaderID string, meetingID []byte) (member, lead *keyexchange.Result) {
	t.Helper()
	member, lead, err := handshaketest.Run(handshaketest.Pair(append(slices.Clone(meetingID), "/"+id...), id, leaderID))
	if err != nil {
		t.Fatal(err)
	}
	return member, lead
}

// memberState is everything of a Member a rejected key message must leave
// as it was: state, epoch, roster, code, leader and a sender key of the
// current epoch.
func memberState(m *meeting.Member) string {
	code, _ := m.Code()
	key := "none"
	if k := m.Current(); k != nil {
		b, err := k.SenderBaseKey(0, meeting.Audio)
		key = fmt.Sprintf("%x %v", b, err)
	}
	return fmt.Sprintf("%v epoch %d roster %v code %q leader %s index %d key %s",
		m.State(), m.Epoch(), m.Roster(), code, m.LeaderID(), m.Index(), key)
}

func leaderState(l *meeting.Leader) string {
	b, err := l.Current().SenderBaseKey(0, meeting.Audio)
	return fmt.Sprintf("%v epoch %d roster %v code %q key %x %v", l.State(), l.Epoch(), l.Roster(), l.Code(), b, err)
}

// Header bytes of every key message (meeting/PROTOCOL.md, "Encoding").
const (
	msgVersionByte = 0
	msgTypeByte    = 1
)

// tamperings returns every forgery of a genuine key message and the
// errors each may get: one bit flipped in every byte (every bit without
// the race detector), every truncation, one byte appended. sealed tells a
// channel record (AES-GCM over the whole record) from a signed notice.
func tamperings(msg []byte, sealed bool) (forged [][]byte, want [][]error) {
	auth := one(meeting.ErrAuth)
	typeErrs := []error{meeting.ErrMalformed, meeting.ErrAuth, meeting.ErrWrongState}
	for k := 0; ; k++ {
		i, mask := flipAt(k)
		if i >= len(msg) {
			break
		}
		forged = append(forged, flipped(msg, i, mask))
		switch {
		case i == msgVersionByte:
			want = append(want, one(meeting.ErrVersion))
		case i == msgTypeByte:
			// Another type: unknown, the wrong direction, or a notice
			// parsed from a sealed record and the other way round.
			want = append(want, typeErrs)
		case sealed:
			want = append(want, auth) // header and seq are AAD; body and tag authenticated
		default:
			// Index, ID length, ID, signature: a length that no longer
			// fits is malformed, anything else fails the signature.
			want = append(want, []error{meeting.ErrMalformed, meeting.ErrAuth})
		}
	}
	for n := range len(msg) {
		forged = append(forged, slices.Clone(msg[:n]))
		// A sealed record cut inside its ciphertext still parses and fails
		// the tag; anything shorter is malformed.
		want = append(want, []error{meeting.ErrMalformed, meeting.ErrAuth})
	}
	forged = append(forged, append(slices.Clone(msg), 0))
	if sealed {
		want = append(want, auth)
	} else {
		want = append(want, one(meeting.ErrMalformed))
	}
	return forged, want
}

// attackMember delivers every forgery of msg to member id, checks each
// error and that the member's state is unchanged, then delivers msg itself,
// which must apply, and again, which must be refused (replayed).
func (s *meetingSetup) attackMember(c *tally, id, what string, msg []byte, sealed bool, replay []error) {
	t := s.t
	t.Helper()
	m := s.members[id]
	before := memberState(m)
	forged, want := tamperings(msg, sealed)
	for i, f := range forged {
		err := m.Handle(f)
		c.reject(t, err, want[i], "%s to %s, forgery %d", what, id, i)
		if after := memberState(m); after != before {
			c.fail(t, "%s forgery %d changed %s: %s → %s", what, i, id, before, after)
		}
	}
	if err := m.Handle(msg); err != nil {
		c.fail(t, "%s to %s after the forgeries: %v", what, id, err)
		return
	}
	c.ok()
	after := memberState(m)
	c.reject(t, m.Handle(msg), replay, "%s to %s replayed", what, id)
	if again := memberState(m); again != after {
		c.fail(t, "%s replayed changed %s: %s → %s", what, id, after, again)
	}
}

// TestMeetingKeyMessages attacks every key message a member receives —
// Welcome (to a newcomer and as a resync answer), Join notice, Rekey,
// Handover notice — and the Resync request the leader receives: every bit
// flip, truncation and extension, replays, the messages of another
// meeting, and messages out of order. Each must get a typed error and
// leave the Leader or Member exactly as it was, and the genuine message
// must apply afterwards.
func TestMeetingKeyMessages(t *testing.T) {
	c := newTally(t, "meeting key messages")
	s := newMeetingSetup(t, "attack-meeting")
	other := newMeetingSetup(t, "another-meeting") // the same IDs, another meeting

	// A newcomer's Welcome and the Join notice to the members.
	welcome, notice := s.admit("m3")
	s.attackMember(c, "m3", "Welcome", welcome, true, one(meeting.ErrReplay))
	s.attackMember(c, "m1", "Join notice", notice, false, one(meeting.ErrReplay))
	s.deliver("m2", notice)

	// Another meeting's messages, and the same leader's for another
	// member, are refused by every member.
	owelcome, onotice := other.admit("m3")
	for _, id := range []string{"m1", "m2", "m3"} {
		m := s.members[id]
		before := memberState(m)
		c.reject(t, m.Handle(owelcome), []error{meeting.ErrAuth, meeting.ErrReplay}, "another meeting's Welcome to %s", id)
		c.reject(t, m.Handle(onotice), []error{meeting.ErrAuth, meeting.ErrReplay}, "another meeting's Join notice to %s", id)
		if after := memberState(m); after != before {
			c.fail(t, "another meeting's messages changed %s", id)
		}
	}

	// A resync answer (a Welcome for the current epoch).
	req, err := s.members["m1"].ResyncRequest()
	if err != nil {
		t.Fatal(err)
	}
	s.attackLeader(c, "m1", req)
	answer, err := s.leader.Handle("m1", req)
	if err != nil {
		t.Fatal(err)
	}
	c.ok()
	before := leaderState(s.leader)
	_, err = s.leader.Handle("m1", req)
	c.reject(t, err, one(meeting.ErrReplay), "m1's Resync replayed")
	// A leader's own message sent to the leader is in the wrong direction.
	_, err = s.leader.Handle("m1", answer)
	c.reject(t, err, one(meeting.ErrMalformed), "a Welcome sent to the leader")
	if after := leaderState(s.leader); after != before {
		c.fail(t, "replayed Resync changed the leader: %s → %s", before, after)
	}
	s.attackMember(c, "m1", "resync Welcome", answer, true, one(meeting.ErrReplay))

	// Two leaves in one go: the second Rekey first is a gap (ErrEpoch),
	// then both apply in order.
	out1, err := s.leader.Remove("m3")
	if err != nil {
		t.Fatal(err)
	}
	welcome4, notice4 := s.admit("m4")
	s.deliver("m4", welcome4)
	rekey := rekeyFor(t, out1, "m1")
	for _, id := range []string{"m1", "m2"} {
		m := s.members[id]
		before := memberState(m)
		c.reject(t, m.Handle(notice4), one(meeting.ErrEpoch), "Join notice before the Rekey it follows, to %s", id)
		if after := memberState(m); after != before {
			c.fail(t, "a Join notice out of order changed %s", id)
		}
	}
	s.attackMember(c, "m1", "Rekey", rekey, true, one(meeting.ErrReplay))
	s.deliver("m2", rekeyFor(t, out1, "m2"))
	for _, id := range []string{"m1", "m2"} {
		s.deliver(id, notice4)
		c.ok()
	}
	// The leaver's Rekey would be for the removed member: it got none, and
	// an earlier epoch's notice is a replay for everyone.
	for _, id := range []string{"m1", "m2", "m4"} {
		c.reject(t, s.members[id].Handle(notice), one(meeting.ErrReplay), "an earlier epoch's Join notice to %s", id)
	}

	// The hand-over notice.
	handover, err := s.leader.HandOver("m2")
	if err != nil {
		t.Fatal(err)
	}
	s.attackMember(c, "m1", "Handover notice", handover, false, []error{meeting.ErrReplay, meeting.ErrWrongState})
}

// attackLeader delivers every forgery of member id's Resync request to the
// leader, the genuine request as from another member and from a stranger,
// and checks the errors and that the leader is unchanged. The genuine
// request is left for the caller.
func (s *meetingSetup) attackLeader(c *tally, id string, req []byte) {
	t := s.t
	t.Helper()
	before := leaderState(s.leader)
	forged, want := tamperings(req, true)
	for i, f := range forged {
		_, err := s.leader.Handle(id, f)
		c.reject(t, err, want[i], "Resync from %s, forgery %d", id, i)
	}
	_, err := s.leader.Handle("m2", req)
	c.reject(t, err, one(meeting.ErrAuth), "%s's Resync as from m2", id)
	_, err = s.leader.Handle("stranger", req)
	c.reject(t, err, one(meeting.ErrUnknownMember), "%s's Resync from a stranger", id)
	if after := leaderState(s.leader); after != before {
		c.fail(t, "Resync forgeries changed the leader: %s → %s", before, after)
	}
}
