package callseal

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
	"github.com/callseal/callseal/verify"
)

// exchange sends n packets on every stream and RTCP, each way, and checks
// that each side reads exactly what the other wrote.
func exchange(t *testing.T, alice, bob *Session, n int) {
	t.Helper()
	for i := range n {
		for dir, pair := range [2][2]*Session{{alice, bob}, {bob, alice}} {
			from, to := pair[0], pair[1]
			for _, k := range Kinds {
				pkt := rtpPacket(testPT[k], testSSRC[dir][k], uint16(i), 20+100*int(k))
				require.NoError(t, from.Stream(k).WriteRTP(pkt))
				got, err := to.Stream(k).ReadRTP(nil)
				require.NoError(t, err)
				require.Equal(t, pkt, got, "%v packet %d", k, i)
			}
			rtcp := rtcpPacket(testSSRC[dir][0])
			require.NoError(t, from.WriteRTCP(rtcp))
			got, err := to.ReadRTCP(nil)
			require.NoError(t, err)
			require.Equal(t, rtcp, got)
		}
	}
}

func TestCall(t *testing.T) {
	alice, bob, _, _ := call(t, Config{})
	on, why := alice.E2EE()
	assert.True(t, on)
	assert.Equal(t, policy.ReasonEnabled, why)
	assert.NotEmpty(t, alice.CheckNumber())
	assert.True(t, verify.Equal(alice.CheckNumber(), bob.CheckNumber()), "check numbers differ")
	assert.Equal(t, srtp.DefaultProfile, alice.Profile())
	assert.Equal(t, policy.Features(), alice.Decision().Unavailable)

	const n = 50
	exchange(t, alice, bob, n)

	st := alice.Stats()
	assert.True(t, st.E2EE)
	for _, k := range Kinds {
		s := st.Stream(k)
		payload := uint64(20 + 100*int(k))
		assert.Equal(t, Counters{n, n * (12 + payload), s.Sent.SealedBytes, s.Sent.WireBytes}, s.Sent, "%v sent", k)
		assert.Equal(t, uint64(n*16), s.Sent.SRTPOverhead(), "%v: one GCM tag a packet", k)
		assert.Equal(t, uint64(n*(1+16)+(n-8)), s.Sent.E2EEOverhead(), "%v: SFrame header and tag", k)
		assert.Equal(t, s.Sent, s.Received, "%v: both directions carried the same sizes", k)
		// Per packet: SFrame header 2 bytes (CTR < 50 → 1 byte, except the
		// first 8 with the CTR in the config byte) + 16-byte SFrame tag +
		// 16-byte SRTP GCM tag.
		assert.Equal(t, uint64(n*(1+16+16)+(n-8)), s.Sent.Overhead(), "%v overhead", k)
		assert.LessOrEqual(t, s.Sent.Overhead(), uint64(n*alice.Overhead()))
		assert.Zero(t, s.AuthFailures()+s.Replays+s.Malformed+s.Overflows)
	}
	assert.Equal(t, uint64(n), st.RTCP.Sent.Packets)
	assert.Equal(t, uint64(n*(8+20)), st.RTCP.Sent.WireBytes, "SRTCP adds the index and GCM tag")
	assert.Equal(t, uint64(n), st.RTCP.Received.Packets)
	assert.Equal(t, StreamStats{}, st.Unattributed)
}

// TestCallProfiles runs a call with each transport profile and with an
// AES-CTR-HMAC SFrame suite.
func TestCallProfiles(t *testing.T) {
	for _, p := range []srtp.Profile{srtp.AES_CM_128_HMAC_SHA1_80, srtp.AEAD_AES_128_GCM, srtp.AEAD_AES_256_GCM} {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob, _, _ := call(t, Config{SRTP: DirectKeys(p)})
			assert.Equal(t, p, bob.Profile())
			exchange(t, alice, bob, 5)
		})
	}
}

