package srtp

import (
	"math/rand/v2"
	"testing"

	"github.com/pion/transport/v5/replaydetector"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The SRTP replay detector gives the verdicts of pion's own
// (SRTPReplayProtection: replaydetector.New(window, 2^48-1)) on the same
// stream of indices, accepting only what passed, as pion does after
// authentication.
func TestSRTPReplayMatchesPion(t *testing.T) {
	for _, window := range []int{64, 128, rtpReplayWindow} {
		ours := newSRTPReplay(window).(replaydetector.CheckAccepter)
		pion := replaydetector.New(uint(window), maxSRTPIndex).(replaydetector.CheckAccepter)
		rng := rand.New(rand.NewPCG(uint64(window), 7))
		var top uint64
		passed := 0
		for i := range 50000 {
			var idx uint64
			switch r := rng.IntN(20); {
			case r < 10:
				idx = top + 1 + uint64(rng.IntN(3))
			case r < 11:
				idx = top + uint64(rng.IntN(3*window))
			case r < 12:
				idx = maxSRTPIndex - uint64(rng.IntN(2)) + uint64(rng.IntN(3)) // around the limit
			default:
				idx = top - min(top, uint64(rng.IntN(window+40)))
			}
			want, got := pion.CheckSeq(idx), ours.CheckSeq(idx)
			require.Equal(t, want.Passed(), got.Passed(), "window %d, step %d: index %d, newest %d", window, i, idx, top)
			if got.Passed() && idx <= maxSRTPIndex && rng.IntN(8) != 0 { // some pass but fail authentication
				assert.Equal(t, pion.Accept(want), ours.Accept(got), "window %d, step %d: Accept(%d) newest", window, i, idx)
				top = max(top, idx)
				passed++
			}
			if top > maxSRTPIndex-4 {
				top = uint64(rng.IntN(1 << 20)) // start a new stream
				ours = newSRTPReplay(window).(replaydetector.CheckAccepter)
				pion = replaydetector.New(uint(window), maxSRTPIndex).(replaydetector.CheckAccepter)
			}
		}
		require.Greater(t, passed, 20000, "too few accepted indices to compare")
	}
}

// The older two-step interface pion also accepts behaves the same.
func TestSRTPReplayCheckInterface(t *testing.T) {
	d := newSRTPReplay(64)
	accept, ok := d.Check(10)
	require.True(t, ok)
	assert.True(t, accept(), "first index is the newest")
	_, ok = d.Check(10)
	assert.False(t, ok, "duplicate passed")
	accept, ok = d.Check(9)
	require.True(t, ok)
	assert.False(t, accept(), "an older index is not the newest")
	accept, ok = d.Check(maxSRTPIndex + 1)
	assert.False(t, ok, "index beyond 48 bits passed")
	assert.False(t, accept())
}

// The window edge of a Session: a packet rtpReplayWindow-1 behind the newest
// opens, one rtpReplayWindow behind does not.
func TestReplayWindowEdge(t *testing.T) {
	alice, bob := testPair(t, DefaultProfile)
	protect := func(seq uint16) []byte {
		p, err := alice.ProtectRTP(nil, rtpPacket(5, seq, 20))
		require.NoError(t, err)
		return p
	}
	const newest = rtpReplayWindow + 100
	edge, beyond := protect(newest-(rtpReplayWindow-1)), protect(newest-rtpReplayWindow)
	_, err := bob.UnprotectRTP(nil, protect(newest))
	require.NoError(t, err)
	_, err = bob.UnprotectRTP(nil, beyond)
	require.ErrorIs(t, err, ErrReplay)
	_, err = bob.UnprotectRTP(nil, edge)
	require.NoError(t, err)
	_, err = bob.UnprotectRTP(nil, edge)
	require.ErrorIs(t, err, ErrReplay)
}
