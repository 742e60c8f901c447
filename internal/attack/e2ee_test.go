package attack

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/stretchr/testify/require"
)

// suites are all five SFrame cipher suites of RFC 9605, Section 8.1, with
// the tag size in bytes the harness expects of each (Section 4.5).
var suites = []struct {
	suite sframe.CipherSuite
	tag   int
}{
	{sframe.AES_128_CTR_HMAC_SHA256_80, 10},
	{sframe.AES_128_CTR_HMAC_SHA256_64, 8},
	{sframe.AES_128_CTR_HMAC_SHA256_32, 4},
	{sframe.AES_128_GCM_SHA256_128, 16},
	{sframe.AES_256_GCM_SHA512_128, 16},
}

// call holds the media secrets of one call: a2b is alice's send secret.
type call struct{ a2b, b2a []byte }

var (
	call1 = call{bytes.Repeat([]byte{0xa1}, 32), bytes.Repeat([]byte{0xb1}, 32)}
	call2 = call{bytes.Repeat([]byte{0xa2}, 32), bytes.Repeat([]byte{0xb2}, 32)}
)

// e2eePair returns the two parties' E2EE sessions of call c.
func e2eePair(t testing.TB, c call, cfg ...e2ee.Config) (alice, bob *e2ee.Session) {
	t.Helper()
	alice, err := e2ee.NewSessionFromSecrets(c.a2b, c.b2a, cfg...)
	require.NoError(t, err)
	bob, err = e2ee.NewSessionFromSecrets(c.b2a, c.a2b, cfg...)
	require.NoError(t, err)
	return alice, bob
}

// sealNext seals s's next packet with sess: the plain RTP packet and the
// sealed one.
func sealNext(t testing.TB, sess *e2ee.Session, s *stream) (plain, sealed []byte) {
	t.Helper()
	plain = s.next(t)
	sealed, err := sess.Seal(nil, plain, s.kind)
	require.NoError(t, err)
	return plain, sealed
}

// openGood opens a genuine packet that must open to plain, of kind, and
// records it in the receiver's model rx (if not nil).
func openGood(t testing.TB, c *tally, sess *e2ee.Session, rx *e2eeRx, sealed, plain []byte, kind e2ee.MediaKind) {
	t.Helper()
	out, k, err := sess.Open(nil, sealed)
	if err != nil || k != kind || !bytes.Equal(out, plain) {
		c.fail(t, "%s: genuine %v packet: kind %v, error %v, equal %v", c.name, kind, k, err, bytes.Equal(out, plain))
		return
	}
	if rx != nil {
		rx.accepted(sealed)
	}
	c.ok()
}

// e2eeRx is the harness's model of a receiving e2ee.Session: which error
// Open must return for a tampered packet, following the checks the package
// documents (e2ee/doc.go, Session.Open), in their order:
//
//  1. the RTP header is not version 2, has the padding bit, or is cut
//     short (CSRC list, extension): ErrMalformed;
//  2. the SFrame header (RFC 9605, Section 4.3) is cut short or not
//     minimally encoded: ErrMalformed;
//  3. the KID names no key: above 255, kind bits 3, or an epoch the
//     receiver neither holds nor may ratchet to (0 or more than
//     MaxEpochAhead ahead, counted mod 2^EpochBits): ErrUnknownKey;
//  4. less than the tag follows the SFrame header: ErrMalformed;
//  5. anything authenticated differs (RTP fixed header, CSRCs, SFrame
//     header, ciphertext, tag): ErrAuth. Where the forgery's CTR was
//     already accepted under the key its KID names (or is behind that
//     key's window), ErrReplay is legitimate too: the window may be
//     checked before authentication, as SRTP does (RFC 3711, Section
//     3.3.2), as long as only authenticated counters are recorded.
//
// A change confined to the header extension (its profile and contents)
// leaves every authenticated byte as it was: the packet opens, as the
// package documents (RFC 9605, Section 9.4; relays rewrite extensions), or
// is a replay if its genuine copy came first.
type e2eeRx struct {
	tag   int                // the suite's tag size in bytes
	epoch uint64             // the newest epoch the receiver authenticated (every kind)
	held  []uint64           // epochs whose keys it holds: epoch and those in grace
	seen  map[uint64]*window // per KID of a held key: the counters accepted
}

func newE2EERx(tag int) *e2eeRx {
	return &e2eeRx{tag: tag, held: []uint64{0}, seen: map[uint64]*window{}}
}

// moveTo records that the receiver moved to epoch and erased the others.
func (m *e2eeRx) moveTo(epoch uint64) {
	m.epoch, m.held = epoch, []uint64{epoch}
	for kid := range m.seen {
		if kid>>2 != epoch%64 {
			delete(m.seen, kid)
		}
	}
}

