package srtp

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTripRTP(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			seq := uint16(0xfff0) // crosses the 16-bit rollover (RFC 3711, Section 3.3.1)
			for _, n := range []int{0, 1, 160, 1200} {
				for _, build := range []func(uint32, uint16, int) []byte{rtpPacket, rtpPacketExt} {
					seq++
					pkt := build(0x1234, seq, n)
					orig := bytes.Clone(pkt)

					// Fresh buffer.
					srtp, err := alice.ProtectRTP(nil, pkt)
					require.NoError(t, err)
					assert.Equal(t, orig, pkt, "input modified")
					assert.Len(t, srtp, len(pkt)+p.RTPOverhead())
					assert.Equal(t, pkt[:12], srtp[:12], "RTP header must stay in the clear")
					if n >= 16 {
						assert.NotEqual(t, pkt[len(pkt)-16:], srtp[len(pkt)-16:len(pkt)], "payload not encrypted")
					}

					// Append to a prefix: the prefix is kept.
					prefix := []byte("prefix")
					out, err := bob.UnprotectRTP(bytes.Clone(prefix), srtp)
					require.NoError(t, err)
					assert.Equal(t, append(prefix, pkt...), out)
				}
			}
		})
	}
}

func TestRoundTripRTPInPlace(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			for seq := uint16(1); seq < 20; seq++ {
				pkt := rtpPacketExt(7, seq, 100)
				want := bytes.Clone(pkt)
				buf := make([]byte, len(pkt), len(pkt)+p.RTPOverhead())
				copy(buf, pkt)

				srtp, err := alice.ProtectRTP(buf[:0], buf)
				require.NoError(t, err)
				assert.Same(t, &buf[0], &srtp[0], "in-place protect must reuse the buffer")

				out, err := bob.UnprotectRTP(srtp[:0], srtp)
				require.NoError(t, err)
				assert.Same(t, &buf[0], &out[0], "in-place unprotect must reuse the buffer")
				assert.Equal(t, want, out)
			}
		})
	}
}

func TestRoundTripRTCP(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			for i := range 5 {
				pkt := rtcpPacket(0x1234)
				orig := bytes.Clone(pkt)
				srtcp, err := alice.ProtectRTCP(nil, pkt)
				require.NoError(t, err)
				assert.Equal(t, orig, pkt, "input modified")
				assert.Len(t, srtcp, len(pkt)+p.RTCPOverhead())
				assert.Equal(t, pkt[:8], srtcp[:8], "RTCP header and SSRC stay in the clear")
				assert.NotEqual(t, pkt[8:], srtcp[8:len(pkt)], "RTCP body not encrypted")

				out, err := bob.UnprotectRTCP([]byte{byte(i)}, srtcp)
				require.NoError(t, err)
				assert.Equal(t, append([]byte{byte(i)}, pkt...), out)

				// Bob answers in place.
				buf := make([]byte, len(pkt), len(pkt)+p.RTCPOverhead())
				copy(buf, pkt)
				srtcp, err = bob.ProtectRTCP(buf[:0], buf)
				require.NoError(t, err)
				out, err = alice.UnprotectRTCP(srtcp[:0], srtcp)
				require.NoError(t, err)
				assert.Equal(t, pkt, out)
			}
		})
	}
}

func TestTamperedByte(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			pkt := rtpPacket(9, 1000, 40)
			srtp, err := alice.ProtectRTP(nil, pkt)
			require.NoError(t, err)
			for i := range srtp {
				bad := bytes.Clone(srtp)
				bad[i] ^= 0x01
				_, err := bob.UnprotectRTP(nil, bad)
				require.Error(t, err, "byte %d", i)
				if i >= 4 { // past V/P/X/CC/M/PT and the sequence number
					assert.ErrorIs(t, err, ErrAuth, "byte %d", i)
				} else {
					assert.True(t, errorsIsAny(err, ErrAuth, ErrMalformed), "byte %d: %v", i, err)
				}
			}
			// A good packet after the bad ones still unprotects.
			out, err := bob.UnprotectRTP(nil, srtp)
			require.NoError(t, err)
			assert.Equal(t, pkt, out)

			rtcp := rtcpPacket(9)
			srtcp, err := alice.ProtectRTCP(nil, rtcp)
			require.NoError(t, err)
			for i := range srtcp {
				bad := bytes.Clone(srtcp)
				bad[i] ^= 0x80
				_, err := bob.UnprotectRTCP(nil, bad)
				require.Error(t, err, "byte %d", i)
				assert.True(t, errorsIsAny(err, ErrAuth, ErrMalformed), "byte %d: %v", i, err)
			}
			out, err = bob.UnprotectRTCP(nil, srtcp)
			require.NoError(t, err)
			assert.Equal(t, rtcp, out)
		})
	}
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errorsIs(err, t) {
			return true
		}
	}
	return false
}