// TestUDP runs a call over loopback UDP: alice through PacketConn on an
// unconnected socket, bob on a connected *net.UDPConn.
func TestUDP(t *testing.T) {
	ra, rb := handshake(t)
	ac, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	bc, err := net.DialUDP("udp", nil, ac.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	alice, err := New(ra, Config{Transport: PacketConn(ac, bc.LocalAddr())})
	require.NoError(t, err)
	defer alice.Close()
	bob, err := New(rb, Config{Transport: bc})
	require.NoError(t, err)
	defer bob.Close()
	exchange(t, alice, bob, 20)

	require.NoError(t, alice.Close())
	_, err = ac.WriteTo([]byte("x"), bc.LocalAddr())
	assert.ErrorIs(t, err, net.ErrClosed, "Close closes the transport")
}

// TestHopKeysRelay puts a relay between alice and bob that terminates
// transport SRTP on each hop (HopKeys), as a calling service's media relay
// does. With E2EE the relay reads RTP headers but not payloads; with E2EE
// off by policy it reads both, and the call still works.
func TestHopKeysRelay(t *testing.T) {
	for _, e2eeOn := range []bool{true, false} {
		t.Run(fmt.Sprintf("e2ee=%v", e2eeOn), func(t *testing.T) {
			var bobPolicy policy.Party
			if !e2eeOn {
				bobPolicy.ComplianceRecording = true
			}
			p := srtp.AES_CM_128_HMAC_SHA1_80
			key := func(b byte) srtp.Keys {
				return srtp.Keys{MasterKey: bytes.Repeat([]byte{b}, p.KeySize()), MasterSalt: bytes.Repeat([]byte{b}, p.SaltSize())}
			}
			// Hop A: alice ↔ relay; hop B: relay ↔ bob.
			aUp, aDown, bUp, bDown := key(1), key(2), key(3), key(4)
			relayA, err := srtp.NewSession(p, aDown, aUp)
			require.NoError(t, err)
			relayB, err := srtp.NewSession(p, bDown, bUp)
			require.NoError(t, err)

			var mu sync.Mutex
			var sawPayload, sawHeader int
			// forward opens on one hop, looks, and protects for the other.
			forward := func(from, to *srtp.Session) func([]byte) []byte {
				return func(pkt []byte) []byte {
					mu.Lock()
					defer mu.Unlock()
					if isRTCP(pkt) {
						plain, err := from.UnprotectRTCP(nil, pkt)
						require.NoError(t, err)
						out, err := to.ProtectRTCP(nil, plain)
						require.NoError(t, err)
						return out
					}
					plain, err := from.UnprotectRTP(nil, pkt)
					require.NoError(t, err)
					ssrc, pt := rtpSSRC(plain)
					if k, ok := classifyPT(ssrc, pt); ok {
						sawHeader++
						want := rtpPacket(pt, ssrc, uint16(plain[2])<<8|uint16(plain[3]), 20+100*int(k))
						if bytes.Contains(plain, want[12:]) {
							sawPayload++
						}
					}
					out, err := to.ProtectRTP(nil, plain)
					require.NoError(t, err)
					return out
				}
			}
			ra, rb := policyHandshake(t, policy.Party{}, bobPolicy)
			ap, bp := pipe()
			ap.onWrite = forward(relayA, relayB)
			bp.onWrite = forward(relayB, relayA)
			alice, err := New(ra, Config{Transport: ap, SRTP: HopKeys(p, aUp, aDown), Classify: classifyPT})
			require.NoError(t, err)
			defer alice.Close()
			bob, err := New(rb, Config{Transport: bp, SRTP: HopKeys(p, bUp, bDown), Classify: classifyPT})
			require.NoError(t, err)
			defer bob.Close()

			exchange(t, alice, bob, 10)
			assert.Equal(t, 60, sawHeader, "the relay reads every RTP header")
			on, why := bob.E2EE()
			assert.Equal(t, e2eeOn, on)
			if e2eeOn {
				assert.Zero(t, sawPayload, "the relay must not read E2EE payloads")
				return
			}
			assert.Equal(t, 60, sawPayload, "without E2EE the relay reads payloads")
			assert.Equal(t, policy.ReasonComplianceRecording, why)
			// The check number is shown with E2EE off too, whatever the key
			// source: it authenticates the policy decision (a downgrade by a
			// man in the middle shows as differing numbers).
			assert.Equal(t, verify.CheckNumber(ra), alice.CheckNumber())
			assert.Equal(t, alice.CheckNumber(), bob.CheckNumber())
			assert.ErrorIs(t, alice.Rekey(), ErrE2EEOff)
			assert.False(t, alice.Stats().E2EE)
			assert.Equal(t, p.RTPOverhead(), alice.Overhead())
			st := alice.Stats().Stream(Video)
			assert.Equal(t, uint64(10*p.RTPOverhead()), st.Sent.Overhead())
			assert.Zero(t, st.Sent.E2EEOverhead())
			assert.Equal(t, st.Sent, bob.Stats().Stream(Video).Received)
		})
	}
}

func TestTransportOnlyNeedsClassify(t *testing.T) {
	ra, _ := policyHandshake(t, policy.Party{Admin: policy.Disabled}, policy.Party{})
	ap, _ := pipe()
	_, err := New(ra, Config{Transport: ap})
	assert.ErrorIs(t, err, ErrNoClassifier)
	assert.Contains(t, err.Error(), policy.ReasonAdminDisabled.String(), "the error says why E2EE is off")
	assert.False(t, ap.isClosed(), "a failed New leaves the transport open")
}

// TestNewRefusesRefused: when a party requires E2EE and it is off, New
// refuses the Result on both sides, with every key source, and the error
// carries the decision; the transport is left open.
func TestNewRefusesRefused(t *testing.T) {
	ra, rb := policyHandshake(t, policy.Party{RequireE2EE: true}, policy.Party{ComplianceRecording: true})
	p := srtp.DefaultProfile
	keys := srtp.Keys{MasterKey: make([]byte, p.KeySize()), MasterSalt: make([]byte, p.SaltSize())}
	for _, res := range []*keyexchange.Result{ra, rb} {
		for name, src := range map[string]KeySource{"direct": {}, "hop": HopKeys(p, keys, keys)} {
			ap, _ := pipe()
			sess, err := New(res, Config{Transport: ap, SRTP: src, Classify: classifyPT})
			require.Error(t, err, name)
			assert.Nil(t, sess)
			assert.ErrorIs(t, err, keyexchange.ErrE2EERequired, name)
			assert.ErrorIs(t, err, keyexchange.ErrE2EEDisabled, name)
			var pe *keyexchange.PolicyError
			require.ErrorAs(t, err, &pe, name)
			assert.True(t, pe.Decision.Refused)
			assert.Equal(t, policy.ReasonComplianceRecording, pe.Decision.Reason)
			assert.False(t, ap.isClosed())
		}
	}
	// The users can still compare the number to confirm the refusal.
	assert.Equal(t, verify.CheckNumber(ra), verify.CheckNumber(rb))
}

// TestTransportOnlyDirect: a direct call (transport keys from the
// handshake) with E2EE off by policy. Both sides report why; the check
// number is shown, since it authenticates the transport keys; packets the
// classifier does not know are dropped and counted.
func TestTransportOnlyDirect(t *testing.T) {
	alice, bob, _, _ := policyCall(t,
		policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true},
		policy.Party{Admin: policy.DisabledUserOverride}, // bob's switch is off
		Config{Classify: classifyPT})
	for _, s := range []*Session{alice, bob} {
		on, why := s.E2EE()
		assert.False(t, on)
		assert.Equal(t, policy.ReasonUserDisabled, why)
		assert.Empty(t, s.Decision().Unavailable, "every feature is available without E2EE")
		assert.ErrorIs(t, s.Rekey(), ErrE2EEOff)
	}
	assert.NotEmpty(t, alice.CheckNumber())
	assert.Equal(t, alice.CheckNumber(), bob.CheckNumber())
	exchange(t, alice, bob, 3)
	require.NoError(t, alice.Stream(Audio).WriteRTP(rtpPacket(42, 1, 1, 10))) // unknown PT
	require.NoError(t, alice.Stream(Audio).WriteRTP(rtpPacket(111, 1, 2, 10)))
	got, err := bob.Stream(Audio).ReadRTP(nil)
	require.NoError(t, err)
	assert.Equal(t, rtpPacket(111, 1, 2, 10), got)
	assert.Equal(t, uint64(1), bob.Stats().Unattributed.Malformed)
}

