package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

var allKinds = []MediaKind{Audio, Video, ScreenShare}

func TestMediaKindString(t *testing.T) {
	assert.Equal(t, "audio", Audio.String())
	assert.Equal(t, "video", Video.String())
	assert.Equal(t, "screenshare", ScreenShare.String())
	assert.Equal(t, "MediaKind(7)", MediaKind(7).String())
}

// rtpShapes are the RTP header layouts the tests seal and open: without
// CSRCs, plain or with an extension, and with them.
var rtpShapes = map[string]pktOpts{
	"plain":     {},
	"csrc":      {csrc: []uint32{1, 2, 3}},
	"extension": {ext: []byte{0x80}},
	"both":      {csrc: []uint32{9}, ext: []byte{1, 2, 3, 4, 5}},
}

var allSuites = []sframe.CipherSuite{
	sframe.AES_128_CTR_HMAC_SHA256_80, sframe.AES_128_CTR_HMAC_SHA256_64,
	sframe.AES_128_CTR_HMAC_SHA256_32, sframe.AES_128_GCM_SHA256_128, sframe.AES_256_GCM_SHA512_128,
	sframe.AES_256_CTR_HMAC_SHA512_80, sframe.AES_256_CTR_HMAC_SHA512_64, sframe.AES_256_CTR_HMAC_SHA512_32,
}

func TestRoundTrip(t *testing.T) {
	suites := allSuites
	for _, suite := range suites {
		alice, bob := newPair(t, Config{CipherSuite: suite})
		for name, shape := range rtpShapes {
			for _, kind := range allKinds {
				for _, n := range []int{0, 1, 160, 1200} {
					t.Run(fmt.Sprintf("%v/%s/%v/%d", suite, name, kind, n), func(t *testing.T) {
						pkt := makeRTP(t, payloadOf(n), shape)
						orig := bytes.Clone(pkt)
						sealed, err := alice.Seal(nil, pkt, kind)
						require.NoError(t, err)
						require.Equal(t, orig, pkt, "Seal modified its input")
						grow := len(sealed) - len(pkt)
						require.LessOrEqual(t, grow, alice.Overhead())
						require.GreaterOrEqual(t, grow, 1+suite.TagSize())

						// The relay's view: header unchanged, payload not.
						var rp rtp.Packet
						require.NoError(t, rp.Unmarshal(sealed))
						require.Equal(t, pkt[:len(pkt)-n], sealed[:len(pkt)-n])
						if n > 8 {
							require.NotContains(t, string(sealed), string(payloadOf(n)))
						}

						opened, gotKind, err := bob.Open([]byte("prefix"), sealed)
						require.NoError(t, err)
						require.Equal(t, kind, gotKind)
						require.Equal(t, "prefix", string(opened[:6]))
						require.Equal(t, pkt, opened[6:])
					})
				}
			}
		}
	}
}

func TestInPlace(t *testing.T) {
	alice, bob := newPair(t)
	pkt := makeRTP(t, payloadOf(300), pktOpts{csrc: []uint32{5}, ext: []byte{1, 2}})
	buf := make([]byte, len(pkt), len(pkt)+alice.Overhead())
	copy(buf, pkt)
	sealed, err := alice.Seal(buf[:0], buf, Video)
	require.NoError(t, err)
	require.Same(t, &buf[0], &sealed[0], "in-place Seal reallocated")
	want, err := alice.Seal(nil, pkt, Video) // next CTR; compare sizes only
	require.NoError(t, err)
	require.Len(t, sealed, len(want))

	opened, kind, err := bob.Open(sealed[:0], sealed)
	require.NoError(t, err)
	require.Equal(t, Video, kind)
	require.Same(t, &buf[0], &opened[0])
	require.Equal(t, pkt, opened)
}

