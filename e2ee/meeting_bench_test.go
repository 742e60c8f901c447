package e2ee

import (
	"fmt"
	"testing"
)

// resetReplay forgets every accepted counter of the epochs held, so that a
// benchmark can open the same packets again. It does not allocate.
func (m *MeetingSession) resetReplay() {
	for _, ep := range m.ring.Load().epochs {
		if ep == nil {
			continue
		}
		for i := range ep.keys {
			if rk := ep.keys[i].Load(); rk != nil {
				rk.mu.Lock()
				rk.replay.Reset()
				rk.mu.Unlock()
			}
		}
	}
}

// BenchmarkMeetingKey measures a meeting sender key against a 1:1 key on
// the same per-key code: Seal, and Open of a batch of benchBatch packets
// (the replay windows reset after each pass), per packet.
func BenchmarkMeetingKey(b *testing.B) {
	for _, n := range benchSizes {
		alice, bob := newPair(b)
		ms := newMeeting(b, newSource(1, 1), []uint8{0, 1})
		type side struct {
			name     string
			seal     func(dst, pkt []byte) ([]byte, error)
			open     func(dst, pkt []byte) error
			reset    func()
			overhead int
		}
		for _, s := range []side{
			{"1to1", func(d, p []byte) ([]byte, error) { return alice.Seal(d, p, Video) },
				func(d, p []byte) error { _, _, err := bob.Open(d, p); return err }, bob.resetReplay, alice.Overhead()},
			{"meeting", func(d, p []byte) ([]byte, error) { return ms[0].Seal(d, p, Video) },
				func(d, p []byte) error { _, _, _, err := ms[1].Open(d, p); return err }, ms[1].resetReplay, ms[0].Overhead()},
		} {
			pkt := makeRTP(b, payloadOf(n), pktOpts{})
			b.Run(fmt.Sprintf("Seal/%dB/%s", n, s.name), func(b *testing.B) {
				out := make([]byte, 0, len(pkt)+s.overhead)
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					if _, err := s.seal(out[:0], pkt); err != nil {
						b.Fatal(err)
					}
				}
			})
			pkts := make([][]byte, benchBatch)
			for i := range pkts {
				var err error
				if pkts[i], err = s.seal(nil, makeRTP(b, payloadOf(n), pktOpts{seq: uint16(i)})); err != nil {
					b.Fatal(err)
				}
			}
			b.Run(fmt.Sprintf("Open/%dB/%s", n, s.name), func(b *testing.B) {
				buf := make([]byte, 0, len(pkts[0]))
				s.reset()
				b.ReportAllocs()
				b.SetBytes(int64(n))
				i := 0
				for b.Loop() {
					if i == benchBatch {
						b.StopTimer()
						s.reset()
						i = 0
						b.StartTimer()
					}
					if err := s.open(buf[:0], pkts[i]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}