func TestDTLSKeys(t *testing.T) {
	p := srtp.AEAD_AES_256_GCM
	material := make([]byte, 2*(p.KeySize()+p.SaltSize()))
	for i := range material {
		material[i] = byte(i)
	}
	ra, rb := handshake(t)
	ap, bp := pipe()
	alice, err := New(ra, Config{Transport: ap, SRTP: DTLSKeys(p, material, true)})
	require.NoError(t, err)
	defer alice.Close()
	bob, err := New(rb, Config{Transport: bp, SRTP: DTLSKeys(p, material, false)})
	require.NoError(t, err)
	defer bob.Close()
	exchange(t, alice, bob, 3)

	_, err = New(ra, Config{Transport: ap, SRTP: DTLSKeys(p, material[1:], true)})
	assert.ErrorContains(t, err, "keying material")
}

func TestKeySourceSingleUse(t *testing.T) {
	ra, _ := handshake(t)
	ks := HopKeys(srtp.DefaultProfile, mkKeys(srtp.DefaultProfile, 1), mkKeys(srtp.DefaultProfile, 2))
	ap, bp := pipe()
	s, err := New(ra, Config{Transport: ap, SRTP: ks})
	require.NoError(t, err)
	defer s.Close()
	_, err = New(ra, Config{Transport: bp, SRTP: ks})
	assert.ErrorContains(t, err, "already used")
}

