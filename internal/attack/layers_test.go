package attack

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/srtp"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

// path is alice → bob through a relay, with both layers (docs/ARCHITECTURE.md):
//
//	alice: e2ee Seal → SRTP protect (hop A) ─▶ relay: SRTP unprotect (hop A),
//	SRTP protect (hop B) ─▶ bob: SRTP unprotect (hop B) → e2ee Open
//
// The relay terminates transport SRTP and so holds both hops' keys, but no
// E2EE key. Two attackers are modelled:
//
//   - a network attacker on hop B, without any key: it changes SRTP
//     packets on the wire; bob's transport must reject them (srtpRx);
//   - the relay itself: it changes the E2EE packet between the hops and
//     protects the result with valid hop keys, so bob's transport accepts
//     it; bob's E2EE layer must reject it (e2eeRx).
type path struct {
	alice, bob     *e2ee.Session
	aliceA, relayA *srtp.Session // hop A: alice ↔ relay
	relayB, bobB   *srtp.Session // hop B: relay ↔ bob
	profile        srtp.Profile
	rxB            *srtpRx // bob's hop-B transport state
	rxE            *e2eeRx // bob's E2EE state
}

func newPath(t testing.TB, c call, suite sframe.CipherSuite, tag int, p srtp.Profile, cfg ...e2ee.Config) *path {
	t.Helper()
	x := &path{profile: p, rxB: newSRTPRx(p), rxE: newE2EERx(tag)}
	var ec e2ee.Config
	if len(cfg) > 0 {
		ec = cfg[0]
	}
	ec.CipherSuite = suite
	x.alice, x.bob = e2eePair(t, c, ec)
	x.aliceA, x.relayA = srtpPair(t, p, c.a2b[0]^0x0a, c.b2a[0]^0x0a)
	x.relayB, x.bobB = srtpPair(t, p, c.a2b[0]^0x0b, c.b2a[0]^0x0b)
	return x
}

// send carries s's next packet from alice through the relay: the plain
// packet, the E2EE packet the relay sees, and the SRTP packet on hop B.
func (x *path) send(t testing.TB, s *stream) (plain, inner, outerB []byte) {
	t.Helper()
	plain = s.next(t)
	inner, err := x.alice.Seal(nil, plain, s.kind)
	require.NoError(t, err)
	outerA, err := x.aliceA.ProtectRTP(nil, inner)
	require.NoError(t, err)
	atRelay, err := x.relayA.UnprotectRTP(nil, outerA)
	require.NoError(t, err)
	require.Equal(t, inner, atRelay)
	outerB, err = x.relayB.ProtectRTP(nil, atRelay)
	require.NoError(t, err)
	return plain, inner, outerB
}

// receiveGood runs bob's side on a genuine hop-B packet: both layers must
// accept it and give plain.
func (x *path) receiveGood(t testing.TB, c *tally, outerB, plain []byte, kind e2ee.MediaKind) {
	t.Helper()
	inner, err := x.bobB.UnprotectRTP(nil, outerB)
	if err != nil {
		c.fail(t, "%s: genuine packet, transport: %v", c.name, err)
		return
	}
	x.rxB.acceptedRTP(outerB)
	openGood(t, c, x.bob, x.rxE, inner, plain, kind)
}

// relayForge delivers v, made up by the relay, to bob: the relay protects
// it with valid hop keys (on a fresh hop, as after an ICE restart, so that
// the transport's replay state does not get in the way: a relay can always
// make bob's transport accept a well-formed RTP packet). If pion cannot
// parse v's RTP header the relay cannot protect it and sends it as it is.
// It returns the error of the layer that rejected v (transport tells
// which), or nil if both accepted it.
func (x *path) relayForge(t testing.TB, v []byte) (transport bool, err error) {
	t.Helper()
	r, b := srtpPair(t, x.profile, 0x71, 0x72)
	out, err := r.ProtectRTP(nil, v)
	if err != nil {
		out = v
	}
	inner, err := b.UnprotectRTP(nil, out)
	if err != nil {
		return true, err
	}
	_, _, err = x.bob.Open(nil, inner)
	return false, err
}

// expectForged returns what relayForge must report for v, a change of the
// genuine E2EE packet inner: srtp.ErrMalformed from the transport if
// pion/rtp cannot parse the header (the relay could not protect it, and
// bob's transport cannot parse it), otherwise the E2EE layer's errors
// (e2eeRx.expect), or byDesign.
func (x *path) expectForged(v, inner []byte) (want []error, transport, byDesign bool) {
	var h rtp.Header
	if _, err := h.Unmarshal(v); err != nil {
		return one(srtp.ErrMalformed), true, false
	}
	want, byDesign = x.rxE.expect(v, inner)
	return want, false, byDesign
}