// accepted records a genuine packet the receiver opened.
func (m *e2eeRx) accepted(pkt []byte) {
	l, _ := parseRTP(pkt)
	kid, ctr, _, _ := parseSFrameHeader(pkt[l.payloadOff:])
	w := m.seen[kid]
	if w == nil {
		w = &window{size: e2ee.DefaultReplayWindow, seen: map[uint64]bool{}}
		m.seen[kid] = w
	}
	w.seen[ctr] = true
	w.latest = max(w.latest, ctr)
}

// expect returns the errors Open may return for v, a change of genuine
// (nil: a packet sealed under another key), or byDesign if v must open.
func (m *e2eeRx) expect(v, genuine []byte) (want []error, byDesign bool) {
	lv, err := parseRTP(v)
	if err != nil {
		return one(e2ee.ErrMalformed), false
	}
	kid, ctr, n, err := parseSFrameHeader(v[lv.payloadOff:])
	if err != nil {
		return one(e2ee.ErrMalformed), false
	}
	if kid > 255 || kid&3 == 3 {
		return one(e2ee.ErrUnknownKey), false
	}
	epoch := kid >> 2
	if !slices.ContainsFunc(m.held, func(e uint64) bool { return e%64 == epoch }) {
		if d := (epoch - m.epoch) % 64; d == 0 || d > e2ee.MaxEpochAhead {
			return one(e2ee.ErrUnknownKey), false
		}
	}
	if len(v)-lv.payloadOff-n < m.tag {
		return one(e2ee.ErrMalformed), false
	}
	replayed := m.seen[kid].replayed(ctr)
	if genuine != nil {
		lg, err := parseRTP(genuine)
		if err != nil {
			panic("attack: genuine packet does not parse")
		}
		if bytes.Equal(v[:lv.metaEnd], genuine[:lg.metaEnd]) && bytes.Equal(v[lv.payloadOff:], genuine[lg.payloadOff:]) {
			if replayed {
				return one(e2ee.ErrReplay), false
			}
			return nil, true
		}
	}
	if replayed {
		return []error{e2ee.ErrAuth, e2ee.ErrReplay}, false
	}
	return one(e2ee.ErrAuth), false
}

// moveToEpoch rekeys alice to epoch and lets bob follow on every stream.
// The sessions must erase a superseded epoch after one packet of the next.
// Each stream seals a packet, lost, before each Rekey: Rekey moves only
// the streams that sealed in their current epoch.
func moveToEpoch(t testing.TB, c *tally, alice, bob *e2ee.Session, rx *e2eeRx, streams []*stream, epoch uint64) {
	t.Helper()
	for range epoch - rx.epoch {
		for _, s := range streams {
			sealNext(t, alice, s)
		}
		require.NoError(t, alice.Rekey())
	}
	rx.moveTo(epoch)
	for _, s := range streams {
		plain, g := sealNext(t, alice, s)
		openGood(t, c, bob, rx, g, plain, s.kind)
	}
}

// TestE2EEBitFlips flips every bit of sealed packets of every suite and
// media kind, in epoch 0 (KID in the config byte) and epoch 2 (KID in its
// own byte), with CTRs of zero to two bytes. Each forgery is delivered just
// before its genuine packet, which must then open: a forgery neither burns
// the counter nor moves the epoch.
//
// Expected: e2eeRx.expect, exactly. Flips in the header extension are
// accepted as documented (counted "by design"); the genuine packet is then a
// replay of the opened forgery (ErrReplay).
func TestE2EEBitFlips(t *testing.T) {
	forEachEpochStream(t, "e2ee bit flips", func(t *testing.T, c *tally, alice, bob *e2ee.Session, rx *e2eeRx, s *stream, epoch uint64) {
		for k := 0; ; k++ {
			plain, g := sealNext(t, alice, s)
			i, mask := flipAt(k)
			if i >= len(g) {
				openGood(t, c, bob, rx, g, plain, s.kind)
				break
			}
			v := flipped(g, i, mask)
			want, byDesign := rx.expect(v, g)
			out, _, err := bob.Open(nil, v)
			if byDesign {
				if err != nil {
					c.fail(t, "%v epoch %d byte %d mask %#02x (header extension): %v", s.kind, epoch, i, mask, err)
					continue
				}
				c.acceptedByDesign()
				rx.accepted(v)
				lo, _ := parseRTP(out)
				lp, _ := parseRTP(plain)
				require.Equal(t, plain[:lp.metaEnd], out[:lo.metaEnd])
				require.Equal(t, plain[lp.payloadOff:], out[lo.payloadOff:])
				_, _, err = bob.Open(nil, g)
				require.ErrorIs(t, err, e2ee.ErrReplay, "genuine after its extension-rewritten copy")
				continue
			}
			c.reject(t, err, want, "%v epoch %d byte %d/%d mask %#02x", s.kind, epoch, i, len(g), mask)
			openGood(t, c, bob, rx, g, plain, s.kind)
		}
	})
}

