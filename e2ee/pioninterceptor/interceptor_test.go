package pioninterceptor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
)

// lossy drops every packet of the camera SSRC whose index (sequence number
// minus 1000) is ≡ 5 mod 10, once, except near the end where no later packet
// would reveal the gap to the NACK generator. It records what it dropped.
type lossy struct {
	mu      sync.Mutex
	n       int
	dropped map[uint16]bool
}

func (d *lossy) drop(pkt []byte) bool {
	seq := binary.BigEndian.Uint16(pkt[2:])
	if binary.BigEndian.Uint32(pkt[8:]) != ssrcCam {
		return false
	}
	i := int(seq) - 1000
	if i%10 != 5 || i >= d.n-20 || d.dropped[seq] {
		return false
	}
	d.dropped[seq] = true
	return true
}

// sframeHeaderOf parses the SFrame header of a sealed wire packet.
func sframeHeaderOf(t *testing.T, pkt []byte) sframe.Header {
	t.Helper()
	l, err := parseRTP(pkt)
	require.NoError(t, err)
	h, _, err := sframe.ParseHeader(pkt[l.off:l.end])
	require.NoError(t, err)
	return h
}

// kindOfKID is the media kind in a KID (e2ee package doc: epoch<<2 | kind).
func kindOfKID(kid uint64) e2ee.MediaKind { return e2ee.MediaKind(kid & 3) }