// checkForged runs relayForge on v and checks the outcome against
// expectForged. It reports whether v was accepted by design.
func (x *path) checkForged(t testing.TB, c *tally, v, inner []byte, what string) (byDesign bool) {
	t.Helper()
	want, wantTransport, byDesign := x.expectForged(v, inner)
	transport, err := x.relayForge(t, v)
	switch {
	case wantTransport:
		c.reject(t, err, want, "%s (transport)", what)
	case transport:
		c.fail(t, "%s: transport rejected a hop-authentic packet: %v", what, err)
	case byDesign:
		if err != nil {
			c.fail(t, "%s (header extension): %v", what, err)
			return false
		}
		c.acceptedByDesign()
		x.rxE.accepted(v)
	default:
		c.reject(t, err, want, "%s", what)
	}
	return byDesign
}

func forEachPath(t *testing.T, name string, f func(t *testing.T, c *tally, cs sframe.CipherSuite, tag int, p srtp.Profile)) {
	for _, cs := range suites {
		for _, p := range profiles {
			t.Run(fmt.Sprintf("%v/%v", cs.suite, p), func(t *testing.T) {
				t.Parallel()
				f(t, newTally(t, fmt.Sprintf("%s %v over %v", name, cs.suite, p)), cs.suite, cs.tag, p)
			})
		}
	}
}

// TestTwoLayerBitFlips flips every bit of packets of every E2EE suite over
// every SRTP profile: of the SRTP packet on the wire (network attacker:
// srtpRx.expectRTP) and of the E2EE packet inside (relay: e2eeRx.expect, or
// srtp.ErrMalformed where pion cannot parse the changed RTP header). The
// genuine packet then passes both layers (after a relay's header extension
// rewrite, which E2EE accepts by design, the genuine copy is an E2EE
// replay).
func TestTwoLayerBitFlips(t *testing.T) {
	forEachPath(t, "two-layer bit flips", func(t *testing.T, c *tally, cs sframe.CipherSuite, tag int, p srtp.Profile) {
		x := newPath(t, call1, cs, tag, p)
		for _, s := range streamsOf(0) {
			// Network attacker on hop B.
			for k := 0; ; k++ {
				plain, _, g := x.send(t, s)
				i, mask := flipAt(k)
				if i >= len(g) {
					x.receiveGood(t, c, g, plain, s.kind)
					break
				}
				v := flipped(g, i, mask)
				want := x.rxB.expectRTP(v)
				_, err := x.bobB.UnprotectRTP(nil, v)
				c.reject(t, err, one(want), "network: %v byte %d/%d mask %#02x", s.kind, i, len(g), mask)
				x.receiveGood(t, c, g, plain, s.kind)
			}
			// The relay, between the hops.
			for k := 0; ; k++ {
				plain, inner, g := x.send(t, s)
				i, mask := flipAt(k)
				if i >= len(inner) {
					x.receiveGood(t, c, g, plain, s.kind)
					break
				}
				if x.checkForged(t, c, flipped(inner, i, mask), inner, fmt.Sprintf("relay: %v byte %d/%d mask %#02x", s.kind, i, len(inner), mask)) {
					in, err := x.bobB.UnprotectRTP(nil, g)
					require.NoError(t, err)
					x.rxB.acceptedRTP(g)
					_, _, err = x.bob.Open(nil, in)
					require.ErrorIs(t, err, e2ee.ErrReplay, "genuine after its extension-rewritten copy")
					continue
				}
				x.receiveGood(t, c, g, plain, s.kind)
			}
		}
	})
}

// TestTwoLayerTruncation cuts packets of every E2EE suite over every SRTP
// profile at every length and extends them by a byte: the SRTP packet on
// hop B (srtpRx.expectRTP) and the E2EE packet inside, forwarded by the
// relay (expectForged). The genuine packet then passes both layers.
func TestTwoLayerTruncation(t *testing.T) {
	forEachPath(t, "two-layer truncation", func(t *testing.T, c *tally, cs sframe.CipherSuite, tag int, p srtp.Profile) {
		x := newPath(t, call1, cs, tag, p)
		for _, s := range streamsOf(0) {
			for n := 0; ; n++ {
				plain, inner, g := x.send(t, s)
				if n > len(g) {
					x.receiveGood(t, c, g, plain, s.kind)
					break
				}
				v := slices.Clone(g[:n])
				if n == len(g) {
					v = append(slices.Clone(g), 0)
				}
				want := x.rxB.expectRTP(v)
				_, err := x.bobB.UnprotectRTP(nil, v)
				c.reject(t, err, one(want), "network: %v cut to %d of %d", s.kind, len(v), len(g))
				if n <= len(inner) {
					v = slices.Clone(inner[:n])
					if n == len(inner) {
						v = append(slices.Clone(inner), 0)
					}
					x.checkForged(t, c, v, inner, fmt.Sprintf("relay: %v cut to %d of %d", s.kind, len(v), len(inner)))
				}
				x.receiveGood(t, c, g, plain, s.kind)
			}
		}
	})
}

