package attack

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/callseal/callseal/srtp"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

// profiles are the three SRTP protection profiles package srtp offers.
var profiles = []srtp.Profile{srtp.AES_CM_128_HMAC_SHA1_80, srtp.AEAD_AES_128_GCM, srtp.AEAD_AES_256_GCM}

// srtpKeys returns deterministic keys for p; seed tells directions, hops
// and calls apart.
func srtpKeys(p srtp.Profile, seed byte) srtp.Keys {
	k := srtp.Keys{MasterKey: make([]byte, p.KeySize()), MasterSalt: make([]byte, p.SaltSize())}
	for i := range k.MasterKey {
		k.MasterKey[i] = seed ^ byte(i*13)
	}
	for i := range k.MasterSalt {
		k.MasterSalt[i] = seed ^ byte(0x5a+i)
	}
	return k
}

// srtpPair returns the sessions of the two ends of one SRTP hop: a
// protects with keys seeded a2b, b with b2a.
func srtpPair(t testing.TB, p srtp.Profile, a2b, b2a byte) (a, b *srtp.Session) {
	t.Helper()
	a, err := srtp.NewSession(p, srtpKeys(p, a2b), srtpKeys(p, b2a))
	require.NoError(t, err)
	b, err = srtp.NewSession(p, srtpKeys(p, b2a), srtpKeys(p, a2b))
	require.NoError(t, err)
	return a, b
}

// window models pion's replay detector (RFC 3711, Section 3.3.2): the
// highest accepted index and which of the last size indices were accepted.
type window struct {
	latest uint64
	size   uint64
	seen   map[uint64]bool
}

// replayed reports whether the detector rejects idx. A nil window is a
// stream without accepted packets: nothing is rejected.
func (w *window) replayed(idx uint64) bool {
	if w == nil || idx > w.latest {
		return false
	}
	return w.latest-idx >= w.size || w.seen[idx]
}

// srtpRx is the harness's model of the receiving side of an srtp.Session:
// which error UnprotectRTP and UnprotectRTCP must return for a packet,
// following the checks pion/srtp makes and package srtp maps to its errors:
//
// RTP (RFC 3711, Section 3.3; RFC 7714, Section 8):
//
//  1. the RTP header does not parse (pion/rtp: cut short, CSRC list or
//     extension incomplete) or less than the tag follows it: ErrMalformed;
//  2. the index (here the sequence number: the streams stay below 2^15,
//     so the rollover counter is 0) is behind the 1024-packet window or
//     was accepted on the packet's SSRC: ErrReplay — the replay check
//     comes before authentication, so this holds for forgeries too;
//  3. otherwise authentication fails: ErrAuth.
//
// RTCP (RFC 3711, Section 3.4; RFC 7714, Section 9): the same with the RTCP
// header (pion/rtcp: version 2, 4 bytes), a minimum of 8 bytes plus the
// trailer (E flag and index, tag), and the 31-bit SRTCP index from the
// trailer against a 128-packet window.
type srtpRx struct {
	p    srtp.Profile
	rtp  map[uint32]*window
	rtcp map[uint32]*window
}

func newSRTPRx(p srtp.Profile) *srtpRx {
	return &srtpRx{p: p, rtp: map[uint32]*window{}, rtcp: map[uint32]*window{}}
}

func accept(m map[uint32]*window, ssrc uint32, idx, size uint64) {
	w := m[ssrc]
	if w == nil {
		w = &window{size: size, seen: map[uint64]bool{}}
		m[ssrc] = w
	}
	w.seen[idx] = true
	w.latest = max(w.latest, idx)
}

func (m *srtpRx) expectRTP(v []byte) error {
	var h rtp.Header
	n, err := h.Unmarshal(v)
	if err != nil || len(v)-n < m.p.RTPOverhead() {
		return srtp.ErrMalformed
	}
	if w := m.rtp[h.SSRC]; w != nil && w.latest >= 1<<15 {
		panic("attack: stream sequence numbers must stay below 2^15")
	}
	if m.rtp[h.SSRC].replayed(uint64(h.SequenceNumber)) {
		return srtp.ErrReplay
	}
	return srtp.ErrAuth
}

