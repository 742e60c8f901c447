package callseal

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStatsRekeys: Stats reports the E2EE layer's epochs: RekeysSent moves
// when alice's key moves (a Rekey after the stream sent), RekeysReceived
// when a packet of the new epoch authenticates at bob, counting epochs
// whose packets were all lost; other streams, RTCP and Unattributed stay
// at zero, and the counts survive Close.
func TestStatsRekeys(t *testing.T) {
	alice, bob, ap, _ := call(t, Config{})
	w, r := alice.Stream(Video), bob.Stream(Video)
	lose := false
	ap.onWrite = func(pkt []byte) []byte {
		if lose {
			return nil
		}
		return pkt
	}
	seq := uint16(0)
	send := func(delivered bool) {
		t.Helper()
		seq++
		lose = !delivered
		require.NoError(t, w.WriteRTP(rtpPacket(96, 0x5151, seq, 100)))
		if delivered {
			got, err := r.ReadRTP(nil)
			require.NoError(t, err)
			require.Equal(t, rtpPacket(96, 0x5151, seq, 100), got)
		}
	}
	rekeys := func(msg string, sent, received uint64) {
		t.Helper()
		a, b := alice.Stats(), bob.Stats()
		require.Equal(t, [2]uint64{sent, received}, [2]uint64{a.Stream(Video).RekeysSent, b.Stream(Video).RekeysReceived}, "%s: (sent, received)", msg)
		require.Zero(t, a.Stream(Video).RekeysReceived+b.Stream(Video).RekeysSent, "%s: bob sent no video", msg)
		for _, st := range []Stats{a, b} {
			others := []StreamStats{st.Stream(Audio), st.Stream(ScreenShare), st.RTCP, st.Unattributed}
			for _, o := range others {
				require.Zero(t, o.RekeysSent+o.RekeysReceived, "%s: only video was sent", msg)
			}
		}
	}

	require.NoError(t, alice.Rekey())
	rekeys("Rekey before sending", 0, 0)
	send(true)
	require.NoError(t, alice.Rekey())
	rekeys("Rekey after a packet", 1, 0)
	send(true)
	rekeys("a packet of epoch 1", 1, 1)
	for range 2 { // epochs 2 and 3: every packet lost
		require.NoError(t, alice.Rekey())
		send(false)
	}
	require.NoError(t, alice.Rekey())
	send(true)
	rekeys("epoch 4 after 2 and 3 were lost", 4, 4)

	require.NoError(t, alice.Close())
	require.NoError(t, bob.Close())
	rekeys("after Close", 4, 4)
}
