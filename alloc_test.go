//go:build !race

// Allocation counts: the race detector allocates, so these tests are built
// only without it (CI runs the tests both with and without -race).

package callseal

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestZeroAllocs(t *testing.T) {
	alice, bob, _, _ := call(t, Config{})
	pkt := rtpPacket(96, 5, 0, 1200)
	rtcp := rtcpPacket(5)
	buf := make([]byte, 0, 1500)
	ctx, cancel := context.WithCancel(t.Context()) // a context that is not done
	defer cancel()
	seq := uint16(0)
	step := func() {
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		if err := alice.Stream(Video).WriteRTP(pkt); err != nil {
			panic(err)
		}
		if _, err := bob.Stream(Video).ReadRTP(buf[:0]); err != nil {
			panic(err)
		}
		if err := bob.WriteRTCP(rtcp); err != nil {
			panic(err)
		}
		if _, err := alice.ReadRTCPContext(ctx, buf[:0]); err != nil {
			panic(err)
		}
	}
	for range 100 { // warm up the buffer pools
		step()
	}
	assert.Zero(t, testing.AllocsPerRun(500, step))
}
