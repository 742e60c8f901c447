package meeting

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkMembership measures the leader's CPU per join (Admit: the
// ratchet, the proof signature, the sealed Welcome with the roster, the
// signed Join notice) and per leave (Remove: a fresh secret sealed to each
// remaining member) with n participants, and the bytes of key messages per
// change. The pairwise handshake a join also costs the leader is measured
// in keyexchange (BenchmarkHandshake); here it runs untimed. Each
// iteration removes one participant and admits it again.
func BenchmarkMembership(b *testing.B) {
	for _, n := range []int{2, 50, 200} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			s := newSim(b, n)
			id := pid(n - 1)
			var join, leave time.Duration
			var joinB, leaveB int
			for b.Loop() {
				t0 := time.Now()
				out, err := s.leader.Remove(id)
				leave += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				leaveB = 0
				for _, o := range out {
					leaveB += len(o.Msg)
				}
				_, lr := handshake(b, id, s.leader.ID(), nil, nil)
				t1 := time.Now()
				welcome, notice, err := s.leader.Admit(lr)
				join += time.Since(t1)
				if err != nil {
					b.Fatal(err)
				}
				joinB = len(welcome) + len(notice)
			}
			k := float64(b.N)
			b.ReportMetric(float64(join.Nanoseconds())/k, "join-ns")
			b.ReportMetric(float64(leave.Nanoseconds())/k, "leave-ns")
			b.ReportMetric(float64(joinB), "join-B")
			b.ReportMetric(float64(leaveB), "leave-B")
		})
	}
}
