//go:build !race

package pioninterceptor

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"
)

// TestZeroAllocs: sealing a packet on the way out and opening one in place
// on the way in allocate nothing (the race detector allocates, hence the
// build tag).
func TestZeroAllocs(t *testing.T) {
	sa, sb := sessionPair(t)
	alice, bob := NewFactory(), NewFactory()
	require.NoError(t, alice.SetSession(sa))
	require.NoError(t, bob.SetSession(sb))
	info := &interceptor.StreamInfo{SSRC: ssrcCam, MimeType: webrtc.MimeTypeVP8}

	const runs = 200
	var wire [][]byte
	ia, _ := alice.NewInterceptor("")
	w := ia.BindLocalStream(info, interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		if len(wire) <= runs {
			b, err := marshal(h, payload)
			wire = append(wire, b)
			return len(b), err
		}
		return len(payload), nil
	}))
	h, payload := videoPacket(1)
	// Record the packets outside the measurement, then measure.
	for range runs + 1 {
		h.SequenceNumber++
		_, err := w.Write(h, payload, nil)
		require.NoError(t, err)
	}
	allocs := testing.AllocsPerRun(runs, func() {
		h.SequenceNumber++
		if _, err := w.Write(h, payload, nil); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "send path")

	ib, _ := bob.NewInterceptor("")
	next := 0
	r := ib.BindRemoteStream(info, interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		next++
		return copy(b, wire[next-1]), a, nil
	}))
	buf := make([]byte, 1500)
	allocs = testing.AllocsPerRun(runs, func() {
		if _, _, err := r.Read(buf, nil); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "receive path")
	require.Equal(t, uint64(runs+1), bob.Stats().Opened)
}