// refKeys returns package sframe's keys for what a session with send
// secret secretA seals: every media kind in epochs 0 to epochs-1, by KID.
func refKeys(t testing.TB, suite sframe.CipherSuite, epochs int) map[uint64]*sframe.Key {
	t.Helper()
	keys := map[uint64]*sframe.Key{}
	for _, kind := range allKinds {
		base, err := deriveBaseKey(secretA, kind)
		require.NoError(t, err)
		for e := range uint64(epochs) {
			k, err := sframe.NewKey(suite, kid(e, kind), base)
			require.NoError(t, err)
			keys[k.KID()] = k
			base, err = sframe.Ratchet(suite, base)
			require.NoError(t, err)
		}
	}
	return keys
}

// refSeal seals pkt under k with counter ctr as the package doc maps RFC
// 9605, Section 4.4.3 onto RTP, through sframe's Key.Seal: the RTP header,
// then the SFrame ciphertext of the payload with the fixed header and CSRCs
// as metadata.
func refSeal(t testing.TB, k *sframe.Key, ctr uint64, pkt []byte) []byte {
	t.Helper()
	layout, err := parseRTP(pkt)
	require.NoError(t, err)
	return k.Seal(bytes.Clone(pkt[:layout.payloadOff]), ctr, pkt[:layout.metaEnd], pkt[layout.payloadOff:])
}

// refOpen opens pkt as the package doc maps RFC 9605, Section 4.4.4 onto
// RTP, through sframe's Key.Open with the key its KID names in keys, with
// Open's error classes in Open's order, and without a replay check.
func refOpen(keys map[uint64]*sframe.Key, suite sframe.CipherSuite, pkt []byte) ([]byte, error) {
	layout, err := parseRTP(pkt)
	if err != nil {
		return nil, err
	}
	sf := pkt[layout.payloadOff:]
	h, hlen, err := sframe.ParseHeader(sf)
	switch {
	case err != nil:
		return nil, ErrMalformed
	case h.KID > maxKID || MediaKind(h.KID&kindMask) >= numKinds:
		return nil, ErrUnknownKey // no stream could have this KID
	case len(sf) < hlen+suite.TagSize():
		return nil, ErrMalformed
	}
	k := keys[h.KID]
	if k == nil {
		return nil, ErrUnknownKey
	}
	out, _, err := k.Open(bytes.Clone(pkt[:layout.payloadOff]), sf, pkt[:layout.metaEnd])
	switch {
	case errors.Is(err, sframe.ErrMalformed):
		return nil, ErrMalformed
	case err != nil:
		return nil, ErrAuth
	}
	return out, nil
}

// TestSealMatchesSFrame seals packets with Seal and requires the bytes of
// sframe's Key.Seal under the same key and counter (refSeal), in place and
// not, with the send key's Scratch free and with it held by the test (so
// that Seal takes a pooled one, as under a concurrent Seal), for every
// suite, RTP header shape, CTR size (0..7 inline, one, two and three bytes)
// and KID size (epochs 0 and 2).
func TestSealMatchesSFrame(t *testing.T) {
	for _, suite := range allSuites {
		keys := refKeys(t, suite, 3)
		for name, shape := range rtpShapes {
			t.Run(fmt.Sprintf("%v/%s", suite, name), func(t *testing.T) {
				alice, bob := newPair(t, Config{CipherSuite: suite})
				for round, start := range []uint64{0, 250, 65530, 0} {
					if round == 3 { // epoch 2: a KID of its own byte
						rekeyAll(t, alice)
						rekeyAll(t, alice)
					}
					sk := alice.send[Video].cur.Load()
					sk.next.Store(start)
					for i := range 12 {
						pkt := makeRTP(t, payloadOf(i*11), pktOpts{csrc: shape.csrc, ext: shape.ext, seq: uint16(i)})
						contended := i%4 >= 2
						if contended {
							sk.mu.Lock() // Seal takes a pooled Scratch
						}
						var got []byte
						var err error
						if i%2 == 1 {
							buf := make([]byte, len(pkt), len(pkt)+alice.Overhead())
							copy(buf, pkt)
							got, err = alice.Seal(buf[:0], buf, Video)
							require.NoError(t, err)
							require.Same(t, &buf[0], &got[0])
						} else {
							got, err = alice.Seal([]byte("prefix"), pkt, Video)
							require.NoError(t, err)
							require.Equal(t, "prefix", string(got[:6]))
							got = got[6:]
						}
						if contended {
							sk.mu.Unlock()
						}
						want := refSeal(t, keys[kid(sk.epoch, Video)], start+uint64(i), pkt)
						require.Equal(t, want, got, "round %d packet %d", round, i)
						opened, _, err := bob.Open(nil, got)
						require.NoError(t, err)
						require.Equal(t, pkt, opened)
					}
				}
			})
		}
	}
}

