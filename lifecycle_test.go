package callseal

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
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

// exchangeFrom is exchange with RTP sequence numbers from..from+n-1, so that
// a call can go on after an earlier exchange (a repeated sequence number
// would be an SRTP replay).
func exchangeFrom(t *testing.T, alice, bob *Session, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		for dir, pair := range [2][2]*Session{{alice, bob}, {bob, alice}} {
			src, dst := pair[0], pair[1]
			for _, k := range Kinds {
				pkt := rtpPacket(testPT[k], testSSRC[dir][k], uint16(i), 20+100*int(k))
				require.NoError(t, src.Stream(k).WriteRTP(pkt))
				got, err := dst.Stream(k).ReadRTP(nil)
				require.NoError(t, err)
				require.Equal(t, pkt, got, "%v packet %d", k, i)
			}
		}
	}
}

// requireClean checks that s rejected nothing: no authentication failure,
// no replay, in either layer, on any stream.
func requireClean(t *testing.T, s *Session) {
	t.Helper()
	st := s.Stats()
	for _, k := range Kinds {
		ss := st.Stream(k)
		require.Zero(t, ss.AuthFailures(), "%v auth failures", k)
		require.Zero(t, ss.Replays, "%v replays", k)
		require.Zero(t, ss.Malformed, "%v malformed", k)
	}
	require.Zero(t, st.Unattributed.AuthFailures())
	require.Zero(t, st.Unattributed.Replays)
}

// TestNewOncePerResult: a second Session from one Result, with any key
// source, E2EE on or off, fails with keyexchange.ErrSecretsTaken. It would
// start SFrame CTRs and SRTP indexes at zero again under the keys of the
// first: a two-time pad.
func TestNewOncePerResult(t *testing.T) {
	p := srtp.DefaultProfile
	dtls := make([]byte, 2*(p.KeySize()+p.SaltSize()))
	for i := range dtls {
		dtls[i] = byte(i)
	}
	sources := map[string]func() KeySource{
		"zero":   func() KeySource { return KeySource{} },
		"direct": func() KeySource { return DirectKeys(srtp.AEAD_AES_256_GCM) },
		"hop":    func() KeySource { return HopKeys(p, mkKeys(p, 1), mkKeys(p, 2)) },
		"dtls":   func() KeySource { return DTLSKeys(p, dtls, true) },
	}
	for name, src := range sources {
		for _, e2eeOn := range []bool{true, false} {
			t.Run(name, func(t *testing.T) {
				pb := policy.Party{}
				if !e2eeOn {
					pb.Admin = policy.Disabled
				}
				ra, _ := policyHandshake(t, policy.Party{}, pb)
				ap, bp := pipe()
				s, err := New(ra, Config{Transport: ap, SRTP: src(), Classify: classifyPT})
				require.NoError(t, err)
				defer s.Close()
				again, err := New(ra, Config{Transport: bp, SRTP: src(), Classify: classifyPT})
				require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
				require.Nil(t, again)
				assert.False(t, bp.isClosed())
				// Nor can the layers be built from it by hand.
				_, err = e2ee.NewSession(ra)
				require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
				_, _, err = srtp.KeysFromResult(p, ra)
				require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
			})
		}
	}
}

// TestForwardSecrecyAfterRekey: after Rekey ×5 and Close, nothing the app
// still holds (the Result) yields the secrets of epoch 0 or the transport
// keys: the session took them, and Close erased the session's copies. The
// check number and Export still work until Result.Wipe.
func TestForwardSecrecyAfterRekey(t *testing.T) {
	ra, rb := handshake(t)
	ap, bp := pipe()
	alice, err := New(ra, Config{Transport: ap})
	require.NoError(t, err)
	bob, err := New(rb, Config{Transport: bp})
	require.NoError(t, err)
	defer bob.Close()
	exchangeFrom(t, alice, bob, 0, 2)
	for i := range 5 {
		require.NoError(t, alice.Rekey())
		exchangeFrom(t, alice, bob, 2+i, 1)
	}
	check := alice.CheckNumber()
	require.NoError(t, alice.Close())

	_, _, err = ra.TakeMediaSecrets()
	require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
	_, _, err = ra.TakeTransportSecrets()
	require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
	_, err = e2ee.NewSession(ra)
	require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
	_, _, err = srtp.KeysFromResult(srtp.DefaultProfile, ra)
	require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
	_, err = New(ra, Config{Transport: ap})
	require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)

	// What the app still needs stays, until Wipe.
	require.Equal(t, check, verify.CheckNumber(ra))
	_, err = ra.Export("app", nil, 16)
	require.NoError(t, err)
	ra.Wipe()
	require.Empty(t, verify.CheckNumber(ra))
	_, err = ra.Export("app", nil, 16)
	require.ErrorIs(t, err, keyexchange.ErrWiped)
}