// writeVideo writes packets [from, to) of videoPacket, pacing them so that
// NACKs and retransmissions interleave with new packets.
func writeVideo(t *testing.T, w interceptor.RTPWriter, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		h, p := videoPacket(i)
		_, err := w.Write(h, p, nil)
		require.NoError(t, err)
		if i%10 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// checkDelivered requires bob's app to have every packet [0, n) exactly as
// alice's app wrote it.
func checkDelivered(t *testing.T, c *call, n int) {
	t.Helper()
	ok := waitFor(t, 10*time.Second, func() bool { return c.got.count() >= n })
	require.True(t, ok, "bob got %d of %d packets; alice %+v, bob %+v", c.got.count(), n, c.alice.Stats(), c.bob.Stats())
	for i := range n {
		h, p := videoPacket(i)
		got := c.got.get(h.SequenceNumber)
		require.NotNil(t, got, "packet %d", i)
		require.Equal(t, p, got.Payload, "payload of packet %d", i)
		require.Equal(t, h.Timestamp, got.Timestamp)
		require.Equal(t, h.Marker, got.Marker)
		require.Equal(t, h.PayloadType, got.PayloadType)
		require.Equal(t, h.SSRC, got.SSRC)
	}
}

// TestDefaultInterceptorsNACKRTX runs a lossy video stream through chains
// built as webrtc.RegisterDefaultInterceptors builds them, plus the TWCC
// header-extension sender, with the Factory registered last: every packet
// reaches bob's app opened and byte-identical, the lost ones as RTX
// retransmissions of the sealed payload; TWCC extensions added after
// sealing do not break authentication.
func TestDefaultInterceptorsNACKRTX(t *testing.T) {
	const n = 300
	c := newCall(t, true, true)
	loss := &lossy{n: n, dropped: map[uint16]bool{}}
	c.link.drop = loss.drop
	writeVideo(t, c.writer, 0, n)
	checkDelivered(t, c, n)

	loss.mu.Lock()
	lost := len(loss.dropped)
	loss.mu.Unlock()
	require.Positive(t, lost)
	as, bs := c.alice.Stats(), c.bob.Stats()
	require.Equal(t, uint64(n), as.Sealed)
	require.GreaterOrEqual(t, bs.OpenedRTX, uint64(lost), "bob: %+v", bs)
	require.Zero(t, bs.Rejected)

	// On the wire: media packets carry the TWCC extension (X set after
	// sealing) and SFrame payloads; an RTX payload is OSN ‖ the sealed
	// payload of the packet it repairs.
	sealed := map[uint16][]byte{}
	var rtx [][]byte
	for _, pkt := range c.link.wirePackets() {
		var p rtp.Packet
		require.NoError(t, p.Unmarshal(pkt))
		switch p.SSRC {
		case ssrcCam:
			require.True(t, p.Extension, "TWCC extension missing")
			require.NotNil(t, p.GetExtension(twccExt))
			_, plain := videoPacket(int(p.SequenceNumber) - 1000)
			require.NotEqual(t, plain, p.Payload)
			require.Equal(t, e2ee.Video, kindOfKID(sframeHeaderOf(t, pkt).KID))
			sealed[p.SequenceNumber] = p.Payload
		case ssrcRTX:
			require.Equal(t, uint8(ptRTX), p.PayloadType)
			rtx = append(rtx, p.Payload)
		default:
			t.Fatalf("unexpected SSRC %#x on the wire", p.SSRC)
		}
	}
	require.GreaterOrEqual(t, len(rtx), lost)
	for _, r := range rtx {
		osn := binary.BigEndian.Uint16(r)
		require.Equal(t, sealed[osn], r[2:], "RTX of %d does not carry the sealed payload", osn)
	}
}

// TestDefaultInterceptorsNACKWithoutRTX: without RTX the NACK responder
// resends the stored sealed packet unchanged on the media SSRC; its counter
// is new to bob's replay window (the original was lost), so it opens.
func TestDefaultInterceptorsNACKWithoutRTX(t *testing.T) {
	const n = 200
	c := newCallRTX(t, true, true, false)
	loss := &lossy{n: n, dropped: map[uint16]bool{}}
	c.link.drop = loss.drop
	writeVideo(t, c.writer, 0, n)
	checkDelivered(t, c, n)

	seen := map[uint16][]byte{}
	resent := 0
	for _, pkt := range c.link.wirePackets() {
		require.Equal(t, uint32(ssrcCam), binary.BigEndian.Uint32(pkt[8:]))
		seq := binary.BigEndian.Uint16(pkt[2:])
		l, err := parseRTP(pkt)
		require.NoError(t, err)
		payload := pkt[l.off:l.end]
		if prev, ok := seen[seq]; ok {
			require.Equal(t, prev, payload, "a retransmission differs from the sealed original")
			resent++
		}
		seen[seq] = payload
	}
	require.Positive(t, resent)
	bs := c.bob.Stats()
	require.Zero(t, bs.OpenedRTX)
	require.Zero(t, bs.Rejected)
	require.Equal(t, uint64(n), bs.Opened) // each packet once
}

// TestRekeyMidCall rekeys alice's session halfway through a lossy stream:
// bob follows the new epoch from the KID, and retransmissions of packets
// sealed in the old epoch still open (grace period).
func TestRekeyMidCall(t *testing.T) {
	const n = 400
	c := newCall(t, true, true)
	loss := &lossy{n: n, dropped: map[uint16]bool{}}
	c.link.drop = loss.drop
	writeVideo(t, c.writer, 0, n/2)
	require.NoError(t, c.alice.Session().Rekey())
	writeVideo(t, c.writer, n/2, n)
	checkDelivered(t, c, n)

	kids := map[uint16]uint64{}
	for _, pkt := range c.link.wirePackets() {
		if binary.BigEndian.Uint32(pkt[8:]) == ssrcCam {
			kids[binary.BigEndian.Uint16(pkt[2:])] = sframeHeaderOf(t, pkt).KID
		}
	}
	before, after := kids[1000], kids[1000+n-1]
	require.NotEqual(t, before, after, "the KID did not change with the epoch")
	for i := range n {
		want := before
		if i >= n/2 {
			want = after
		}
		require.Equal(t, want, kids[uint16(1000+i)], "KID of packet %d", i)
	}
	require.Positive(t, c.bob.Stats().OpenedRTX)
	require.Zero(t, c.bob.Stats().Rejected)
}

// TestPeerWithoutKeySeesCiphertext: a peer whose chain has no E2EE
// interceptor (a relay's view, or pion without callseal) reads only SFrame
// ciphertext; a peer with the wrong key gets nothing at all.
func TestPeerWithoutKeySeesCiphertext(t *testing.T) {
	const n = 50
	t.Run("no interceptor", func(t *testing.T) {
		c := newCall(t, true, false)
		writeVideo(t, c.writer, 0, n)
		require.True(t, waitFor(t, 5*time.Second, func() bool { return c.got.count() >= n }))
		for i := range n {
			h, plain := videoPacket(i)
			got := c.got.get(h.SequenceNumber).Payload
			require.NotEqual(t, plain, got)
			require.False(t, bytes.Contains(got, plain[1:33]), "plaintext visible in packet %d", i)
			sh, hl, err := sframe.ParseHeader(got)
			require.NoError(t, err)
			require.Equal(t, e2ee.Video, kindOfKID(sh.KID))
			require.Equal(t, len(plain)+hl+16, len(got), "SFrame header ‖ ciphertext ‖ 16-byte tag")
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		c := newCall(t, true, true)
		_, other := sessionPair(t)
		require.NoError(t, c.bob.SetSession(other))
		writeVideo(t, c.writer, 0, n)
		require.True(t, waitFor(t, 5*time.Second, func() bool { return c.bob.Stats().Rejected >= n }), "%+v", c.bob.Stats())
		require.Zero(t, c.got.count())
		require.Zero(t, c.bob.Stats().Opened)
	})
}

// TestNoSessionDropsBothWays: before SetSession nothing is sent, and what
// arrives is not delivered; media flows from the moment both have keys.
func TestNoSessionDropsBothWays(t *testing.T) {
	c := newCall(t, false, true)
	for i := range 10 {
		h, p := videoPacket(i)
		n, err := c.writer.Write(h, p, nil)
		require.NoError(t, err)
		require.Zero(t, n)
	}
	require.Empty(t, c.link.wirePackets())
	require.Equal(t, uint64(10), c.alice.Stats().NoSession)

	require.NoError(t, c.alice.SetSession(c.sessA))
	writeVideo(t, c.writer, 10, 20)
	require.Len(t, c.link.wirePackets(), 10)
	require.True(t, waitFor(t, 5*time.Second, func() bool { return c.bob.Stats().NoSession == 10 }))
	require.Zero(t, c.got.count())

	require.NoError(t, c.bob.SetSession(c.sessB))
	writeVideo(t, c.writer, 20, 30)
	require.True(t, waitFor(t, 5*time.Second, func() bool { return c.got.count() == 10 }))
	for i := 20; i < 30; i++ {
		h, p := videoPacket(i)
		require.Equal(t, p, c.got.get(h.SequenceNumber).Payload)
	}
}

// pipe binds one Factory's interceptor as the only one, to a sink that
// records marshalled packets, and to a source fed from them.
type pipe struct {
	out [][]byte
	w   interceptor.RTPWriter
}

func newPipe(t *testing.T, f *Factory, info *interceptor.StreamInfo) *pipe {
	t.Helper()
	ic, err := f.NewInterceptor("")
	require.NoError(t, err)
	p := &pipe{}
	p.w = ic.BindLocalStream(info, interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		buf, err := marshal(h, payload)
		p.out = append(p.out, buf)
		return len(buf), err
	}))
	return p
}

