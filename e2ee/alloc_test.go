//go:build !race

// Allocation counts: the race detector allocates, so these tests are built
// only without it (CI runs the tests both with and without -race).

package e2ee

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

func TestZeroAllocs(t *testing.T) {
	// The AES-GCM suites allocate nothing. The AES-CTR-HMAC suites allocate
	// the AES-CTR stream of crypto/cipher.NewCTR once per Seal and per Open
	// (crypto/cipher offers no way to restart a stream at a new IV).
	for suite, want := range map[sframe.CipherSuite]float64{
		sframe.AES_128_GCM_SHA256_128: 0, sframe.AES_256_GCM_SHA512_128: 0,
		sframe.AES_128_CTR_HMAC_SHA256_80: 2, sframe.AES_128_CTR_HMAC_SHA256_64: 2,
		sframe.AES_128_CTR_HMAC_SHA256_32: 2,
		sframe.AES_256_CTR_HMAC_SHA512_80: 2, sframe.AES_256_CTR_HMAC_SHA512_64: 2,
		sframe.AES_256_CTR_HMAC_SHA512_32: 2,
	} {
		alice, bob := newPair(t, Config{CipherSuite: suite})
		for name, shape := range rtpShapes { // the per-packet and the general paths
			for _, n := range []int{160, 1200} {
				pkt := makeRTP(t, payloadOf(n), shape)
				require.Equal(t, want, sealOpenAllocs(alice, bob, pkt, Video, false),
					"%v %s %d B: allocations per Seal+Open", suite, name, n)
				require.Equal(t, want, sealOpenAllocs(alice, bob, pkt, Video, true),
					"%v %s %d B: allocations per Seal+Open in place", suite, name, n)
			}
		}
	}
	for name, shape := range rtpShapes {
		alice, bob := newPair(t)
		pkt := makeRTP(t, payloadOf(1200), shape)
		openBuf := make([]byte, 0, len(pkt)+alice.Overhead())

		// Rejections do not allocate either.
		sealed, err := alice.Seal(nil, pkt, Video)
		require.NoError(t, err)
		_, _, err = bob.Open(nil, sealed)
		require.NoError(t, err)
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		allocs := testing.AllocsPerRun(100, func() {
			bob.Open(openBuf[:0], sealed)  // replay
			bob.Open(openBuf[:0], bad)     // auth
			bob.Open(openBuf[:0], pkt[:5]) // malformed
		})
		require.Zero(t, allocs, "%s: allocations per rejected packet", name)
	}
}

func TestSSRCKeysZeroAllocs(t *testing.T) {
	streams := []RTPStream{{SSRC: 1, Kind: Audio}, {SSRC: 2, Kind: Video}}
	alice, err := NewSessionFromSecrets(secretA, secretB, Config{SendStreams: streams})
	require.NoError(t, err)
	bob, err := NewSessionFromSecrets(secretB, secretA, Config{RecvStreams: streams})
	require.NoError(t, err)
	pkt := rtpWithSSRC(t, 2, 1)
	require.Zero(t, sealOpenAllocs(alice, bob, pkt, Video, false))
	require.Zero(t, sealOpenAllocs(alice, bob, pkt, Video, true))
}

// TestFrameZeroAllocs: SealFrame and OpenFrame make no allocation with the
// AES-GCM suites, into buffers of their own and in place, for each codec;
// refused frames do not allocate either.
func TestFrameZeroAllocs(t *testing.T) {
	alice, bob := newPair(t)
	for _, tc := range frameCases {
		buf := make([]byte, 0, len(tc.frame)+alice.FrameOverhead())
		out := make([]byte, 0, len(tc.frame)+alice.FrameOverhead())
		for _, inPlace := range []bool{false, true} {
			allocs := testing.AllocsPerRun(100, func() {
				in := tc.frame
				if inPlace {
					in = append(buf[:0], tc.frame...)
				}
				sealed, err := alice.SealFrame(buf[:0], in, tc.kind, tc.codec)
				if err != nil {
					panic(err)
				}
				dst := out[:0]
				if inPlace {
					dst = sealed[:0]
				}
				if _, _, err := bob.OpenFrame(dst, sealed, tc.codec); err != nil {
					panic(err)
				}
			})
			require.Zero(t, allocs, "%s (in place %v): allocations per SealFrame+OpenFrame", tc.name, inPlace)
		}
		sealed, err := alice.SealFrame(nil, tc.frame, tc.kind, tc.codec)
		require.NoError(t, err)
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		allocs := testing.AllocsPerRun(100, func() {
			bob.OpenFrame(out[:0], bad, tc.codec)            // auth
			bob.OpenFrame(out[:0], nil, tc.codec)            // empty
			alice.SealFrame(out[:0], nil, tc.kind, tc.codec) // empty
		})
		require.Zero(t, allocs, "%s: allocations per refused frame", tc.name)
	}
}

func TestMeetingZeroAllocs(t *testing.T) {
	src := newSource(1, 1)
	ms := newMeeting(t, src, []uint8{0, 1})
	pkt := makeRTP(t, payloadOf(1200), pktOpts{})
	sealed, err := ms[0].Seal(nil, pkt, Video)
	require.NoError(t, err)
	_, _, _, err = ms[1].Open(nil, sealed) // derives the receive key
	require.NoError(t, err)
	sealBuf := make([]byte, 0, len(pkt)+ms[0].Overhead())
	openBuf := make([]byte, 0, cap(sealBuf))
	require.Zero(t, testing.AllocsPerRun(200, func() {
		s, err := ms[0].Seal(sealBuf[:0], pkt, Video)
		if err != nil {
			panic(err)
		}
		if _, _, _, err := ms[1].Open(openBuf[:0], s); err != nil {
			panic(err)
		}
	}), "allocations per meeting Seal+Open")

	forged, err := newMeeting(t, src, []uint8{9})[0].Seal(nil, pkt, Video)
	require.NoError(t, err)
	require.Zero(t, testing.AllocsPerRun(100, func() {
		ms[1].Open(openBuf[:0], sealed)  // replay
		ms[1].Open(openBuf[:0], forged)  // unknown sender
		ms[1].Open(openBuf[:0], pkt[:5]) // malformed
	}), "allocations per rejected meeting packet")
}