// udpPair returns two loopback UDP sockets and Transports that connect
// them.
func udpPair(t *testing.T) (a, b Transport) {
	t.Helper()
	ac, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	bc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { ac.Close(); bc.Close() })
	return PacketConn(ac, bc.LocalAddr()), PacketConn(bc, ac.LocalAddr())
}

// TestSetTransportUDP moves a running call to new UDP sockets on both
// sides, as after an ICE restart, while a writer keeps sending: the same
// keys go on with the same SRTP indexes and SFrame counters, so every
// packet received on the new sockets opens, none is refused as a replay,
// and the old sockets are closed.
func TestSetTransportUDP(t *testing.T) {
	ra, rb := handshake(t)
	a1, b1 := udpPair(t)
	alice, err := New(ra, Config{Transport: a1, QueueLength: 4096})
	require.NoError(t, err)
	defer alice.Close()
	bob, err := New(rb, Config{Transport: b1, QueueLength: 4096})
	require.NoError(t, err)
	defer bob.Close()
	exchangeFrom(t, alice, bob, 0, 20)

	// A writer on alice's screen-share stream runs across the switch.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Go(func() {
		for seq := 0; !stop.Load(); seq++ {
			if err := alice.Stream(ScreenShare).WriteRTP(rtpPacket(testPT[ScreenShare], 0xcafe, uint16(seq), 200)); err != nil {
				t.Errorf("write during switch: %v", err)
				return
			}
			written.Add(1)
			time.Sleep(100 * time.Microsecond)
		}
	})
	waitFor(t, 5*time.Second, "packets before the switch", func() bool { return written.Load() > 50 })

	a2, b2 := udpPair(t)
	require.NoError(t, bob.SetTransport(b2))
	require.NoError(t, alice.SetTransport(a2))
	_, err = a1.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed, "SetTransport closes the old transport")
	_, err = b1.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed)

	after := written.Load()
	waitFor(t, 5*time.Second, "packets after the switch", func() bool {
		return bob.Stats().Stream(ScreenShare).Received.Packets > 20+uint64(after)+10
	})
	stop.Store(true)
	wg.Wait()

	// Read what the writer's packets delivered: each at most once, in
	// order (loopback UDP does not reorder), the old sockets' and the new
	// ones'.
	received := func() uint64 { return bob.Stats().Stream(ScreenShare).Received.Packets }
	for n := received(); ; { // let the last packets arrive
		time.Sleep(20 * time.Millisecond)
		if m := received(); m != n {
			n = m
			continue
		}
		break
	}
	got := received() - 20
	require.LessOrEqual(t, got, uint64(written.Load()))
	last := -1
	for range got {
		pkt, err := bob.Stream(ScreenShare).ReadRTP(nil)
		require.NoError(t, err)
		seq := int(pkt[2])<<8 | int(pkt[3])
		require.Equal(t, rtpPacket(testPT[ScreenShare], 0xcafe, uint16(seq), 200), pkt)
		require.Greater(t, seq, last)
		last = seq
	}
	require.GreaterOrEqual(t, last, int(after), "packets sent on the new sockets arrived")

	exchangeFrom(t, alice, bob, 20, 20)
	require.NoError(t, alice.Rekey())
	exchangeFrom(t, alice, bob, 40, 5)
	requireClean(t, alice)
	requireClean(t, bob)
}

// TestSetTransportAfterFailure: when the transport failed and the receive
// loop ended, SetTransport starts it again on the new transport.
func TestSetTransportAfterFailure(t *testing.T) {
	alice, bob, _, bp := call(t, Config{})
	exchangeFrom(t, alice, bob, 0, 3)
	boom := errors.New("boom")
	bp.fail(boom)
	_, err := bob.Stream(Audio).ReadRTP(nil)
	require.ErrorIs(t, err, boom)

	ap2, bp2 := pipe()
	require.NoError(t, alice.SetTransport(ap2))
	require.NoError(t, bob.SetTransport(bp2))
	exchangeFrom(t, alice, bob, 3, 10)
	requireClean(t, alice)
	requireClean(t, bob)

	require.NoError(t, bob.Close())
	require.True(t, bp2.isClosed(), "Close closes the current transport")
	ap3, _ := pipe()
	require.ErrorIs(t, bob.SetTransport(ap3), ErrClosed)
	require.False(t, ap3.isClosed())
	require.Error(t, alice.SetTransport(nil))
}