// openAll reads pkts through a remote stream of f and returns what it
// delivers.
func openAll(t *testing.T, f *Factory, info *interceptor.StreamInfo, pkts [][]byte) [][]byte {
	t.Helper()
	ic, err := f.NewInterceptor("")
	require.NoError(t, err)
	i := 0
	r := ic.BindRemoteStream(info, interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		if i == len(pkts) {
			return 0, nil, errEnd
		}
		i++
		return copy(b, pkts[i-1]), a, nil
	}))
	var got [][]byte
	buf := make([]byte, 1500)
	for {
		n, _, err := r.Read(buf, nil)
		if errors.Is(err, errEnd) {
			return got
		}
		require.NoError(t, err)
		got = append(got, bytes.Clone(buf[:n]))
	}
}

var errEnd = errors.New("end of test packets")

// TestPaddingExtensionsCSRCs seals and opens packets with RTP padding (both
// pion conventions), header extensions and CSRCs: the wire packet keeps
// them, and the receiver gets back exactly what was sent. Padding-only
// packets pass unsealed and are dropped on receive.
func TestPaddingExtensionsCSRCs(t *testing.T) {
	alice, bob := NewFactory(), NewFactory()
	sa, sb := sessionPair(t)
	require.NoError(t, alice.SetSession(sa))
	require.NoError(t, bob.SetSession(sb))
	info := &interceptor.StreamInfo{SSRC: ssrcMic, MimeType: webrtc.MimeTypeOpus, PayloadType: ptOpus}
	p := newPipe(t, alice, info)

	base := func(seq uint16) rtp.Header {
		return rtp.Header{Version: 2, PayloadType: ptOpus, SequenceNumber: seq, Timestamp: 960 * uint32(seq), SSRC: ssrcMic}
	}
	var want []rtp.Packet
	send := func(h rtp.Header, payload []byte) {
		_, err := p.w.Write(&h, payload, nil)
		require.NoError(t, err)
	}
	opus := []byte("an opus frame, more or less")

	h := base(1) // plain
	send(h, opus)
	want = append(want, rtp.Packet{Header: h, Payload: opus})

	h = base(2) // padding after the payload, PaddingSize (pion/rtp ≥ 1.8.12)
	h.Padding, h.PaddingSize = true, 7
	send(h, opus)
	want = append(want, rtp.Packet{Header: h, Payload: opus})

	h = base(3) // padding inside the payload (older pion/rtp convention)
	h.Padding = true
	send(h, append(bytes.Clone(opus), 0, 0, 3))
	hw := h
	hw.PaddingSize = 3
	want = append(want, rtp.Packet{Header: hw, Payload: opus})

	h = base(4) // header extensions and CSRCs
	h.CSRC = []uint32{7, 8}
	require.NoError(t, h.SetExtension(1, []byte{0x90}))       // audio level
	require.NoError(t, h.SetExtension(3, []byte{1, 2, 3, 4})) // something else
	send(h, opus)
	want = append(want, rtp.Packet{Header: h, Payload: opus})

	h = base(5) // padding only: a probe, sent as it is
	h.Padding, h.PaddingSize = true, 200
	send(h, nil)

	require.Len(t, p.out, 5)
	for i, pkt := range p.out[:4] {
		var wire rtp.Packet
		require.NoError(t, wire.Unmarshal(bytes.Clone(pkt)))
		require.Equal(t, want[i].Padding, wire.Padding, "packet %d", i)
		require.Equal(t, want[i].Extension, wire.Extension, "packet %d", i)
		require.Equal(t, want[i].CSRC, wire.CSRC, "packet %d", i)
		require.NotEqual(t, opus, wire.Payload)
	}
	require.Equal(t, uint64(4), alice.Stats().Sealed)
	require.Equal(t, uint64(1), alice.Stats().Padding)

	got := openAll(t, bob, &interceptor.StreamInfo{SSRC: ssrcMic, MimeType: webrtc.MimeTypeOpus}, p.out)
	require.Len(t, got, 4)
	for i, b := range got {
		var pkt rtp.Packet
		require.NoError(t, pkt.Unmarshal(b))
		require.Equal(t, want[i].Payload, pkt.Payload, "packet %d", i)
		require.Equal(t, want[i].Header.Padding, pkt.Padding, "packet %d", i)
		require.Equal(t, want[i].Header.PaddingSize, pkt.Header.PaddingSize, "packet %d", i)
		require.Equal(t, want[i].Header.Extensions, pkt.Header.Extensions, "packet %d", i)
		require.Equal(t, want[i].Header.CSRC, pkt.CSRC, "packet %d", i)
		require.Equal(t, want[i].SequenceNumber, pkt.SequenceNumber)
		// Extensions and padding are outside the AAD: a relay may
		// rewrite them; everything else is authenticated.
	}
	require.Equal(t, uint64(4), bob.Stats().Opened)
	require.Equal(t, uint64(1), bob.Stats().Padding)
}