// TestTwoLayerSwapAndReplay covers, for every E2EE suite over every SRTP
// profile, what a relay (which holds the transport keys) and a network
// attacker can do with whole packets:
//
//   - stream swap by the relay: SSRC and payload type of another stream,
//     another stream's RTP header with this packet's payload, or the KID's
//     kind bits changed → e2ee.ErrAuth;
//   - reflection by the relay: alice's packets protected on hop A's return
//     direction, back to alice → her transport accepts them, her E2EE layer
//     returns e2ee.ErrAuth;
//   - cross-call by the relay: call 1's packets into call 2 → e2ee.ErrAuth;
//   - network replay of a hop-B packet → srtp.ErrReplay;
//   - relay replay after a transport rekey (fresh hop) → e2ee.ErrReplay;
//   - relay replay of a superseded epoch after Rekey: in the grace period
//     e2ee.ErrReplay, after it e2ee.ErrUnknownKey.
//
// Genuine traffic passes both layers after every attack.
func TestTwoLayerSwapAndReplay(t *testing.T) {
	forEachPath(t, "two-layer swap and replay", func(t *testing.T, c *tally, cs sframe.CipherSuite, tag int, p srtp.Profile) {
		const grace = 4 // packets
		x := newPath(t, call1, cs, tag, p, e2ee.Config{EpochGraceTime: time.Hour, EpochGracePackets: grace})
		x2 := newPath(t, call2, cs, tag, p)
		streams, streams2 := streamsOf(0), streamsOf(0)
		rxA := newSRTPRx(p) // alice's hop-A receive state
		type kept struct{ outerB, inner []byte }
		var old []kept
		for _, a := range streams {
			for _, b := range streams {
				if a == b {
					continue
				}
				plainA, innerA, gA := x.send(t, a)
				plainB, innerB, gB := x.send(t, b)
				_, kid, _, _ := sframeOf(t, innerA)
				for name, v := range map[string][]byte{
					"header":     withHeaderOf(innerA, b),
					"transplant": transplant(t, innerB, innerA),
					"kid":        withKID(t, innerA, kid&^3|uint64(b.kind)),
				} {
					want, _ := x.rxE.expect(v, innerA)
					_, err := x.relayForge(t, v)
					c.reject(t, err, want, "relay: %v→%v %s", a.kind, b.kind, name)
				}
				x.receiveGood(t, c, gA, plainA, a.kind)
				x.receiveGood(t, c, gB, plainB, b.kind)
				old = append(old, kept{gA, innerA})
			}
			// Reflection: back to alice over hop A.
			plain, inner, g := x.send(t, a)
			back, err := x.relayA.ProtectRTP(nil, inner)
			require.NoError(t, err)
			atAlice, err := x.aliceA.UnprotectRTP(nil, back)
			require.NoError(t, err, "hop-authentic reflection, transport")
			rxA.acceptedRTP(back)
			_, _, err = x.alice.Open(nil, atAlice)
			c.reject(t, err, one(e2ee.ErrAuth), "relay: %v reflected to alice", a.kind)
			x.receiveGood(t, c, g, plain, a.kind)
			// Cross-call: call 1's packet into call 2.
			want, _ := x2.rxE.expect(inner, nil)
			_, err = x2.relayForge(t, inner)
			c.reject(t, err, want, "relay: %v call 1 into call 2", a.kind)
			for _, s := range streams2 {
				plain2, _, g2 := x2.send(t, s)
				x2.receiveGood(t, c, g2, plain2, s.kind)
			}
		}
		// Replays.
		for _, k := range old {
			_, err := x.bobB.UnprotectRTP(nil, k.outerB)
			c.reject(t, err, one(srtp.ErrReplay), "network replay")
			_, err = x.relayForge(t, k.inner)
			c.reject(t, err, one(e2ee.ErrReplay), "relay replay after a transport rekey")
		}
		// Superseded epoch.
		require.NoError(t, x.alice.Rekey())
		for _, s := range streams {
			plain, _, g := x.send(t, s)
			x.receiveGood(t, c, g, plain, s.kind)
		}
		for _, k := range old {
			_, err := x.relayForge(t, k.inner)
			c.reject(t, err, one(e2ee.ErrReplay), "relay replay of epoch 0 in the grace period")
		}
		for _, s := range streams {
			for range grace {
				plain, _, g := x.send(t, s)
				x.receiveGood(t, c, g, plain, s.kind)
			}
		}
		for _, k := range old {
			_, err := x.relayForge(t, k.inner)
			c.reject(t, err, one(e2ee.ErrUnknownKey), "relay replay of epoch 0 after the grace period")
		}
		for _, s := range streams {
			plain, _, g := x.send(t, s)
			x.receiveGood(t, c, g, plain, s.kind)
		}
	})
}