// TestE2EETruncation cuts sealed packets of every suite and kind at every
// length from 0 to one byte short, and extends them by one byte.
// Expected: e2eeRx.expect (ErrMalformed while the RTP header, SFrame header
// or tag is incomplete, ErrAuth after that); the genuine packet then opens.
func TestE2EETruncation(t *testing.T) {
	forEachEpochStream(t, "e2ee truncation", func(t *testing.T, c *tally, alice, bob *e2ee.Session, rx *e2eeRx, s *stream, epoch uint64) {
		for n := 0; ; n++ {
			plain, g := sealNext(t, alice, s)
			if n > len(g) {
				openGood(t, c, bob, rx, g, plain, s.kind)
				break
			}
			v := slices.Clone(g[:n])
			if n == len(g) {
				v = append(slices.Clone(g), 0) // one byte too many
			}
			want, _ := rx.expect(v, g)
			_, _, err := bob.Open(nil, v)
			c.reject(t, err, want, "%v epoch %d cut to %d of %d", s.kind, epoch, len(v), len(g))
			openGood(t, c, bob, rx, g, plain, s.kind)
		}
	})
}

// forEachEpochStream runs attack for every suite, in epoch 0 (KID in the
// config byte) and epoch 2 (KID in its own byte), on every stream of call
// 1, with one pair of sessions and one tally per suite.
func forEachEpochStream(t *testing.T, name string, attack func(t *testing.T, c *tally, alice, bob *e2ee.Session, rx *e2eeRx, s *stream, epoch uint64)) {
	for _, cs := range suites {
		t.Run(cs.suite.String(), func(t *testing.T) {
			c := newTally(t, name+" "+cs.suite.String())
			alice, bob := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite, EpochGraceTime: time.Hour, EpochGracePackets: 1})
			streams := streamsOf(0)
			rx := newE2EERx(cs.tag)
			for _, epoch := range []uint64{0, 2} {
				moveToEpoch(t, c, alice, bob, rx, streams, epoch)
				for _, s := range streams {
					attack(t, c, alice, bob, rx, s, epoch)
				}
			}
		})
	}
}

// sframeOf returns the layout, KID and CTR of a sealed packet.
func sframeOf(t testing.TB, pkt []byte) (rtpLayout, uint64, uint64, int) {
	t.Helper()
	l, err := parseRTP(pkt)
	require.NoError(t, err)
	kid, ctr, n, err := parseSFrameHeader(pkt[l.payloadOff:])
	require.NoError(t, err)
	return l, kid, ctr, n
}

// withKID returns pkt with its SFrame header rewritten to name kid (the
// CTR, ciphertext and tag unchanged).
func withKID(t testing.TB, pkt []byte, kid uint64) []byte {
	t.Helper()
	l, _, ctr, n := sframeOf(t, pkt)
	v := slices.Clone(pkt[:l.payloadOff])
	v = sframe.Header{KID: kid, CTR: ctr}.AppendTo(v)
	return append(v, pkt[l.payloadOff+n:]...)
}

// withHeaderOf returns pkt with the RTP fixed-header fields of stream s:
// payload type and SSRC (what a receiver or SFU demultiplexes by).
func withHeaderOf(pkt []byte, s *stream) []byte {
	v := slices.Clone(pkt)
	v[1] = v[1]&0x80 | s.pt
	binary.BigEndian.PutUint32(v[8:], s.ssrc)
	return v
}

// transplant returns the RTP header (with extension) of carrier followed by
// the SFrame payload of content.
func transplant(t testing.TB, carrier, content []byte) []byte {
	t.Helper()
	lc, err := parseRTP(carrier)
	require.NoError(t, err)
	lp, err := parseRTP(content)
	require.NoError(t, err)
	return append(slices.Clone(carrier[:lc.payloadOff]), content[lp.payloadOff:]...)
}