func mkKeys(p srtp.Profile, b byte) srtp.Keys {
	return srtp.Keys{MasterKey: bytes.Repeat([]byte{b}, p.KeySize()), MasterSalt: bytes.Repeat([]byte{b}, p.SaltSize())}
}

func TestNewErrors(t *testing.T) {
	ra, _ := handshake(t)
	ap, _ := pipe()
	_, err := New(nil, Config{Transport: ap})
	assert.Error(t, err)
	_, err = New(ra, Config{})
	assert.Error(t, err)
	_, err = New(ra, Config{Transport: ap, QueueLength: -1})
	assert.Error(t, err)
	_, err = New(ra, Config{Transport: ap, SRTP: DirectKeys(srtp.Profile(0x99))})
	assert.ErrorContains(t, err, "unsupported profile")
	_, err = New(ra, Config{Transport: ap, SRTP: HopKeys(srtp.DefaultProfile, mkKeys(srtp.DefaultProfile, 1), mkKeys(srtp.DefaultProfile, 1))})
	assert.ErrorContains(t, err, "equal")
	// The argument errors above left ra alone; this one took its secrets.
	_, err = New(ra, Config{Transport: ap})
	assert.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
	ra, _ = handshake(t)
	assert.Panics(t, func() {
		s, err := New(ra, Config{Transport: ap})
		require.NoError(t, err)
		defer s.Close()
		s.Stream(MediaKind(3))
	})
}

// TestRejected: what an attacker on the path does is dropped and counted
// on the right stream, and good packets still arrive.
func TestRejected(t *testing.T) {
	alice, bob, ap, _ := call(t, Config{})
	var mu sync.Mutex
	var mode string
	var last []byte
	ap.onWrite = func(pkt []byte) []byte {
		mu.Lock()
		defer mu.Unlock()
		switch mode {
		case "flip": // tamper with the SRTP payload
			bad := bytes.Clone(pkt)
			bad[len(bad)-20] ^= 1
			return bad
		case "replay":
			return last
		case "stun": // a STUN binding request on the media port
			return []byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
		}
		last = bytes.Clone(pkt)
		return pkt
	}
	send := func(m string, k MediaKind, seq uint16) {
		mu.Lock()
		mode = m
		mu.Unlock()
		require.NoError(t, alice.Stream(k).WriteRTP(rtpPacket(testPT[k], testSSRC[0][k], seq, 40)))
	}
	send("flip", Video, 1) // before any good packet: stream unknown
	send("", Video, 2)
	send("flip", Video, 3)
	send("replay", Video, 4)
	send("stun", Audio, 1)
	send("", Video, 5)
	for _, seq := range []uint16{2, 5} {
		got, err := bob.Stream(Video).ReadRTP(nil)
		require.NoError(t, err)
		assert.Equal(t, rtpPacket(testPT[Video], testSSRC[0][Video], seq, 40), got)
	}
	st := bob.Stats()
	assert.Equal(t, uint64(1), st.Unattributed.TransportAuthFailures, "first tampered packet: stream not known yet")
	assert.Equal(t, uint64(1), st.Unattributed.Malformed, "STUN packet")
	v := st.Stream(Video)
	assert.Equal(t, uint64(1), v.TransportAuthFailures)
	assert.Equal(t, uint64(1), v.Replays)
	assert.Equal(t, uint64(2), v.Received.Packets)
}

