package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pion/rtp"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/meeting"
)

// The per-packet cost of a meeting sender key against a 1:1 key, in the
// same run: Seal by one party and Open by the other of the same RTP packet,
// through e2ee.Session (1:1, keys per direction and kind) and through
// e2ee.MeetingSession (the leader sends, a member opens; keys per sender
// index and kind from the meeting's epoch). Both use the same per-key seal
// and open code; what differs is how the key is found.

// meetingKeySizes are the payload sizes measured, in bytes.
var meetingKeySizes = []int{160, 1200}

// meetingKeyResult is one payload size's figures.
type meetingKeyResult struct {
	size                 int
	oneToOne, meetingKey float64 // ns per Seal+Open
	allocs1, allocsM     int64   // allocations per Seal+Open
}

// measureMeetingKey runs both round trips with testing.Benchmark.
func measureMeetingKey() ([]meetingKeyResult, error) {
	oneToOne := func() (sealOpen, func(), error) {
		alice, err := e2ee.NewSessionFromSecrets(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
		if err != nil {
			return sealOpen{}, nil, err
		}
		bob, err := e2ee.NewSessionFromSecrets(bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{1}, 32))
		if err != nil {
			return sealOpen{}, nil, err
		}
		return sealOpen{
			overhead: alice.Overhead(),
			seal:     func(dst, p []byte) ([]byte, error) { return alice.Seal(dst, p, e2ee.Video) },
			open:     func(dst, p []byte) error { _, _, err := bob.Open(dst, p); return err },
		}, func() { alice.Close(); bob.Close() }, nil
	}
	meetingKey := func() (sealOpen, func(), error) {
		lead, member, err := meetingPair()
		if err != nil {
			return sealOpen{}, nil, err
		}
		return sealOpen{
			overhead: lead.Overhead(),
			seal:     func(dst, p []byte) ([]byte, error) { return lead.Seal(dst, p, e2ee.Video) },
			open:     func(dst, p []byte) error { _, _, _, err := member.Open(dst, p); return err },
		}, func() { lead.Close(); member.Close() }, nil
	}
	var out []meetingKeyResult
	for _, n := range meetingKeySizes {
		pkt, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 7}, Payload: make([]byte, n)}).Marshal()
		if err != nil {
			return nil, err
		}
		one, err := roundTrip(pkt, oneToOne)
		if err != nil {
			return nil, err
		}
		mk, err := roundTrip(pkt, meetingKey)
		if err != nil {
			return nil, err
		}
		out = append(out, meetingKeyResult{size: n, oneToOne: nsPerOp(one), meetingKey: nsPerOp(mk),
			allocs1: one.AllocsPerOp(), allocsM: mk.AllocsPerOp()})
	}
	return out, nil
}

func nsPerOp(r testing.BenchmarkResult) float64 { return float64(r.T.Nanoseconds()) / float64(r.N) }

// sealOpen is one party's Seal and the other's Open.
type sealOpen struct {
	overhead int
	seal     func(dst, p []byte) ([]byte, error)
	open     func(dst, p []byte) error
}

// roundTrip benchmarks seal then open of pkt with reused buffers, on a
// fresh pair of sessions from newPair for each round of the benchmark;
// every packet gets a new counter, so the replay window accepts each one.
// A meeting key that has sealed RekeyAfterPackets packets needs a new
// epoch: the pair is then replaced, outside the timing.
func roundTrip(pkt []byte, newPair func() (sealOpen, func(), error)) (testing.BenchmarkResult, error) {
	var failed error
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		so, done, err := newPair()
		if err != nil {
			failed = err
			return
		}
		sealBuf := make([]byte, 0, len(pkt)+so.overhead)
		openBuf := make([]byte, 0, len(pkt)+so.overhead)
		for b.Loop() {
			s, err := so.seal(sealBuf[:0], pkt)
			if errors.Is(err, e2ee.ErrKeyExhausted) {
				b.StopTimer()
				done()
				if so, done, err = newPair(); err != nil {
					failed = err
					return
				}
				b.StartTimer()
				continue
			}
			if err == nil {
				err = so.open(openBuf[:0], s)
			}
			if err != nil && failed == nil {
				failed = err
			}
		}
		done()
	})
	return r, failed
}

// meetingPair starts a meeting of a leader and one member over a real
// handshake and returns the leader's and the member's MeetingSession, keyed
// from the meeting's current epoch.
func meetingPair() (lead, member *e2ee.MeetingSession, err error) {
	cfg := meeting.Config{MeetingID: []byte("bench-meeting-key")}
	l, err := meeting.NewLeader(cfg, "leader")
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	pr, lr, err := meetingHandshake("p001")
	if err != nil {
		return nil, nil, err
	}
	m, err := meeting.NewMember(cfg, pr)
	if err != nil {
		return nil, nil, err
	}
	defer m.Close()
	welcome, _, err := l.Admit(lr)
	if err != nil {
		return nil, nil, err
	}
	if err := m.Handle(welcome); err != nil {
		return nil, nil, err
	}
	session := func(epoch func() (e2ee.MeetingEpoch, error)) (*e2ee.MeetingSession, error) {
		e, err := epoch()
		if err != nil {
			return nil, err
		}
		s, err := e2ee.NewMeetingSession()
		if err != nil {
			return nil, err
		}
		if err := s.SetEpoch(e); err != nil {
			return nil, err
		}
		return s, s.SwitchSend()
	}
	if lead, err = session(l.MediaEpoch); err != nil {
		return nil, nil, err
	}
	if member, err = session(m.MediaEpoch); err != nil {
		return nil, nil, err
	}
	return lead, member, nil
}

// meetingKeySection renders the comparison.
func meetingKeySection(p func(string, ...any), rs []meetingKeyResult) {
	if len(rs) == 0 {
		return
	}
	p("## Meetings: a sender key against a 1:1 key, per packet\n\n")
	p("Seal by one party and Open by another of the same RTP packet (default suite), through\n")
	p("`e2ee.Session` (a 1:1 call) and `e2ee.MeetingSession` (the leader sends, a member opens), in\n")
	p("this run. Both use the same per-key seal and open code.\n\n")
	p("| payload | 1:1 Seal+Open | meeting Seal+Open | meeting / 1:1 | allocs/op (1:1, meeting) |\n|---:|---:|---:|---:|---|\n")
	for _, r := range rs {
		p("| %d B | %.0f ns | %.0f ns | %.2f | %d, %d |\n", r.size, r.oneToOne, r.meetingKey, r.meetingKey/r.oneToOne, r.allocs1, r.allocsM)
	}
	p("\n")
}