func TestReplay(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			var packets [][]byte
			for seq := uint16(1); seq <= rtpReplayWindow+10; seq++ {
				srtp, err := alice.ProtectRTP(nil, rtpPacket(5, seq, 20))
				require.NoError(t, err)
				packets = append(packets, srtp)
			}
			// In order, then a duplicate.
			_, err := bob.UnprotectRTP(nil, packets[0])
			require.NoError(t, err)
			_, err = bob.UnprotectRTP(nil, packets[0])
			require.ErrorIs(t, err, ErrReplay)
			assert.NotErrorIs(t, err, ErrAuth)

			// Out of order inside the window is fine, once.
			_, err = bob.UnprotectRTP(nil, packets[5])
			require.NoError(t, err)
			_, err = bob.UnprotectRTP(nil, packets[3])
			require.NoError(t, err)
			_, err = bob.UnprotectRTP(nil, packets[3])
			require.ErrorIs(t, err, ErrReplay)

			// Behind the window: rejected even though never seen.
			_, err = bob.UnprotectRTP(nil, packets[len(packets)-1])
			require.NoError(t, err)
			_, err = bob.UnprotectRTP(nil, packets[1])
			require.ErrorIs(t, err, ErrReplay)

			// RTCP.
			srtcp, err := alice.ProtectRTCP(nil, rtcpPacket(5))
			require.NoError(t, err)
			_, err = bob.UnprotectRTCP(nil, srtcp)
			require.NoError(t, err)
			_, err = bob.UnprotectRTCP(nil, srtcp)
			require.ErrorIs(t, err, ErrReplay)
		})
	}
}

// A forged packet far ahead must not move the replay window or the
// rollover counter: authentication comes before both are updated.
func TestForgeryDoesNotAdvanceState(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			first, err := alice.ProtectRTP(nil, rtpPacket(5, 100, 20))
			require.NoError(t, err)
			_, err = bob.UnprotectRTP(nil, first)
			require.NoError(t, err)

			forged := rtpPacket(5, 100+30000, 20+p.RTPOverhead())
			_, err = bob.UnprotectRTP(nil, forged)
			require.ErrorIs(t, err, ErrAuth)

			next, err := alice.ProtectRTP(nil, rtpPacket(5, 101, 20))
			require.NoError(t, err)
			out, err := bob.UnprotectRTP(nil, next)
			require.NoError(t, err)
			assert.Equal(t, rtpPacket(5, 101, 20), out)
		})
	}
}

func TestWrongKeys(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, _ := testPair(t, p)
			eve, err := NewSession(p, testKeys(p, 3), testKeys(p, 4))
			require.NoError(t, err)
			srtp, err := alice.ProtectRTP(nil, rtpPacket(1, 1, 50))
			require.NoError(t, err)
			_, err = eve.UnprotectRTP(nil, srtp)
			require.ErrorIs(t, err, ErrAuth)

			// Alice cannot unprotect her own packets: each direction has its own key.
			_, err = alice.UnprotectRTP(nil, srtp)
			require.ErrorIs(t, err, ErrAuth)

			srtcp, err := alice.ProtectRTCP(nil, rtcpPacket(1))
			require.NoError(t, err)
			_, err = eve.UnprotectRTCP(nil, srtcp)
			require.ErrorIs(t, err, ErrAuth)

			// Same key, other salt: also rejected.
			k := testKeys(p, 1)
			k.MasterSalt[0] ^= 1
			mallory, err := NewSession(p, testKeys(p, 2), k)
			require.NoError(t, err)
			_, err = mallory.UnprotectRTP(nil, srtp)
			require.ErrorIs(t, err, ErrAuth)
		})
	}
}

func TestMalformed(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			for _, pkt := range [][]byte{nil, {0x80}, make([]byte, 11), rtpPacket(1, 1, 0)[:12]} {
				_, err := bob.UnprotectRTP(nil, pkt)
				assert.True(t, errorsIsAny(err, ErrMalformed, ErrAuth), "%x: %v", pkt, err)
			}
			for _, pkt := range [][]byte{nil, {0x80}, make([]byte, 11)} {
				_, err := bob.UnprotectRTP(nil, pkt)
				assert.ErrorIs(t, err, ErrMalformed, "%x", pkt)
				_, err = alice.ProtectRTP(nil, pkt)
				assert.ErrorIs(t, err, ErrMalformed, "%x", pkt)
			}
			// CC says 15 CSRCs but the packet ends after the fixed header.
			short := rtpPacket(1, 1, 4)
			short[0] |= 0x0f
			_, err := alice.ProtectRTP(nil, short)
			assert.ErrorIs(t, err, ErrMalformed)

			for _, pkt := range [][]byte{nil, {0x80, 201}, rtcpPacket(1)[:7]} {
				_, err := alice.ProtectRTCP(nil, pkt)
				assert.ErrorIs(t, err, ErrMalformed, "%x", pkt)
				_, err = bob.UnprotectRTCP(nil, pkt)
				assert.ErrorIs(t, err, ErrMalformed, "%x", pkt)
			}
		})
	}
}