// openVerdict is what one Open returned, for comparing two receivers.
type openVerdict struct {
	out  []byte
	kind MediaKind
	err  error
}

// sameVerdict requires that two Opens agree: the same output and kind, or
// errors of the same class.
func sameVerdict(t *testing.T, want, got openVerdict, msg string) {
	t.Helper()
	require.Equal(t, want.out, got.out, msg)
	require.Equal(t, want.kind, got.kind, msg)
	for _, class := range []error{nil, ErrAuth, ErrReplay, ErrUnknownKey, ErrMalformed, ErrClosed} {
		require.Equal(t, errors.Is(want.err, class), errors.Is(got.err, class), "%s: %v vs %v", msg, want.err, got.err)
	}
}

// TestOpenMatchesSFrame feeds the same packets to two receivers, one
// opening into a separate buffer and one in place, and compares both with
// sframe's Key.Open (refOpen): they must agree with each other on every
// genuine, tampered, truncated and replayed packet, accept a packet only if
// sframe's Key.Open does, with the same bytes, and accept every genuine
// packet once, for every suite and RTP header shape, across epochs.
func TestOpenMatchesSFrame(t *testing.T) {
	for _, suite := range allSuites {
		keys := refKeys(t, suite, 3)
		for name, shape := range rtpShapes {
			t.Run(fmt.Sprintf("%v/%s", suite, name), func(t *testing.T) {
				alice, sep := newPair(t, Config{CipherSuite: suite})
				_, inPlace := newPair(t, Config{CipherSuite: suite})
				open := func(pkt []byte) openVerdict {
					var v [2]openVerdict
					v[0].out, v[0].kind, v[0].err = sep.Open(make([]byte, 0, 4), bytes.Clone(pkt))
					buf := bytes.Clone(pkt)
					v[1].out, v[1].kind, v[1].err = inPlace.Open(buf[:0], buf)
					if v[1].err == nil {
						require.Same(t, &buf[0], &v[1].out[0])
						v[1].out = bytes.Clone(v[1].out)
					}
					sameVerdict(t, v[0], v[1], "separate buffer vs in place")
					ref, refErr := refOpen(keys, suite, pkt)
					if v[0].err == nil {
						require.NoError(t, refErr, "Open accepted what sframe's Key.Open rejects")
						require.Equal(t, ref, v[0].out)
					}
					return v[0]
				}
				for seq := range 24 { // CTR 0..23: one- and two-byte SFrame headers
					if seq == 12 { // the next epochs, followed from the KID
						rekeyAll(t, alice)
						rekeyAll(t, alice)
					}
					pkt := makeRTP(t, payloadOf(seq*7), pktOpts{csrc: shape.csrc, ext: shape.ext, seq: uint16(seq)})
					sealed, err := alice.Seal(nil, pkt, Audio)
					require.NoError(t, err)

					for _, cut := range []int{1, len(sealed) / 2, len(sealed) - 1} {
						require.Error(t, open(sealed[:cut]).err, "seq %d cut %d", seq, cut)
					}
					for i := 0; i < len(sealed); i += 3 {
						bad := bytes.Clone(sealed)
						bad[i] ^= 0x10
						if open(bad).err == nil { // a header extension byte: not protected
							alice, sep = newPair(t, Config{CipherSuite: suite})
							_, inPlace = newPair(t, Config{CipherSuite: suite})
							sealed, err = alice.Seal(nil, pkt, Audio)
							require.NoError(t, err)
						}
					}

					v := open(sealed)
					require.NoError(t, v.err)
					require.Equal(t, Audio, v.kind)
					require.Equal(t, pkt, v.out)
					require.ErrorIs(t, open(sealed).err, ErrReplay)
				}
			})
		}
	}
}