// TestWhatIsAuthenticated tampers with each part of a sealed wire packet:
// header fields and CSRCs are authenticated, extensions and padding not.
func TestWhatIsAuthenticated(t *testing.T) {
	resA, resB := handshake(t)
	sessA, err := e2ee.NewSession(resA)
	require.NoError(t, err)
	// Bob needs a fresh replay window per case: sessions from the same
	// secrets, built with NewSessionFromSecrets (a Result keys one session).
	sendB, recvB, err := resB.TakeMediaSecrets()
	require.NoError(t, err)
	newBob := func() *e2ee.Session {
		s, err := e2ee.NewSessionFromSecrets(sendB[:], recvB[:])
		require.NoError(t, err)
		return s
	}
	alice := NewFactory()
	require.NoError(t, alice.SetSession(sessA))
	info := &interceptor.StreamInfo{SSRC: ssrcMic, MimeType: webrtc.MimeTypeOpus}
	p := newPipe(t, alice, info)
	h := rtp.Header{Version: 2, PayloadType: ptOpus, SequenceNumber: 9, Timestamp: 99, SSRC: ssrcMic, CSRC: []uint32{5}}
	require.NoError(t, h.SetExtension(1, []byte{0x90}))
	_, err = p.w.Write(&h, []byte("opus"), nil)
	require.NoError(t, err)
	sealed := p.out[0]

	for _, tc := range []struct {
		name   string
		tamper func(b []byte) []byte
		ok     bool
	}{
		{"untouched", func(b []byte) []byte { return b }, true},
		{"marker", func(b []byte) []byte { b[1] ^= 0x80; return b }, false},
		{"payload type", func(b []byte) []byte { b[1] ^= 0x01; return b }, false},
		{"sequence number", func(b []byte) []byte { b[3] ^= 1; return b }, false},
		{"timestamp", func(b []byte) []byte { b[7] ^= 1; return b }, false},
		{"SSRC", func(b []byte) []byte { b[11] ^= 1; return b }, false},
		{"CSRC", func(b []byte) []byte { b[15] ^= 1; return b }, false},
		{"payload", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, false},
		{"extension value", func(b []byte) []byte { b[21] ^= 0x7f; return b }, true},
		{"extension removed", func(b []byte) []byte {
			b[0] &^= rtpExtensionBit
			return append(b[:16], b[24:]...) // 4-byte extension header + 4 bytes
		}, true},
		{"padding added", func(b []byte) []byte { b[0] |= rtpPaddingBit; return append(b, 0, 0, 3) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bob := NewFactory()
			require.NoError(t, bob.SetSession(newBob())) // a fresh replay window
			got := openAll(t, bob, info, [][]byte{tc.tamper(bytes.Clone(sealed))})
			if !tc.ok {
				require.Empty(t, got)
				require.Equal(t, uint64(1), bob.Stats().Rejected)
				return
			}
			require.Len(t, got, 1)
			var pkt rtp.Packet
			require.NoError(t, pkt.Unmarshal(got[0]))
			require.Equal(t, []byte("opus"), pkt.Payload)
		})
	}
	// A refused packet does not move the replay window; a replay is caught.
	bob := NewFactory()
	require.NoError(t, bob.SetSession(newBob()))
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	require.Len(t, openAll(t, bob, info, [][]byte{bad, sealed, sealed}), 1)
	require.Equal(t, Stats{Opened: 1, Rejected: 1, Replayed: 1}, bob.Stats())
}