func TestNewSessionErrors(t *testing.T) {
	p := AEAD_AES_128_GCM
	good, other := testKeys(p, 1), testKeys(p, 2)
	short := Keys{MasterKey: good.MasterKey[:15], MasterSalt: good.MasterSalt}
	longSalt := Keys{MasterKey: good.MasterKey, MasterSalt: make([]byte, 14)}
	for name, tc := range map[string]struct {
		p             Profile
		local, remote Keys
	}{
		"short local key":     {p, short, other},
		"short remote key":    {p, other, short},
		"wrong salt size":     {p, longSalt, other},
		"AES-256 key for 128": {AEAD_AES_256_GCM, good, other},
		"equal keys":          {p, good, good},
		"unknown profile":     {Profile(2), good, other},
		"zero keys":           {p, Keys{}, Keys{}},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSession(tc.p, tc.local, tc.remote)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.NotContains(t, err.Error(), fmt.Sprintf("%x", good.MasterKey[:4]), "error leaks key material")
		})
	}
	s, err := NewSession(p, good, other)
	require.NoError(t, err)
	assert.Equal(t, p, s.Profile())
}

// NewSession must not keep the caller's key slices.
func TestNewSessionCopiesKeys(t *testing.T) {
	p := AEAD_AES_256_GCM
	a2b, b2a := testKeys(p, 1), testKeys(p, 2)
	alice, err := NewSession(p, a2b, b2a)
	require.NoError(t, err)
	bob, err := NewSession(p, testKeys(p, 2), testKeys(p, 1))
	require.NoError(t, err)
	clear(a2b.MasterKey)
	clear(a2b.MasterSalt)
	srtp, err := alice.ProtectRTP(nil, rtpPacket(1, 1, 10))
	require.NoError(t, err)
	_, err = bob.UnprotectRTP(nil, srtp)
	require.NoError(t, err)
}

func TestBufferOverlapPanics(t *testing.T) {
	alice, bob := testPair(t, DefaultProfile)
	buf := make([]byte, 200)
	pkt := rtpPacket(1, 1, 50)
	copy(buf[10:], pkt)
	in := buf[10 : 10+len(pkt)]
	assert.PanicsWithValue(t, "srtp: invalid buffer overlap", func() { _, _ = alice.ProtectRTP(buf[:5], in) })
	assert.PanicsWithValue(t, "srtp: invalid buffer overlap", func() { _, _ = bob.UnprotectRTP(buf[:12], in) })
	assert.PanicsWithValue(t, "srtp: invalid buffer overlap", func() { _, _ = alice.ProtectRTCP(buf[:5], in) })
	assert.PanicsWithValue(t, "srtp: invalid buffer overlap", func() { _, _ = bob.UnprotectRTCP(buf[:12], in) })
}

// Protect with too little capacity for in-place: a new buffer, pkt untouched.
func TestProtectGrows(t *testing.T) {
	alice, bob := testPair(t, AES_CM_128_HMAC_SHA1_80)
	pkt := rtpPacket(1, 1, 50)
	orig := bytes.Clone(pkt)
	srtp, err := alice.ProtectRTP(pkt[:0], pkt)
	require.NoError(t, err)
	assert.Equal(t, orig, pkt)
	out, err := bob.UnprotectRTP(nil, srtp)
	require.NoError(t, err)
	assert.Equal(t, orig, out)
}

// Run with -race: a sender and a receiver goroutine per side, concurrently.
func TestConcurrentUse(t *testing.T) {
	alice, bob := testPair(t, DefaultProfile)
	const n = 500
	var wg sync.WaitGroup
	pipe := func(from, to *Session, ssrc uint32) {
		ch := make(chan []byte, n)
		wg.Add(2)
		go func() {
			defer wg.Done()
			defer close(ch)
			for seq := range uint16(n) {
				srtp, err := from.ProtectRTP(nil, rtpPacket(ssrc, seq, 100))
				if err != nil {
					t.Error(err)
					return
				}
				ch <- srtp
			}
		}()
		go func() {
			defer wg.Done()
			for srtp := range ch {
				if _, err := to.UnprotectRTP(nil, srtp); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	pipe(alice, bob, 1)
	pipe(bob, alice, 2)
	wg.Wait()
}