func TestInexactOverlapPanics(t *testing.T) {
	alice, bob := newPair(t)
	pkt := makeRTP(t, payloadOf(100), pktOpts{})
	buf := make([]byte, 400)
	copy(buf[1:], pkt)
	require.PanicsWithValue(t, "e2ee: invalid buffer overlap", func() {
		alice.Seal(buf[:0], buf[1:1+len(pkt)], Audio)
	})
	sealed, err := alice.Seal(nil, pkt, Audio)
	require.NoError(t, err)
	copy(buf[1:], sealed)
	require.PanicsWithValue(t, "e2ee: invalid buffer overlap", func() {
		bob.Open(buf[:0], buf[1:1+len(sealed)])
	})
}

// TestTamperEveryByte flips each byte of a sealed packet in turn. Every
// byte except the header extension's profile and data must be rejected, and
// no rejected packet may disturb the genuine one opening afterwards.
func TestTamperEveryByte(t *testing.T) {
	alice, bob := newPair(t)
	pkt := makeRTP(t, payloadOf(64), pktOpts{csrc: []uint32{0x01020304}, ext: []byte{0xaa, 0xbb}})
	sealed, err := alice.Seal(nil, pkt, Audio)
	require.NoError(t, err)
	layout, err := parseRTP(sealed)
	require.NoError(t, err)
	sfHdr, sfLen, err := sframe.ParseHeader(sealed[layout.payloadOff:])
	require.NoError(t, err)
	require.Equal(t, uint64(0), sfHdr.CTR)

	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		_, _, err := bob.Open(nil, bad)
		switch {
		case i == 0: // version, P, X, CC bits
			require.Error(t, err, "byte %d", i)
		case i < layout.metaEnd: // rest of fixed header, CSRC list
			require.ErrorIs(t, err, ErrAuth, "byte %d", i)
		case i == layout.metaEnd+2 || i == layout.metaEnd+3: // extension length
			require.Error(t, err, "byte %d", i)
		case i < layout.payloadOff: // extension profile and data: not protected
			require.NoError(t, err, "byte %d: header extensions are documented as unprotected", i)
			// It was accepted, so its counter is now used: start over.
			alice, bob = newPair(t)
			sealed, err = alice.Seal(nil, pkt, Audio)
			require.NoError(t, err)
		case i < layout.payloadOff+sfLen: // SFrame header: KID/CTR
			require.Error(t, err, "byte %d", i)
			require.False(t, errors.Is(err, ErrReplay), "byte %d: %v", i, err)
		default: // ciphertext and tag
			require.ErrorIs(t, err, ErrAuth, "byte %d", i)
		}
	}
	opened, _, err := bob.Open(nil, sealed)
	require.NoError(t, err)
	require.Equal(t, pkt, opened)
}

func TestHeaderFieldsAuthenticated(t *testing.T) {
	alice, bob := newPair(t)
	for name, mutate := range map[string]func(h *rtp.Header){
		"payload type": func(h *rtp.Header) { h.PayloadType = 96 },
		"SSRC":         func(h *rtp.Header) { h.SSRC++ },
		"sequence":     func(h *rtp.Header) { h.SequenceNumber++ },
		"timestamp":    func(h *rtp.Header) { h.Timestamp++ },
		"marker":       func(h *rtp.Header) { h.Marker = !h.Marker },
		"CSRC":         func(h *rtp.Header) { h.CSRC = []uint32{7} },
	} {
		t.Run(name, func(t *testing.T) {
			sealed, err := alice.Seal(nil, makeRTP(t, payloadOf(50), pktOpts{csrc: []uint32{6}}), Video)
			require.NoError(t, err)
			var p rtp.Packet
			require.NoError(t, p.Unmarshal(sealed))
			mutate(&p.Header)
			changed, err := p.Marshal()
			require.NoError(t, err)
			_, _, err = bob.Open(nil, changed)
			require.ErrorIs(t, err, ErrAuth)
		})
	}
}