// TestMediaKinds checks how a local stream's kind is chosen: codec rule,
// Config.KindFunc, SetStreamKind.
func TestMediaKinds(t *testing.T) {
	kindOn := func(f *Factory, info *interceptor.StreamInfo) e2ee.MediaKind {
		if f.Session() == nil {
			sa, _ := sessionPair(t) // a session keys one Factory
			require.NoError(t, f.SetSession(sa))
		}
		p := newPipe(t, f, info)
		h := rtp.Header{Version: 2, PayloadType: info.PayloadType, SSRC: info.SSRC}
		_, err := p.w.Write(&h, []byte{1, 2, 3}, nil)
		require.NoError(t, err)
		return kindOfKID(sframeHeaderOf(t, p.out[0]).KID)
	}
	opus := &interceptor.StreamInfo{SSRC: 1, MimeType: "audio/opus", PayloadType: ptOpus}
	vp8 := &interceptor.StreamInfo{SSRC: 2, MimeType: "video/VP8", PayloadType: ptVP8}
	h264 := &interceptor.StreamInfo{SSRC: 3, MimeType: "video/H264", PayloadType: 102}

	require.Equal(t, e2ee.Audio, kindOn(NewFactory(), opus))
	require.Equal(t, e2ee.Video, kindOn(NewFactory(), vp8))

	byPT := NewFactory(Config{KindFunc: func(info *interceptor.StreamInfo) (e2ee.MediaKind, bool) {
		return e2ee.ScreenShare, info.PayloadType == 102
	}})
	require.Equal(t, e2ee.ScreenShare, kindOn(byPT, h264))
	require.Equal(t, e2ee.Video, kindOn(byPT, vp8))

	bySSRC := NewFactory()
	bySSRC.SetStreamKind(2, e2ee.ScreenShare)
	require.Equal(t, e2ee.ScreenShare, kindOn(bySSRC, vp8))
	require.Equal(t, e2ee.Audio, kindOn(bySSRC, opus))

	// The zero Factory works, with the defaults.
	var zero Factory
	require.Equal(t, e2ee.Audio, kindOn(&zero, opus))
}

