package callseal

import (
	"fmt"
	"testing"
)

// BenchmarkSendReceive is one RTP packet through the whole Session path:
// WriteRTP (seal, protect, transport) on one side, the receive loop
// (unprotect, open, queue) and ReadRTP on the other, over an in-memory
// pipe, at audio, video and screen-share sizes.
func BenchmarkSendReceive(b *testing.B) {
	for _, n := range []int{160, 1200, 1400} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			alice, bob, _, _ := call(b, Config{})
			pkt := rtpPacket(96, 1, 0, n)
			buf := make([]byte, 0, 1500)
			b.ReportAllocs()
			b.SetBytes(int64(n))
			seq := uint16(0)
			for b.Loop() {
				seq++
				pkt[2], pkt[3] = byte(seq>>8), byte(seq)
				if err := alice.Stream(Video).WriteRTP(pkt); err != nil {
					b.Fatal(err)
				}
				if _, err := bob.Stream(Video).ReadRTP(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