func TestHeaderExtensionRewriteStillOpens(t *testing.T) {
	alice, bob := newPair(t)
	pkt := makeRTP(t, payloadOf(50), pktOpts{ext: []byte{0x10}})
	sealed, err := alice.Seal(nil, pkt, Audio)
	require.NoError(t, err)
	// A relay rewrites the audio level and adds a longer extension element.
	var p rtp.Packet
	require.NoError(t, p.Unmarshal(sealed))
	require.NoError(t, p.Header.SetExtension(1, []byte{0x7f}))
	require.NoError(t, p.Header.SetExtension(2, []byte{1, 2, 3, 4, 5, 6}))
	rewritten, err := p.Marshal()
	require.NoError(t, err)
	require.NotEqual(t, len(sealed), len(rewritten))

	opened, _, err := bob.Open(nil, rewritten)
	require.NoError(t, err)
	var got rtp.Packet
	require.NoError(t, got.Unmarshal(opened))
	require.Equal(t, payloadOf(50), got.Payload)
	require.Equal(t, []byte{0x7f}, got.Header.GetExtension(1), "extension bytes kept as received")
}

func TestCrossDirectionFails(t *testing.T) {
	alice, _ := newPair(t)
	sealed, err := alice.Seal(nil, makeRTP(t, payloadOf(20), pktOpts{}), Audio)
	require.NoError(t, err)
	_, _, err = alice.Open(nil, sealed)
	require.ErrorIs(t, err, ErrAuth)
}

func TestKindsUseDistinctKeys(t *testing.T) {
	alice, bob := newPair(t)
	sealed, err := alice.Seal(nil, makeRTP(t, payloadOf(20), pktOpts{}), Audio)
	require.NoError(t, err)
	// Relabel the KID as Video: the video key must not open audio.
	layout, _ := parseRTP(sealed)
	require.Equal(t, byte(0x00), sealed[layout.payloadOff]&0x70)
	sealed[layout.payloadOff] |= byte(Video) << 4
	_, _, err = bob.Open(nil, sealed)
	require.ErrorIs(t, err, ErrAuth)
}

func TestUnknownKey(t *testing.T) {
	_, bob := newPair(t)
	for _, kid := range []uint64{
		3,                // media kind 3 does not exist
		kid(1000, Video), // epoch 1000 mod 64 = 40: too far ahead, never derived
		kid(60, Audio),   // 4 epochs behind epoch 0 (mod 64): not kept
		maxKID + 1,       // beyond the KID space
		kid(MaxEpochAhead+1, ScreenShare),
	} {
		k, err := sframe.NewKey(DefaultCipherSuite, kid, secretA)
		require.NoError(t, err)
		pkt := makeRTP(t, nil, pktOpts{})
		pkt = k.Seal(pkt, 0, pkt, payloadOf(10))
		_, _, err = bob.Open(nil, pkt)
		require.ErrorIs(t, err, ErrUnknownKey, "KID %d", kid)
	}
	for _, rc := range bob.recv {
		require.Zero(t, rc.derivations, "no key derived for an unknown KID")
	}
}

func TestReplay(t *testing.T) {
	alice, bob := newPair(t)
	sealed, err := alice.Seal(nil, makeRTP(t, payloadOf(20), pktOpts{}), Audio)
	require.NoError(t, err)
	_, _, err = bob.Open(nil, sealed)
	require.NoError(t, err)
	_, _, err = bob.Open(nil, sealed)
	require.ErrorIs(t, err, ErrReplay)
	// The window is checked before decryption: a copy with a corrupted
	// payload is a replay too, and leaves the window as it was.
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	_, _, err = bob.Open(nil, bad)
	require.ErrorIs(t, err, ErrReplay)
}

func sealN(t testing.TB, s *Session, kind MediaKind, n int) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	for i := range out {
		var err error
		out[i], err = s.Seal(nil, makeRTP(t, payloadOf(30), pktOpts{seq: uint16(i)}), kind)
		require.NoError(t, err)
	}
	return out
}