// acceptedRTP records a genuine packet the session accepted.
func (m *srtpRx) acceptedRTP(pkt []byte) {
	accept(m.rtp, binary.BigEndian.Uint32(pkt[8:]), uint64(binary.BigEndian.Uint16(pkt[2:])), 1024)
}

// rtcpIndex returns the SRTCP index (E flag masked) of an SRTCP packet
// long enough to hold the trailer.
func (m *srtpRx) rtcpIndex(v []byte) uint64 {
	off := len(v) - 4 // AEAD: ... tag ‖ E‖index
	if m.p == srtp.AES_CM_128_HMAC_SHA1_80 {
		off = len(v) - 4 - 10 // AES-CM: ... E‖index ‖ tag
	}
	return uint64(binary.BigEndian.Uint32(v[off:]) &^ (1 << 31))
}

func (m *srtpRx) expectRTCP(v []byte) error {
	var h rtcp.Header
	if err := h.Unmarshal(v); err != nil || len(v) < 8+m.p.RTCPOverhead() {
		return srtp.ErrMalformed
	}
	if m.rtcp[binary.BigEndian.Uint32(v[4:])].replayed(m.rtcpIndex(v)) {
		return srtp.ErrReplay
	}
	return srtp.ErrAuth
}

func (m *srtpRx) acceptedRTCP(pkt []byte) {
	accept(m.rtcp, binary.BigEndian.Uint32(pkt[4:]), m.rtcpIndex(pkt), 128)
}

// protectNext protects s's next RTP packet: the plain and protected packet.
func protectNext(t testing.TB, sess *srtp.Session, s *stream) (plain, prot []byte) {
	t.Helper()
	plain = s.next(t)
	prot, err := sess.ProtectRTP(nil, plain)
	require.NoError(t, err)
	return plain, prot
}

// unprotectGood unprotects a genuine packet that must give plain.
func unprotectGood(t testing.TB, c *tally, rx *srtpRx, sess *srtp.Session, prot, plain []byte) {
	t.Helper()
	out, err := sess.UnprotectRTP(nil, prot)
	if err != nil || !slices.Equal(out, plain) {
		c.fail(t, "%s: genuine RTP packet: error %v, equal %v", c.name, err, slices.Equal(out, plain))
		return
	}
	rx.acceptedRTP(prot)
	c.ok()
}

// rtcpStream makes the compound RTCP packets (sender report + receiver
// report) one party sends.
type rtcpStream struct {
	ssrc uint32
	n    uint32
}

func (r *rtcpStream) next(t testing.TB) []byte {
	t.Helper()
	r.n++
	b, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.SenderReport{SSRC: r.ssrc, NTPTime: 0xe000000000000000 + uint64(r.n)<<20, RTPTime: r.n * 960, PacketCount: r.n * 50, OctetCount: r.n * 4000},
		&rtcp.ReceiverReport{SSRC: r.ssrc, Reports: []rtcp.ReceptionReport{{SSRC: 0x0f1e2d3c, FractionLost: 3, LastSequenceNumber: 1000 + r.n, Jitter: 7}}},
	})
	require.NoError(t, err)
	return b
}

func protectRTCPNext(t testing.TB, sess *srtp.Session, r *rtcpStream) (plain, prot []byte) {
	t.Helper()
	plain = r.next(t)
	prot, err := sess.ProtectRTCP(nil, plain)
	require.NoError(t, err)
	return plain, prot
}

func unprotectRTCPGood(t testing.TB, c *tally, rx *srtpRx, sess *srtp.Session, prot, plain []byte) {
	t.Helper()
	out, err := sess.UnprotectRTCP(nil, prot)
	if err != nil || !slices.Equal(out, plain) {
		c.fail(t, "%s: genuine RTCP packet: error %v, equal %v", c.name, err, slices.Equal(out, plain))
		return
	}
	rx.acceptedRTCP(prot)
	c.ok()
}

