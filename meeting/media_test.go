package meeting

import (
	"testing"

	"github.com/pion/rtp"

	"github.com/callseal/callseal/e2ee"
)

// relabelled is a leaver's old keys presented under another epoch number:
// its best attempt at the epoch it never received.
type relabelled struct {
	*EpochKeys
	epoch uint32
}

func (r relabelled) Epoch() uint32 { return r.epoch }

func mediaSession(t *testing.T, epoch func() (e2ee.MeetingEpoch, error)) *e2ee.MeetingSession {
	t.Helper()
	e, err := epoch()
	if err != nil {
		t.Fatal(err)
	}
	s, err := e2ee.NewMeetingSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetEpoch(e); err != nil {
		t.Fatal(err)
	}
	if err := s.SwitchSend(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMediaEpochLeaver: with the real key protocol, media sealed after a
// leave opens for the remaining members and not with anything the leaver
// holds; the KID e2ee seals under is the one KID names.
func TestMediaEpochLeaver(t *testing.T) {
	s := newSim(t, 4)
	leaver := s.members[pid(2)]
	old := mediaSession(t, leaver.MediaEpoch)
	oldKeys := leaver.Current()

	s.leave(pid(2))
	lead := mediaSession(t, s.leader.MediaEpoch)
	rx := mediaSession(t, s.members[pid(1)].MediaEpoch)

	pkt, err := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: []byte("after the leave")}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := lead.Seal(nil, pkt, e2ee.Video)
	if err != nil {
		t.Fatal(err)
	}
	if _, index, kind, err := rx.Open(nil, sealed); err != nil || index != s.leader.Index() || kind != e2ee.Video {
		t.Fatalf("a remaining member: index %d kind %v: %v", index, kind, err)
	}
	var h rtp.Packet
	if err := h.Unmarshal(sealed); err != nil {
		t.Fatal(err)
	}
	bits, index, kind, err := ParseKID(uint64(h.Payload[1])<<8 | uint64(h.Payload[2]))
	if err != nil || !s.leader.Current().Matches(bits) || index != s.leader.Index() || kind != Video {
		t.Fatalf("KID %x: epoch bits %d, index %d, kind %v, %v", h.Payload[:3], bits, index, kind, err)
	}

	if _, _, _, err := old.Open(nil, sealed); err == nil {
		t.Fatal("the leaver's session opened media of the epoch after it left")
	}
	forged := mediaSession(t, func() (e2ee.MeetingEpoch, error) {
		return e2ee.MeetingEpoch{Keys: relabelled{oldKeys, s.leader.Epoch()}, Index: 9, Senders: []uint8{s.leader.Index()}}, nil
	})
	if _, _, _, err := forged.Open(nil, sealed); err == nil {
		t.Fatal("the leaver's keys, relabelled, opened the new epoch")
	}
}