func TestReorderWithinWindow(t *testing.T) {
	alice, bob := newPair(t)
	pkts := sealN(t, alice, Video, 100)
	for i := len(pkts) - 1; i >= 0; i-- {
		_, kind, err := bob.Open(nil, pkts[i])
		require.NoError(t, err, "packet %d", i)
		require.Equal(t, Video, kind)
	}
	for i := range pkts {
		_, _, err := bob.Open(nil, pkts[i])
		require.ErrorIs(t, err, ErrReplay, "packet %d", i)
	}
}

func TestReplayWindowBoundary(t *testing.T) {
	const w = 100
	alice, bob := newPair(t, Config{ReplayWindow: w})
	pkts := sealN(t, alice, Audio, 300)
	_, _, err := bob.Open(nil, pkts[250])
	require.NoError(t, err)
	_, _, err = bob.Open(nil, pkts[250-w])
	require.ErrorIs(t, err, ErrReplay, "exactly window behind is too old")
	_, _, err = bob.Open(nil, pkts[250-w+1])
	require.NoError(t, err, "window-1 behind is accepted")
	_, _, err = bob.Open(nil, pkts[3])
	require.ErrorIs(t, err, ErrReplay)
	// Other kinds have their own windows.
	v := sealN(t, alice, Video, 1)
	_, _, err = bob.Open(nil, v[0])
	require.NoError(t, err)
	// A large jump clears the window correctly.
	_, _, err = bob.Open(nil, pkts[299])
	require.NoError(t, err)
	_, _, err = bob.Open(nil, pkts[299-w+1])
	require.NoError(t, err)
}

func TestForgeryDoesNotMoveWindow(t *testing.T) {
	alice, bob := newPair(t, Config{ReplayWindow: 64})
	pkts := sealN(t, alice, Audio, 2)
	// A forgery with a valid KID and a far-future CTR.
	forged := makeRTP(t, nil, pktOpts{})
	forged = sframe.Header{KID: kid(0, Audio), CTR: 1 << 40}.AppendTo(forged)
	forged = append(forged, payloadOf(40)...)
	_, _, err := bob.Open(nil, forged)
	require.ErrorIs(t, err, ErrAuth)
	for i, p := range pkts {
		_, _, err := bob.Open(nil, p)
		require.NoError(t, err, "packet %d after forgery", i)
	}
}

