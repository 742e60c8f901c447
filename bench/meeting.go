package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/callseal/callseal/internal/handshaketest"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting"
)

// The leader's cost of a membership change in an E2EE meeting (package
// meeting): CPU per join (Leader.Admit: the ratchet, the proof signature,
// the sealed Welcome with the roster and the signed Join notice) and per
// leave (Leader.Remove: a fresh epoch secret sealed to every remaining
// member), and the bytes of key messages each change sends, at several
// meeting sizes. The pairwise handshake a join also costs the leader is
// the handshake section's figure; it runs untimed here.

// meetingSizes are the numbers of participants measured.
var meetingSizes = []int{2, 50, 200}

// meetingResult is the figures at one meeting size.
type meetingResult struct {
	n                     int
	changes               int           // leaves and joins measured, each
	join, leave           time.Duration // leader time per change
	joinBytes, leaveBytes int           // key message bytes per change
}

// measureMeeting builds a meeting of each size (one leader, n-1 members
// admitted over real handshakes), then removes and readmits the last
// participant changes times, timing the leader's calls.
func measureMeeting(quick bool) ([]meetingResult, error) {
	changes := 200
	if quick {
		changes = 20
	}
	var out []meetingResult
	for _, n := range meetingSizes {
		r, err := measureMeetingSize(n, changes)
		if err != nil {
			return nil, fmt.Errorf("meeting of %d: %w", n, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func measureMeetingSize(n, changes int) (meetingResult, error) {
	r := meetingResult{n: n, changes: changes}
	leader, err := meeting.NewLeader(meeting.Config{MeetingID: []byte("bench-meeting")}, "leader")
	if err != nil {
		return r, err
	}
	defer leader.Close()
	admit := func(id string) (int, time.Duration, error) {
		res, err := leaderResult(id)
		if err != nil {
			return 0, 0, err
		}
		defer res.Wipe()
		t0 := time.Now()
		welcome, notice, err := leader.Admit(res)
		return len(welcome) + len(notice), time.Since(t0), err
	}
	for i := 1; i < n; i++ {
		if _, _, err := admit(fmt.Sprintf("p%03d", i)); err != nil {
			return r, err
		}
	}
	last := fmt.Sprintf("p%03d", n-1)
	runtime.GC()
	for range changes {
		t0 := time.Now()
		msgs, err := leader.Remove(last)
		r.leave += time.Since(t0)
		if err != nil {
			return r, err
		}
		r.leaveBytes = 0
		for _, m := range msgs {
			r.leaveBytes += len(m.Msg)
		}
		b, d, err := admit(last)
		if err != nil {
			return r, err
		}
		r.join += d
		r.joinBytes = b
	}
	r.join /= time.Duration(changes)
	r.leave /= time.Duration(changes)
	return r, nil
}

// leaderResult runs an X25519 handshake between participant id and the
// leader and returns the leader's Result.
func leaderResult(id string) (*keyexchange.Result, error) {
	p, l, err := meetingHandshake(id)
	if err != nil {
		return nil, err
	}
	p.Wipe()
	return l, nil
}

// meetingHandshake runs an X25519 handshake between participant id and
// the leader and returns both Results.
func meetingHandshake(id string) (participant, leader *keyexchange.Result, err error) {
	return handshaketest.Run(handshaketest.Pair([]byte("bench-meeting-"+id), id, "leader"))
}

// meetingSection renders the figures.
func meetingSection(p func(string, ...any), rs []meetingResult) {
	if len(rs) == 0 {
		return
	}
	p("## Meetings: the leader's cost of a membership change\n\n")
	p("A meeting of n participants (package `meeting`); the last one leaves and joins again %d times.\n", rs[0].changes)
	p("A join is `Leader.Admit` (ratchet, proof signature, sealed Welcome with the roster, signed Join\n")
	p("notice for one broadcast); a leave is `Leader.Remove` (a fresh epoch secret sealed to each of the\n")
	p("n-2 remaining members). Wall time of the leader's call, one goroutine; the pairwise handshake of a\n")
	p("join is the handshake section's figure and is not included.\n\n")
	p("| n | leader per join | key bytes per join | leader per leave | key bytes per leave | bytes per remaining member |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		per := "–"
		if r.n > 2 {
			per = fmt.Sprintf("%d", r.leaveBytes/(r.n-2))
		}
		p("| %d | %.1f µs | %d | %.1f µs | %d | %s |\n", r.n, float64(r.join.Nanoseconds())/1e3, r.joinBytes,
			float64(r.leave.Nanoseconds())/1e3, r.leaveBytes, per)
	}
	p("\n")
}