// TestRegisteredTooEarly: registered before the NACK responder, the
// interceptor would see RTX packets; it refuses them rather than sealing
// OSN ‖ payload under the RTX header, which the receiver could not open.
func TestRegisteredTooEarly(t *testing.T) {
	f := NewFactory()
	sa, _ := sessionPair(t)
	require.NoError(t, f.SetSession(sa))
	p := newPipe(t, f, localVideoInfo())
	h := rtp.Header{Version: 2, PayloadType: ptRTX, SequenceNumber: 1, SSRC: ssrcRTX}
	_, err := p.w.Write(&h, []byte{0, 1, 2, 3}, nil)
	require.ErrorIs(t, err, ErrRegistrationOrder)
	require.Empty(t, p.out)
	require.Equal(t, uint64(1), f.Stats().SealFailed)

	// In a full chain with the Factory first, lost packets stay lost:
	// nothing unsealed or mis-sealed goes out as RTX.
	c := &call{alice: f, bob: NewFactory(), link: newLink(t)}
	_, sb := sessionPair(t)
	require.NoError(t, c.bob.SetSession(sb))
	c.connect(t, buildChain(t, nil, f), buildChain(t, c.bob, nil))
	loss := &lossy{n: 100, dropped: map[uint16]bool{}}
	c.link.drop = loss.drop
	writeVideo(t, c.writer, 0, 100)
	require.True(t, waitFor(t, 5*time.Second, func() bool { return f.Stats().SealFailed > 1 }), "alice %+v bob %+v wire %d", f.Stats(), c.bob.Stats(), len(c.link.wirePackets()))
	for _, pkt := range c.link.wirePackets() {
		require.Equal(t, uint32(ssrcCam), binary.BigEndian.Uint32(pkt[8:]))
	}
}

// TestRTXBeforeItsStream: an RTX packet for a stream no packet has arrived
// on yet cannot be matched to its original header and is dropped.
func TestRTXBeforeItsStream(t *testing.T) {
	f := NewFactory()
	_, sb := sessionPair(t)
	require.NoError(t, f.SetSession(sb))
	_, rtxInfo := remoteVideoInfos()
	pkt := []byte{0x80, ptRTX, 0, 1, 0, 0, 0, 0, 0x11, 0x11, 0, 2, 0x03, 0xe8, 0x00, 1, 2, 3}
	require.Empty(t, openAll(t, f, rtxInfo, [][]byte{pkt}))
	require.Equal(t, uint64(1), f.Stats().Rejected)
}

// TestConcurrentWritersRekey writes from several goroutines while the
// session is rekeyed, under the race detector in CI.
func TestConcurrentWritersRekey(t *testing.T) {
	const writers, each = 4, 100
	c := newCall(t, true, true)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w * each; i < (w+1)*each; i++ {
				h, p := videoPacket(i)
				_, err := c.writer.Write(h, p, nil)
				require.NoError(t, err)
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			require.NoError(t, c.alice.Session().Rekey())
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	require.True(t, waitFor(t, 10*time.Second, func() bool { return c.got.count() >= writers*each }),
		"got %d; bob %+v", c.got.count(), c.bob.Stats())
}

// TestSetSessionClaims: one e2ee.Session keys one Factory. Set on a second
// Factory it would key a second call with the same keys; that is refused
// with e2ee.ErrSessionInUse and the second Factory keeps what it had.
func TestSetSessionClaims(t *testing.T) {
	sa, sb := sessionPair(t)
	f1, f2 := NewFactory(), NewFactory()
	require.NoError(t, f1.SetSession(sa))
	require.NoError(t, f1.SetSession(sa), "the same Factory may set it again")
	require.ErrorIs(t, f2.SetSession(sa), e2ee.ErrSessionInUse)
	require.Nil(t, f2.Session())
	require.NoError(t, f2.SetSession(sb))
	require.ErrorIs(t, f1.SetSession(sb), e2ee.ErrSessionInUse)
	require.Same(t, sa, f1.Session(), "a refused SetSession keeps the current session")

	// Replacing the session (after a new handshake) is allowed; the
	// replaced one stays this Factory's.
	sc, _ := sessionPair(t)
	require.NoError(t, f1.SetSession(sc))
	require.ErrorIs(t, f2.SetSession(sa), e2ee.ErrSessionInUse)
	require.NoError(t, f1.SetSession(nil))
	require.Nil(t, f1.Session())
}
