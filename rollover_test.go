package callseal

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRolloverWithRekey runs one video stream of 2^16 + 1024 packets
// through a call, starting 512 packets before the 16-bit RTP sequence
// number wraps, so that transport SRTP's rollover counter (RFC 3711,
// Section 3.3.1) advances twice. At each wrap alice also rekeys E2EE
// (Session.Rekey, the SFrame ratchet of RFC 9605, Section 5.1), so the two
// layers change state at the same packet; and the path holds back the
// last four packets before each wrap, sealed under the old epoch
// and with the old rollover counter, and delivers them after the wrap, so
// the receiver needs both its previous rollover counter and its previous
// epoch's key (the grace period). A third rekey comes mid-stream. Every packet must arrive exactly as sent, in
// the order the path delivered it, and nothing may be dropped.
func TestRolloverWithRekey(t *testing.T) {
	const (
		start = uint16(0xfe00)
		total = 1<<16 + 1024
		ssrc  = 0x7e57
		size  = 300
	)
	alice, bob, ap, _ := call(t, Config{})

	var held [][]byte
	var arrival []uint16 // sequence numbers in the order bob receives them
	ap.onWrite = func(pkt []byte) []byte {
		seq := binary.BigEndian.Uint16(pkt[2:])
		switch {
		case seq >= 0xfffc:
			held = append(held, append([]byte(nil), pkt...))
			return nil
		case seq == 0x0002:
			for _, h := range held {
				ap.inject(h)
				arrival = append(arrival, binary.BigEndian.Uint16(h[2:]))
			}
			held = nil
		}
		arrival = append(arrival, seq)
		return pkt
	}

	rekeys := 0
	rekey := func() {
		require.NoError(t, alice.Rekey())
		rekeys++
	}

	w, r := alice.Stream(Video), bob.Stream(Video)
	var buf []byte
	read := 0
	seq := start
	for i := range total {
		if seq == 0 || i == total/2 {
			rekey()
		}
		require.NoError(t, w.WriteRTP(rtpPacket(96, ssrc, seq, size)))
		for ; read < len(arrival); read++ {
			var err error
			buf, err = r.ReadRTP(buf[:0])
			require.NoError(t, err, "packet %d", read)
			if want := rtpPacket(96, ssrc, arrival[read], size); !assert.Equal(t, want, buf, "seq %#04x", arrival[read]) {
				t.FailNow()
			}
		}
		seq++
	}
	require.Equal(t, total, read)
	require.Equal(t, 3, rekeys)

	st := bob.Stats().Stream(Video)
	assert.Equal(t, uint64(total), st.Received.Packets)
	assert.Zero(t, st.AuthFailures()+st.Replays+st.Malformed+st.Overflows)
	assert.Equal(t, uint64(rekeys), alice.Stats().Stream(Video).RekeysSent)
	assert.Equal(t, uint64(rekeys), st.RekeysReceived)
	assert.Zero(t, alice.Stats().Stream(Audio).RekeysSent, "no audio was sent")
	t.Logf("%d packets, %d E2EE rekeys", total, rekeys)
}