// TestE2EEStreamSwap delivers one media stream's packets as another's,
// for every suite and every ordered pair of kinds (audio, video, screen).
// A receiver (or SFU) tells streams apart by SSRC and payload type, the
// e2ee layer by the KID, so "swap" means each way an attacker can make a
// packet of stream A pass for stream B:
//
//   - kid: rewrite the KID's kind bits to B's kind → ErrAuth (B's key;
//     or ErrReplay where B's key already accepted that CTR, see e2eeRx);
//   - header: rewrite the SSRC and payload type to B's → ErrAuth (the fixed
//     header is authenticated);
//   - transplant: B's genuine RTP header in front of A's SFrame payload →
//     ErrAuth;
//   - misroute: A's packet unchanged, handed to B's receive path → it opens,
//     and Open reports A's kind (authenticated by the key), not B's.
//
// With per-SSRC keys (e2ee.Config.SendStreams) each SSRC has its own key and its announced kind:
//
//   - an SSRC announced under another kind, or not announced → ErrUnknownKey;
//   - the SSRC of another stream of the same kind (a second video layer) →
//     ErrAuth (or ErrReplay where that stream's key accepted the CTR);
//   - the KID's kind rewritten while the SSRC stays → ErrUnknownKey.
//
// After every attack both genuine packets open.
func TestE2EEStreamSwap(t *testing.T) {
	for _, cs := range suites {
		t.Run(cs.suite.String(), func(t *testing.T) {
			c := newTally(t, "e2ee stream swap "+cs.suite.String())
			alice, bob := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite})
			rx := newE2EERx(cs.tag)
			streams := streamsOf(0)
			for round := range 3 {
				for _, a := range streams {
					for _, b := range streams {
						if a == b {
							continue
						}
						pa, ga := sealNext(t, alice, a)
						pb, gb := sealNext(t, alice, b)
						_, kid, _, _ := sframeOf(t, ga)
						for _, v := range []struct {
							name string
							pkt  []byte
						}{
							{"kid", withKID(t, ga, kid&^3|uint64(b.kind))},
							{"header", withHeaderOf(ga, b)},
							{"transplant", transplant(t, gb, ga)},
						} {
							want, _ := rx.expect(v.pkt, ga)
							_, _, err := bob.Open(nil, v.pkt)
							c.reject(t, err, want, "round %d: %v→%v %s", round, a.kind, b.kind, v.name)
						}
						openGood(t, c, bob, rx, ga, pa, a.kind) // misroute: the kind is A's
						openGood(t, c, bob, rx, gb, pb, b.kind)
					}
				}
			}
		})
	}
	t.Run("SSRCKeys", func(t *testing.T) {
		c := newTally(t, "e2ee stream swap, per-SSRC keys")
		streams := streamsOf(0)
		video2 := &stream{kind: e2ee.Video, ssrc: 0x3c4d5e6f, pt: 96, size: 96, seq: 5000}
		stranger := &stream{kind: e2ee.Video, ssrc: 0x77665544, pt: 96, size: 96, seq: 9000}
		var announced []e2ee.RTPStream
		for _, s := range append(slices.Clone(streams), video2) {
			announced = append(announced, e2ee.RTPStream{SSRC: s.ssrc, Kind: s.kind})
		}
		alice, err := e2ee.NewSessionFromSecrets(call1.a2b, call1.b2a, e2ee.Config{SendStreams: announced})
		require.NoError(t, err)
		bob, err := e2ee.NewSessionFromSecrets(call1.b2a, call1.a2b, e2ee.Config{RecvStreams: announced})
		require.NoError(t, err)
		accepted := map[uint32]*window{} // per SSRC key
		for round := range 3 {
			for _, a := range append(slices.Clone(streams), video2) {
				for _, b := range append(slices.Clone(streams), video2, stranger) {
					if a == b {
						continue
					}
					pa, ga := sealNext(t, alice, a)
					want := one(e2ee.ErrUnknownKey) // b's SSRC announced under another kind, or not at all
					if b.kind == a.kind && b != stranger {
						// Another stream of the same kind: its own key.
						_, _, ctr, _ := sframeOf(t, ga)
						want = one(e2ee.ErrAuth)
						if accepted[b.ssrc].replayed(ctr) {
							want = []error{e2ee.ErrAuth, e2ee.ErrReplay}
						}
					}
					_, _, err := bob.Open(nil, withHeaderOf(ga, b))
					c.reject(t, err, want, "round %d: %#x→%#x header", round, a.ssrc, b.ssrc)
					if b.kind != a.kind && b != stranger {
						_, kid, _, _ := sframeOf(t, ga)
						_, _, err = bob.Open(nil, withKID(t, ga, kid&^3|uint64(b.kind)))
						c.reject(t, err, one(e2ee.ErrUnknownKey), "round %d: %#x kid %v→%v", round, a.ssrc, a.kind, b.kind)
					}
					openGood(t, c, bob, nil, ga, pa, a.kind)
					_, _, ctr, _ := sframeOf(t, ga)
					accept(accepted, a.ssrc, ctr, e2ee.DefaultReplayWindow)
				}
			}
		}
	})
}

