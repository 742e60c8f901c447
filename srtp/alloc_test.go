//go:build !race

// Allocation counts: the race detector allocates, so these tests are built
// only without it (CI runs the tests both with and without -race).

package srtp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestZeroAllocs(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			pkt := rtpPacket(1, 0, 1200)
			sbuf := make([]byte, 0, 1500)
			rbuf := make([]byte, 0, 1500)
			rtcp := rtcpPacket(1)
			seq := uint16(0)
			allocs := testing.AllocsPerRun(200, func() {
				seq++
				pkt[2], pkt[3] = byte(seq>>8), byte(seq)
				srtp, err := alice.ProtectRTP(sbuf, pkt)
				if err != nil {
					panic(err)
				}
				if _, err := bob.UnprotectRTP(rbuf, srtp); err != nil {
					panic(err)
				}
				srtcp, err := alice.ProtectRTCP(sbuf, rtcp)
				if err != nil {
					panic(err)
				}
				if _, err := bob.UnprotectRTCP(rbuf, srtcp); err != nil {
					panic(err)
				}
			})
			assert.Zero(t, allocs)
		})
	}
}