// TestE2EEAuthFailure: a relay holding the transport keys alters a sealed
// payload and re-protects it; only the E2EE layer notices.
func TestE2EEAuthFailure(t *testing.T) {
	p := srtp.DefaultProfile
	up, down := mkKeys(p, 1), mkKeys(p, 2)
	relay, err := srtp.NewSession(p, down, up)
	require.NoError(t, err)
	relayOut, err := srtp.NewSession(p, up, down) // speaks to bob with alice's keys, for brevity
	require.NoError(t, err)
	ra, rb := handshake(t)
	ap, bp := pipe()
	var tamper bool
	ap.onWrite = func(pkt []byte) []byte {
		plain, err := relay.UnprotectRTP(nil, pkt)
		require.NoError(t, err)
		if tamper {
			plain[len(plain)-1] ^= 1
		}
		out, err := relayOut.ProtectRTP(nil, plain)
		require.NoError(t, err)
		return out
	}
	alice, err := New(ra, Config{Transport: ap, SRTP: HopKeys(p, up, down)})
	require.NoError(t, err)
	defer alice.Close()
	bob, err := New(rb, Config{Transport: bp, SRTP: HopKeys(p, down, up)})
	require.NoError(t, err)
	defer bob.Close()

	a := alice.Stream(ScreenShare)
	require.NoError(t, a.WriteRTP(rtpPacket(97, 7, 1, 100)))
	tamper = true
	require.NoError(t, a.WriteRTP(rtpPacket(97, 7, 2, 100)))
	tamper = false
	require.NoError(t, a.WriteRTP(rtpPacket(97, 7, 3, 100)))
	for _, seq := range []uint16{1, 3} {
		got, err := bob.Stream(ScreenShare).ReadRTP(nil)
		require.NoError(t, err)
		assert.Equal(t, rtpPacket(97, 7, seq, 100), got)
	}
	st := bob.Stats().Stream(ScreenShare)
	assert.Equal(t, uint64(1), st.E2EEAuthFailures)
	assert.Zero(t, st.TransportAuthFailures)
}

func TestWriteErrors(t *testing.T) {
	alice, _, _, _ := call(t, Config{})
	err := alice.Stream(Audio).WriteRTP([]byte{0x80, 1, 2})
	assert.ErrorIs(t, err, e2ee.ErrMalformed)
	padded := rtpPacket(111, 1, 1, 4)
	padded[0] |= 0x20
	assert.ErrorIs(t, alice.Stream(Audio).WriteRTP(padded), e2ee.ErrMalformed)
	assert.ErrorIs(t, alice.WriteRTCP([]byte{0x80, 201, 0}), srtp.ErrMalformed)
	assert.Equal(t, Counters{}, alice.Stats().Stream(Audio).Sent)
}

func TestOverflow(t *testing.T) {
	alice, bob, _, _ := call(t, Config{QueueLength: 4})
	for i := range 10 {
		require.NoError(t, alice.Stream(Audio).WriteRTP(rtpPacket(111, 1, uint16(i), 10)))
	}
	waitFor(t, 5*time.Second, "10 packets handled", func() bool {
		s := bob.Stats().Stream(Audio)
		return s.Received.Packets+s.Overflows == 10
	})
	st := bob.Stats().Stream(Audio)
	assert.Equal(t, uint64(4), st.Received.Packets)
	assert.Equal(t, uint64(6), st.Overflows)
	for i := range 4 { // the oldest are kept
		got, err := bob.Stream(Audio).ReadRTP(nil)
		require.NoError(t, err)
		assert.Equal(t, rtpPacket(111, 1, uint16(i), 10), got)
	}
}