// TestSRTPBitFlips flips every bit of protected RTP and RTCP packets of
// every profile and stream. Each forgery is delivered before its genuine
// packet, which must then unprotect, and again after it.
//
// Expected: srtpRx.expectRTP / expectRTCP exactly. Before the genuine
// packet a flip is ErrAuth, except in a header field that makes the packet
// unparsable or too short (ErrMalformed) and in the sequence number or SRTCP
// index, where the changed index may be one already accepted or behind the
// window (ErrReplay). After the genuine packet, a flip that keeps SSRC and
// index is ErrReplay: the transport checks replay before authentication.
func TestSRTPBitFlips(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			c := newTally(t, "srtp bit flips "+p.String())
			alice, bob := srtpPair(t, p, 0x11, 0x22)
			rx := newSRTPRx(p)
			for _, s := range streamsOf(0) {
				for k := 0; ; k++ {
					plain, g := protectNext(t, alice, s)
					i, mask := flipAt(k)
					if i >= len(g) {
						unprotectGood(t, c, rx, bob, g, plain)
						break
					}
					v := flipped(g, i, mask)
					want := rx.expectRTP(v)
					_, err := bob.UnprotectRTP(nil, v)
					c.reject(t, err, one(want), "%v byte %d/%d mask %#02x, before", s.kind, i, len(g), mask)
					unprotectGood(t, c, rx, bob, g, plain)
					want = rx.expectRTP(v)
					_, err = bob.UnprotectRTP(nil, v)
					c.reject(t, err, one(want), "%v byte %d/%d mask %#02x, after", s.kind, i, len(g), mask)
				}
			}
			r := &rtcpStream{ssrc: streamsOf(0)[0].ssrc}
			for k := 0; ; k++ {
				plain, g := protectRTCPNext(t, alice, r)
				i, mask := flipAt(k)
				if i >= len(g) {
					unprotectRTCPGood(t, c, rx, bob, g, plain)
					break
				}
				v := flipped(g, i, mask)
				want := rx.expectRTCP(v)
				_, err := bob.UnprotectRTCP(nil, v)
				c.reject(t, err, one(want), "RTCP byte %d/%d mask %#02x, before", i, len(g), mask)
				unprotectRTCPGood(t, c, rx, bob, g, plain)
				want = rx.expectRTCP(v)
				_, err = bob.UnprotectRTCP(nil, v)
				c.reject(t, err, one(want), "RTCP byte %d/%d mask %#02x, after", i, len(g), mask)
			}
		})
	}
}

// TestSRTPTruncation cuts protected RTP and RTCP packets at every length
// and extends them by a byte. Expected: srtpRx.expectRTP / expectRTCP
// (ErrMalformed while the header or the trailer is incomplete, then ErrAuth;
// for RTCP the index is read from the cut trailer, so ErrReplay where it
// lands on an accepted or too old index). The genuine packet then
// unprotects.
func TestSRTPTruncation(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			c := newTally(t, "srtp truncation "+p.String())
			alice, bob := srtpPair(t, p, 0x11, 0x22)
			rx := newSRTPRx(p)
			for _, s := range streamsOf(0) {
				for n := 0; ; n++ {
					plain, g := protectNext(t, alice, s)
					if n > len(g) {
						unprotectGood(t, c, rx, bob, g, plain)
						break
					}
					v := slices.Clone(g[:n])
					if n == len(g) {
						v = append(slices.Clone(g), 0)
					}
					want := rx.expectRTP(v)
					_, err := bob.UnprotectRTP(nil, v)
					c.reject(t, err, one(want), "%v cut to %d of %d", s.kind, len(v), len(g))
					unprotectGood(t, c, rx, bob, g, plain)
				}
			}
			r := &rtcpStream{ssrc: streamsOf(0)[1].ssrc}
			for n := 0; ; n++ {
				plain, g := protectRTCPNext(t, alice, r)
				if n > len(g) {
					unprotectRTCPGood(t, c, rx, bob, g, plain)
					break
				}
				v := slices.Clone(g[:n])
				if n == len(g) {
					v = append(slices.Clone(g), 0)
				}
				want := rx.expectRTCP(v)
				_, err := bob.UnprotectRTCP(nil, v)
				c.reject(t, err, one(want), "RTCP cut to %d of %d", len(v), len(g))
				unprotectRTCPGood(t, c, rx, bob, g, plain)
			}
		})
	}
}

