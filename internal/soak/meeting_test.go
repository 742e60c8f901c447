package soak

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting"
)

// meetingPlan is the size of a meeting soak run.
type meetingPlan struct {
	members  int           // besides the leader, at every moment
	duration time.Duration // of the churn, after the warm-up
	every    time.Duration // between one join-and-leave and the next
	sample   time.Duration // between heap samples
	// leakPerChange plants a leak for TestMeetingSoakFindsPlantedLeak:
	// that many bytes kept for every membership change.
	leakPerChange int
}

// meetingWarmup is how long the churn runs before the first heap sample:
// past the grace period of the superseded epochs.
const meetingWarmup = time.Second

// meetingPlanFor returns a short plan, so that go test ./... stays fast:
// 30 members, a join and a leave every 20 ms for 3 s; with CALLSEAL_SOAK
// set (as for TestSoak), 199 members, a join and a leave every 50 ms for
// that long.
func meetingPlanFor(t *testing.T) meetingPlan {
	env := os.Getenv("CALLSEAL_SOAK")
	if env == "" {
		return meetingPlan{members: 30, duration: 3 * time.Second, every: 20 * time.Millisecond, sample: 100 * time.Millisecond}
	}
	d, err := time.ParseDuration(env)
	if err != nil || d < minFull {
		t.Fatalf("CALLSEAL_SOAK=%q: want a duration of at least %v, such as 60s", env, minFull)
	}
	return meetingPlan{members: meeting.MaxParticipants - 57, duration: d, every: 50 * time.Millisecond, sample: time.Second}
}

// TestMeetingSoak churns a meeting: a newcomer joins (a handshake with the
// leader, its Welcome, a Join notice to everyone) and the longest-present
// member leaves (a Rekey to everyone) over and over, every member applying
// every key message and keying a sender from the current epoch, as its
// media layer would. The live heap's trend while it runs must stay under
// noiseFloor (heapTrend, as in TestSoak): nothing may be kept per
// membership change.
func TestMeetingSoak(t *testing.T) {
	p := meetingPlanFor(t)
	samples, changes := runMeetingSoak(t, p)
	g := heapTrend(samples)
	first, last := samples[0], samples[len(samples)-1]
	t.Logf("%d membership changes; live heap trend %+.0f bytes over %v; sees a leak of %.0f bytes per change",
		changes, g, last.at-first.at, float64(noiseFloor)/float64(max(1, last.rekeys-first.rekeys)))
	if g >= noiseFloor {
		t.Errorf("the live heap's trend rose by %.0f bytes (%.0f bytes per change): a leak%s",
			g, g/float64(max(1, last.rekeys-first.rekeys)), formatSamples(samples))
	}
}

// TestMeetingSoakFindsPlantedLeak runs the short churn keeping 16 KiB per
// membership change; the heap check must report it.
func TestMeetingSoakFindsPlantedLeak(t *testing.T) {
	p := meetingPlan{members: 30, duration: 3 * time.Second, every: 20 * time.Millisecond, sample: 100 * time.Millisecond, leakPerChange: 16 << 10}
	samples, _ := runMeetingSoak(t, p)
	if g := heapTrend(samples); g < noiseFloor {
		t.Errorf("a leak of %d bytes per change was not found: trend %+.0f bytes%s", p.leakPerChange, g, formatSamples(samples))
	}
}

// runMeetingSoak runs the churn of p and returns the heap samples taken
// after the warm-up (rekeys counting membership changes) and the number of
// changes.
func runMeetingSoak(t *testing.T, p meetingPlan) ([]heapSample, int) {
	cfg := meeting.Config{MeetingID: []byte("soak-meeting"), Grace: 200 * time.Millisecond}
	leader, err := meeting.NewLeader(cfg, "lead")
	if err != nil {
		t.Fatal(err)
	}
	defer leader.Close()
	ms := &meetingSoak{t: t, cfg: cfg, leader: leader}
	defer ms.closeAll()
	for range p.members {
		ms.join()
	}
	var (
		samples []heapSample
		leaked  [][]byte
		changes int
	)
	start := time.Now()
	next := start
	nextSample := start.Add(meetingWarmup)
	for time.Since(start) < meetingWarmup+p.duration {
		ms.join()
		ms.leave()
		changes += 2
		if p.leakPerChange > 0 {
			leaked = append(leaked, make([]byte, 2*p.leakPerChange))
		}
		if now := time.Now(); !now.Before(nextSample) {
			live, inuse := readHeap()
			samples = append(samples, heapSample{at: now.Sub(start), live: live, inuse: inuse, rekeys: uint64(changes)})
			nextSample = nextSample.Add(p.sample)
		}
		next = next.Add(p.every)
		time.Sleep(time.Until(next))
	}
	if len(samples) < 2*trendWindow {
		t.Fatalf("only %d heap samples: the machine is too slow for the plan", len(samples))
	}
	if len(leaked) == 0 {
		leaked = nil
	}
	return samples, changes
}

// meetingSoak is the churning meeting: the leader and the members in join
// order.
type meetingSoak struct {
	t       *testing.T
	cfg     meeting.Config
	leader  *meeting.Leader
	members []*meeting.Member
	n       int // IDs handed out
}

// join admits a newcomer: handshake, Welcome, Join notice to the others.
func (s *meetingSoak) join() {
	s.t.Helper()
	s.n++
	id := fmt.Sprintf("m%06d", s.n)
	res, err := handshakeBetween([]byte("soak-meeting/"+id), id, s.leader.ID(), keyexchange.X25519_SHA256)
	if err != nil {
		s.t.Fatal(err)
	}
	mr, lr := res[0], res[1]
	m, err := meeting.NewMember(s.cfg, mr)
	if err != nil {
		s.t.Fatal(err)
	}
	welcome, notice, err := s.leader.Admit(lr)
	if err != nil {
		s.t.Fatal(err)
	}
	mr.Wipe()
	lr.Wipe()
	if err := m.Handle(welcome); err != nil {
		s.t.Fatal(err)
	}
	for _, o := range s.members {
		if err := o.Handle(notice); err != nil {
			s.t.Fatalf("%s: Join notice: %v", o.ID(), err)
		}
	}
	s.members = append(s.members, m)
	s.keyMedia()
}

// leave removes the longest-present member; the others apply their Rekey.
func (s *meetingSoak) leave() {
	s.t.Helper()
	gone := s.members[0]
	s.members = slices.Delete(s.members, 0, 1)
	out, err := s.leader.Remove(gone.ID())
	if err != nil {
		s.t.Fatal(err)
	}
	gone.Close()
	byID := make(map[string][]byte, len(out))
	for _, o := range out {
		byID[o.To] = o.Msg
	}
	for _, m := range s.members {
		if err := m.Handle(byID[m.ID()]); err != nil {
			s.t.Fatalf("%s: Rekey: %v", m.ID(), err)
		}
	}
	s.keyMedia()
}

// keyMedia derives, at every member, the leader's audio key of the
// current epoch, and checks that all agree.
func (s *meetingSoak) keyMedia() {
	s.t.Helper()
	want, err := s.leader.Current().SenderBaseKey(s.leader.Index(), meeting.Audio)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, m := range s.members {
		got, err := m.Current().SenderBaseKey(s.leader.Index(), meeting.Audio)
		if err != nil || string(got) != string(want) {
			s.t.Fatalf("%s: sender key of epoch %d differs from the leader's (%v)", m.ID(), m.Epoch(), err)
		}
		clear(got)
	}
	clear(want)
}

func (s *meetingSoak) closeAll() {
	for _, m := range s.members {
		m.Close()
	}
}