// TestClose: Close stops the receive goroutine, wakes blocked readers,
// closes the transport, and everything after it fails with ErrClosed.
func TestClose(t *testing.T) {
	waitNoSessionGoroutines(t)
	const before = 0 // session receive goroutines
	alice, bob, ap, _ := call(t, Config{})
	exchange(t, alice, bob, 2)
	assert.Equal(t, before+2, sessionGoroutines())

	errs := make(chan error, 4)
	for _, k := range Kinds {
		go func() {
			_, err := alice.Stream(k).ReadRTP(nil)
			errs <- err
		}()
	}
	go func() {
		_, err := alice.ReadRTCP(nil)
		errs <- err
	}()
	time.Sleep(10 * time.Millisecond) // let them block
	inner := alice.layers.Load().inner
	require.NoError(t, alice.Close())
	// The E2EE keys are erased at Close, not when grace timers fire.
	assert.ErrorIs(t, inner.Rekey(), e2ee.ErrClosed, "the E2EE layer is not closed")
	for range 4 {
		select {
		case err := <-errs:
			assert.ErrorIs(t, err, ErrClosed)
			assert.ErrorIs(t, err, net.ErrClosed)
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked ReadRTP did not return after Close")
		}
	}
	assert.True(t, ap.isClosed())
	// Close has waited for the receive loop, which may still be returning
	// from its deferred calls: allow it a moment to leave the stack.
	waitFor(t, 5*time.Second, "alice's receive goroutine to end", func() bool { return sessionGoroutines() == before+1 })
	require.NoError(t, alice.Close(), "second Close")

	assert.ErrorIs(t, alice.Stream(Audio).WriteRTP(rtpPacket(111, 1, 1, 1)), ErrClosed)
	assert.ErrorIs(t, alice.WriteRTCP(rtcpPacket(1)), ErrClosed)
	_, err := alice.Stream(Video).ReadRTP(nil)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, alice.Rekey(), ErrClosed)
	assert.Equal(t, uint64(2), alice.Stats().Stream(Audio).Sent.Packets, "Stats work after Close")
	assert.Nil(t, alice.layers.Load(), "keys dropped")
	for _, k := range Kinds {
		assert.Nil(t, alice.streams[k].buf)
		assert.Zero(t, len(alice.streams[k].ready)+len(alice.streams[k].free), "buffers wiped and dropped")
	}

	require.NoError(t, bob.Close())
	waitFor(t, 5*time.Second, "bob's receive goroutine to end", func() bool { return sessionGoroutines() == before })
}

// TestCloseWhileBusy closes sessions while writers and readers run on every
// stream: nothing panics, races or leaks.
func TestCloseWhileBusy(t *testing.T) {
	waitNoSessionGoroutines(t)
	const before = 0 // session receive goroutines
	for range 20 {
		alice, bob, _, _ := call(t, Config{})
		var wg sync.WaitGroup
		for _, k := range Kinds {
			wg.Go(func() {
				for i := 0; ; i++ {
					if err := alice.Stream(k).WriteRTP(rtpPacket(testPT[k], 1, uint16(i), 200)); err != nil {
						assert.ErrorIs(t, err, ErrClosed)
						return
					}
				}
			})
			wg.Go(func() {
				buf := make([]byte, 0, 1500)
				for {
					if _, err := bob.Stream(k).ReadRTP(buf[:0]); err != nil {
						assert.ErrorIs(t, err, ErrClosed)
						return
					}
				}
			})
		}
		time.Sleep(2 * time.Millisecond)
		alice.Close()
		bob.Close()
		wg.Wait()
	}
	waitFor(t, 5*time.Second, "every receive goroutine to end", func() bool { return sessionGoroutines() == before })
}

// TestTransportFailure: when the transport fails, readers get the queued
// packets and then its error.
func TestTransportFailure(t *testing.T) {
	alice, bob, _, bp := call(t, Config{})
	require.NoError(t, alice.Stream(Audio).WriteRTP(rtpPacket(111, 1, 1, 10)))
	waitFor(t, 5*time.Second, "packet received", func() bool { return bob.Stats().Stream(Audio).Received.Packets == 1 })
	boom := errors.New("boom")
	bp.fail(boom)
	got, err := bob.Stream(Audio).ReadRTP(nil)
	require.NoError(t, err)
	assert.Equal(t, rtpPacket(111, 1, 1, 10), got)
	_, err = bob.Stream(Audio).ReadRTP(nil)
	assert.ErrorIs(t, err, boom)
	_, err = bob.Stream(Video).ReadRTP(nil)
	assert.ErrorIs(t, err, boom)
	assert.NoError(t, bob.Close())
}

// TestConcurrent writes and reads all streams at once, both ways.
func TestConcurrent(t *testing.T) {
	alice, bob, _, _ := call(t, Config{QueueLength: 1024})
	const n = 300
	var wg sync.WaitGroup
	for dir, pair := range [2][2]*Session{{alice, bob}, {bob, alice}} {
		for _, k := range Kinds {
			wg.Go(func() {
				for i := range n {
					assert.NoError(t, pair[0].Stream(k).WriteRTP(rtpPacket(testPT[k], testSSRC[dir][k], uint16(i), 500)))
				}
			})
			wg.Go(func() {
				var buf []byte
				for i := range n {
					var err error
					buf, err = pair[1].Stream(k).ReadRTP(buf[:0])
					if !assert.NoError(t, err) || !assert.Equal(t, rtpPacket(testPT[k], testSSRC[dir][k], uint16(i), 500), buf) {
						return
					}
				}
			})
		}
		wg.Go(func() { _ = pair[0].Stats() })
	}
	wg.Wait()
}