// TestSRTPSwapAndReplay covers, for every profile, what the transport layer
// must reject of packets moved between streams, directions and calls, and
// of replays. Expected errors come from srtpRx.expectRTP:
//
//   - stream swap: a packet's SSRC and payload type rewritten to another
//     stream's → ErrAuth, or ErrReplay where the borrowed index is behind
//     that stream's window (the check before authentication);
//   - reflection: alice's packets (RTP and RTCP) sent back to alice, whose
//     receive keys are bob's → ErrAuth;
//   - cross-call: packets of call 1 into call 2, same SSRCs, other keys →
//     ErrAuth (ErrReplay once call 2 accepted the index);
//   - replay: every accepted RTP and RTCP packet again → ErrReplay, at once
//     and after more than a window of newer packets.
//
// The genuine traffic of every stream keeps unprotecting.
func TestSRTPSwapAndReplay(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			c := newTally(t, "srtp swap and replay "+p.String())
			alice, bob := srtpPair(t, p, 0x11, 0x22)
			alice2, bob2 := srtpPair(t, p, 0x33, 0x44) // call 2
			rx, rx2, rxA := newSRTPRx(p), newSRTPRx(p), newSRTPRx(p)
			streams, streams2 := streamsOf(0), streamsOf(0)
			var kept [][]byte // accepted packets, for replay
			for round := range 3 {
				for _, a := range streams {
					for _, b := range streams {
						if a == b {
							continue
						}
						pa, ga := protectNext(t, alice, a)
						v := withHeaderOf(ga, b)
						want := rx.expectRTP(v)
						_, err := bob.UnprotectRTP(nil, v)
						c.reject(t, err, one(want), "round %d: %v→%v", round, a.kind, b.kind)
						unprotectGood(t, c, rx, bob, ga, pa)
						kept = append(kept, ga)
					}
					// Reflection.
					pa, ga := protectNext(t, alice, a)
					_, err := alice.UnprotectRTP(nil, ga)
					c.reject(t, err, one(rxA.expectRTP(ga)), "%v reflected", a.kind)
					unprotectGood(t, c, rx, bob, ga, pa)
					// Cross-call.
					_, err = bob2.UnprotectRTP(nil, ga)
					c.reject(t, err, one(rx2.expectRTP(ga)), "%v call 1 into call 2", a.kind)
				}
				for _, s := range streams2 {
					p2, g2 := protectNext(t, alice2, s)
					unprotectGood(t, c, rx2, bob2, g2, p2)
				}
			}
			r := &rtcpStream{ssrc: streams[0].ssrc}
			var keptRTCP [][]byte
			for range 4 {
				plain, g := protectRTCPNext(t, alice, r)
				_, err := alice.UnprotectRTCP(nil, g)
				c.reject(t, err, one(srtp.ErrAuth), "RTCP reflected")
				_, err = bob2.UnprotectRTCP(nil, g)
				c.reject(t, err, one(srtp.ErrAuth), "RTCP call 1 into call 2")
				unprotectRTCPGood(t, c, rx, bob, g, plain)
				keptRTCP = append(keptRTCP, g)
				_, err = bob.UnprotectRTCP(nil, g)
				c.reject(t, err, one(srtp.ErrReplay), "RTCP replayed at once")
			}
			// Replay, at once and after more than a window.
			replay := func(what string) {
				for _, g := range kept {
					_, err := bob.UnprotectRTP(nil, g)
					c.reject(t, err, one(srtp.ErrReplay), "%s", what)
				}
				for _, g := range keptRTCP {
					_, err := bob.UnprotectRTCP(nil, g)
					c.reject(t, err, one(srtp.ErrReplay), "RTCP %s", what)
				}
				for _, s := range streams {
					plain, g := protectNext(t, alice, s)
					unprotectGood(t, c, rx, bob, g, plain)
				}
				plain, g := protectRTCPNext(t, alice, r)
				unprotectRTCPGood(t, c, rx, bob, g, plain)
			}
			replay("replayed")
			for _, s := range streams {
				for range 1100 {
					plain, g := protectNext(t, alice, s)
					unprotectGood(t, c, rx, bob, g, plain)
				}
			}
			for range 130 {
				plain, g := protectRTCPNext(t, alice, r)
				unprotectRTCPGood(t, c, rx, bob, g, plain)
			}
			replay("replayed behind the window")
		})
	}
}