func TestSealRejects(t *testing.T) {
	alice, _ := newPair(t)
	good := makeRTP(t, payloadOf(10), pktOpts{csrc: []uint32{1}, ext: []byte{1}})
	padded := bytes.Clone(good)
	padded[0] |= 0x20
	v1 := bytes.Clone(good)
	v1[0] = v1[0]&0x3f | 1<<6
	for name, pkt := range map[string][]byte{
		"empty":         nil,
		"short":         good[:11],
		"short CSRC":    good[:14],
		"short ext hdr": good[:18],
		"short ext":     good[:21],
		"padding":       padded,
		"version 1":     v1,
	} {
		_, err := alice.Seal(nil, pkt, Audio)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
	_, err := alice.Seal(nil, good, MediaKind(3))
	require.ErrorIs(t, err, ErrUnknownKey)
	// No counter was consumed by the failures.
	require.Equal(t, uint64(0), alice.send[Audio].cur.Load().next.Load())
}

func TestOpenRejectsMalformed(t *testing.T) {
	_, bob := newPair(t)
	hdr := makeRTP(t, nil, pktOpts{})
	for name, pkt := range map[string][]byte{
		"empty":          nil,
		"short":          hdr[:5],
		"no payload":     hdr,
		"bad sframe hdr": append(bytes.Clone(hdr), 0x80), // extended KID, missing
		"under tag":      append(bytes.Clone(hdr), 0x00, 1, 2, 3),
	} {
		_, _, err := bob.Open(nil, pkt)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
}

func TestOverheadExact(t *testing.T) {
	alice, bob := newPair(t)
	require.Equal(t, 21, alice.Overhead())
	// The largest header: a KID above 7 (epoch ≥ 2) and the last counter.
	rekeyAll(t, alice)
	rekeyAll(t, alice)
	sk := alice.send[ScreenShare].cur.Load()
	require.Equal(t, uint64(2), sk.epoch)
	sk.next.Store(MaxCounter)
	pkt := makeRTP(t, payloadOf(10), pktOpts{})
	sealed, err := alice.Seal(nil, pkt, ScreenShare)
	require.NoError(t, err)
	require.Equal(t, alice.Overhead(), len(sealed)-len(pkt))
	_, _, err = bob.Open(nil, sealed)
	require.NoError(t, err)

	// The next packet is sealed under the next epoch, from CTR 0.
	sealed, err = alice.Seal(nil, pkt, ScreenShare)
	require.NoError(t, err)
	require.Equal(t, uint64(3), alice.send[ScreenShare].cur.Load().epoch)
	require.Equal(t, 1+1+0+16, len(sealed)-len(pkt))
	_, _, err = bob.Open(nil, sealed)
	require.NoError(t, err)

	for suite, want := range map[sframe.CipherSuite]int{
		sframe.AES_128_CTR_HMAC_SHA256_80: 15, sframe.AES_128_CTR_HMAC_SHA256_64: 13,
		sframe.AES_128_CTR_HMAC_SHA256_32: 9, sframe.AES_256_GCM_SHA512_128: 21,
	} {
		s, err := NewSessionFromSecrets(secretA, secretB, Config{CipherSuite: suite})
		require.NoError(t, err)
		require.Equal(t, want, s.Overhead(), suite.String())
	}
}

func TestNewSessionErrors(t *testing.T) {
	_, err := NewSessionFromSecrets(secretA, secretB, Config{CipherSuite: 0x0009})
	require.ErrorIs(t, err, sframe.ErrUnsupportedSuite)
	require.ErrorIs(t, err, ErrInvalidConfig)
	for _, w := range []int{-1, MaxReplayWindow + 1} {
		_, err = NewSessionFromSecrets(secretA, secretB, Config{ReplayWindow: w})
		require.ErrorIs(t, err, ErrInvalidConfig, "window %d", w)
	}
	_, err = NewSessionFromSecrets(secretA[:15], secretB)
	require.ErrorIs(t, err, ErrInvalidSecrets)
	_, err = NewSessionFromSecrets(secretA, bytes.Clone(secretA))
	require.ErrorIs(t, err, ErrInvalidSecrets, "equal secrets must be refused")
	_, err = NewSession(nil)
	require.ErrorIs(t, err, ErrInvalidSecrets)

	// A mismatched suite does not open.
	a, err := NewSessionFromSecrets(secretA, secretB, Config{CipherSuite: sframe.AES_256_GCM_SHA512_128})
	require.NoError(t, err)
	_, b := newPair(t)
	sealed, err := a.Seal(nil, makeRTP(t, payloadOf(10), pktOpts{}), Audio)
	require.NoError(t, err)
	_, _, err = b.Open(nil, sealed)
	require.ErrorIs(t, err, ErrAuth)
}

// TestConcurrent seals from several goroutines and opens from several,
// delivering every packet twice: each must be accepted exactly once.
func TestConcurrent(t *testing.T) {
	alice, bob := newPair(t, Config{ReplayWindow: MaxReplayWindow})
	const goroutines, perG = 8, 200
	var mu sync.Mutex
	var sealed [][]byte
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			kind := allKinds[g%len(allKinds)]
			for i := range perG {
				pkt := makeRTP(t, payloadOf(40+i%7), pktOpts{seq: uint16(i)})
				s, err := alice.Seal(nil, pkt, kind)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				sealed = append(sealed, s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, sealed, goroutines*perG)

	var accepted, replays int64
	for g := range goroutines {
		wg.Go(func() {
			for i := range sealed {
				p := sealed[(i+g*97)%len(sealed)]
				_, _, err := bob.Open(make([]byte, 0, len(p)), p)
				mu.Lock()
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, ErrReplay):
					replays++
				default:
					t.Error(err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(len(sealed)), accepted, "every packet accepted exactly once")
	require.Equal(t, int64((goroutines-1)*len(sealed)), replays)
}

// FuzzOpen feeds arbitrary bytes to Open: it must never panic, never modify
// its input, never disturb a genuine packet after it, give the same verdict
// opening in place and not, and give the verdict of sframe's Key.Open
// (refOpen) with the keys a fresh receiver accepts: the same output, or an
// error of the same class. (The seeds are genuine, and a genuine packet with
// its header extension changed still opens, so acceptance itself is
// allowed.)
func FuzzOpen(f *testing.F) {
	alice, _ := newPair(f)
	for i, kind := range allKinds {
		p, err := alice.Seal(nil, makeRTP(f, payloadOf(10*i), pktOpts{csrc: []uint32{uint32(i)}, ext: []byte{byte(i)}}), kind)
		require.NoError(f, err)
		f.Add(p)
	}
	for _, shape := range []pktOpts{{}, {ext: []byte{1, 2, 3}}} {
		p, err := alice.Seal(nil, makeRTP(f, payloadOf(30), shape), Video)
		require.NoError(f, err)
		f.Add(p)
	}
	f.Add([]byte{0x80})
	f.Add(make([]byte, 12))
	keys := refKeys(f, DefaultCipherSuite, 1+MaxEpochAhead) // epoch 0 and the epochs a receiver follows
	f.Fuzz(func(t *testing.T, in []byte) {
		alice, bob := newPair(t)
		alice.send[Audio].cur.Load().next.Store(1000) // past every seed's CTR
		genuine, err := alice.Seal(nil, makeRTP(t, payloadOf(20), pktOpts{}), Audio)
		require.NoError(t, err)
		orig := bytes.Clone(in)
		got := openVerdict{}
		got.out, got.kind, got.err = bob.Open(nil, in)
		require.Equal(t, orig, in, "Open modified its input")

		want := openVerdict{kind: got.kind}
		want.out, want.err = refOpen(keys, DefaultCipherSuite, in)
		sameVerdict(t, want, got, "Open vs sframe's Key.Open")

		_, inPlace := newPair(t)
		buf := bytes.Clone(in)
		var ip openVerdict
		if ip.out, ip.kind, ip.err = inPlace.Open(buf[:0], buf); ip.err == nil {
			ip.out = bytes.Clone(ip.out)
		}
		sameVerdict(t, got, ip, "Open in place vs not")
		_, _, err = bob.Open(nil, genuine)
		require.NoError(t, err)
	})
}

// FuzzOpenEpochs feeds arbitrary bytes to a receiver that has followed the
// sender through several epochs and has superseded epochs in their grace
// period: Open must never panic, a rejected packet must not move the
// receiver's epoch, and genuine packets of the current and graced epochs
// must still open afterwards.
func FuzzOpenEpochs(f *testing.F) {
	alice, _ := newPair(f)
	for e := range 4 {
		f.Add(sealOne(f, alice, MediaKind(e%numKinds), uint16(e)))
		rekeyAll(f, alice)
	}
	forged := makeRTP(f, nil, pktOpts{})
	forged = sframe.Header{KID: kid(5, Audio), CTR: 3}.AppendTo(forged)
	f.Add(append(forged, payloadOf(30)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		clk := &fakeClock{}
		alice, bob := newPair(t, Config{clock: clk})
		alice.send[Audio].cur.Load().next.Store(1000) // past every seed's CTR
		old := sealOne(t, alice, Audio, 1)
		mustOpen(t, bob, sealOne(t, alice, Audio, 2))
		rekeyAll(t, alice)
		rekeyAll(t, alice)
		alice.send[Audio].cur.Load().next.Store(1000)
		mustOpen(t, bob, sealOne(t, alice, Audio, 3)) // bob: epoch 2, epochs 0, 1 graced
		cur := sealOne(t, alice, Audio, 4)
		epochs := [numKinds]uint64{}
		for k, rc := range bob.recv {
			epochs[k] = rc.epoch
		}
		_, _, err := bob.Open(nil, in)
		if err != nil {
			for k, rc := range bob.recv {
				require.Equal(t, epochs[k], rc.epoch, "rejected packet moved the epoch")
			}
		}
		mustOpen(t, bob, cur)
		mustOpen(t, bob, old)
	})
}