// TestE2EEReflection sends each party's packets back to itself (the
// direction swap of an attacker who reflects traffic), in the current
// epoch and one epoch ahead of the receiver. Each direction has its own
// secret, so the reflecting party holds no key for them: ErrAuth (its
// receive key of the same KID, or the one it derives for an epoch ahead;
// ErrReplay where that key already accepted the CTR, see e2eeRx). Then
// both directions still open.
func TestE2EEReflection(t *testing.T) {
	for _, cs := range suites {
		t.Run(cs.suite.String(), func(t *testing.T) {
			c := newTally(t, "e2ee reflection "+cs.suite.String())
			alice, bob := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite, EpochGraceTime: time.Hour, EpochGracePackets: 1})
			rxA, rxB := newE2EERx(cs.tag), newE2EERx(cs.tag)
			sa, sb := streamsOf(0), streamsOf(1)
			for epoch := range uint64(3) {
				for round := range 3 {
					for i := range sa {
						pa, ga := sealNext(t, alice, sa[i])
						pb, gb := sealNext(t, bob, sb[i])
						want, _ := rxA.expect(ga, nil)
						_, _, err := alice.Open(nil, ga)
						c.reject(t, err, want, "epoch %d round %d: alice's %v to alice", epoch, round, sa[i].kind)
						want, _ = rxB.expect(gb, nil)
						_, _, err = bob.Open(nil, gb)
						c.reject(t, err, want, "epoch %d round %d: bob's %v to bob", epoch, round, sb[i].kind)
						openGood(t, c, bob, rxB, ga, pa, sa[i].kind)
						openGood(t, c, alice, rxA, gb, pb, sb[i].kind)
						if round == 0 && i == len(sa)-1 {
							rxA.moveTo(epoch) // the first packets of the epoch erased the one before
							rxB.moveTo(epoch)
						}
					}
				}
				// The senders move one epoch ahead: the reflected KIDs name
				// an epoch the receivers would ratchet to.
				require.NoError(t, alice.Rekey())
				require.NoError(t, bob.Rekey())
			}
		})
	}
}

// TestE2EECrossCall delivers packets of call 1 into call 2: same parties,
// streams and SSRCs, other secrets, as an attacker who relays both calls
// would. Expected: ErrAuth (ErrReplay where call 2 accepted that CTR, see
// e2eeRx), in the same epoch and one epoch ahead. Also packets of a call
// with another suite: e2eeRx.expect (ErrAuth, or ErrMalformed when the
// packet is shorter than the receiving suite's tag). Call 2 keeps working.
func TestE2EECrossCall(t *testing.T) {
	for _, cs := range suites {
		t.Run(cs.suite.String(), func(t *testing.T) {
			c := newTally(t, "e2ee cross-call "+cs.suite.String())
			a1, _ := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite})
			a2, b2 := e2eePair(t, call2, e2ee.Config{CipherSuite: cs.suite})
			s1, s2 := streamsOf(0), streamsOf(0)
			rx := newE2EERx(cs.tag)
			for round := range 2 {
				for i := range s1 {
					for j := range 10 {
						p2, g2 := sealNext(t, a2, s2[i])
						_, g1 := sealNext(t, a1, s1[i])
						if j%2 == 1 {
							openGood(t, c, b2, rx, g2, p2, s2[i].kind) // call 2 first: g1's CTR is taken
						}
						want, _ := rx.expect(g1, nil)
						_, _, err := b2.Open(nil, g1)
						c.reject(t, err, want, "round %d: call 1 %v into call 2", round, s1[i].kind)
						if j%2 == 0 {
							openGood(t, c, b2, rx, g2, p2, s2[i].kind)
						}
					}
				}
				require.NoError(t, a1.Rekey()) // call 1 one epoch ahead of call 2
			}
			// Another suite, same secrets.
			for _, other := range suites {
				if other.suite == cs.suite {
					continue
				}
				ao, _ := e2eePair(t, call2, e2ee.Config{CipherSuite: other.suite})
				so := streamsOf(0)
				for i := range so {
					_, g := sealNext(t, ao, so[i])
					want, _ := rx.expect(g, nil)
					_, _, err := b2.Open(nil, g)
					c.reject(t, err, want, "%v packet of suite %v into %v", so[i].kind, other.suite, cs.suite)
					p2, g2 := sealNext(t, a2, s2[i])
					openGood(t, c, b2, rx, g2, p2, s2[i].kind)
				}
			}
		})
	}
}
