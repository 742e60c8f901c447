package pioninterceptor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
)

// This file is an in-memory stand-in for two pion PeerConnections: each
// endpoint is the interceptor chain pion would build (the registry of
// webrtc.RegisterDefaultInterceptors: NACK responder and generator, RTCP
// reports, stats, TWCC feedback; plus the TWCC header-extension sender, so
// that extensions are added after sealing; then the Factory), bound to
// streams the way pion's RTPSender and RTPReceiver bind them, over a lossy
// in-memory "SRTP" link. What pion's RTPReceiver does after the chain (RTX
// unwrapping) is done here as pion does it.

// Stream parameters, as an SDP offer/answer would fix them.
const (
	ptVP8    = 96
	ptRTX    = 97
	ptOpus   = 111
	ssrcCam  = 0x1111_0001
	ssrcRTX  = 0x1111_0002
	ssrcMic  = 0x1111_0003
	twccExt  = 5 // RTP header extension ID of transport-cc
	linkSize = 4096
)

var videoFeedback = []interceptor.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "transport-cc"}}

// localVideoInfo is the StreamInfo pion's RTPSender binds for a VP8 track
// with RTX: one stream, the RTX SSRC and payload type in it.
func localVideoInfo() *interceptor.StreamInfo {
	info := localVideoInfoNoRTX()
	info.SSRCRetransmission, info.PayloadTypeRetransmission = ssrcRTX, ptRTX
	return info
}

// localVideoInfoNoRTX is the same without RTX negotiated: the NACK
// responder resends lost packets as they were.
func localVideoInfoNoRTX() *interceptor.StreamInfo {
	return &interceptor.StreamInfo{
		ID: "sender", SSRC: ssrcCam, PayloadType: ptVP8,
		MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback,
		RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{ID: twccExt, URI: sdp.TransportCCURI}},
		Attributes:          interceptor.Attributes{},
	}
}

// remoteVideoInfos are the StreamInfos pion's RTPReceiver binds for it: the
// media stream without payload type or RTX SSRC, and the RTX stream with
// MIME type video/rtx and no feedback (rtpreceiver.go, startReceive).
func remoteVideoInfos() (media, rtx *interceptor.StreamInfo) {
	exts := []interceptor.RTPHeaderExtension{{ID: twccExt, URI: sdp.TransportCCURI}}
	media = &interceptor.StreamInfo{
		SSRC: ssrcCam, MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
		RTCPFeedback: videoFeedback, RTPHeaderExtensions: exts, Attributes: interceptor.Attributes{},
	}
	rtx = &interceptor.StreamInfo{
		SSRC: ssrcRTX, MimeType: webrtc.MimeTypeRTX, ClockRate: 90000,
		RTPHeaderExtensions: exts, Attributes: interceptor.Attributes{},
	}
	return media, rtx
}

// buildChain builds an endpoint's interceptor chain like pion: the default
// interceptors, the TWCC header-extension sender, then f (if not nil) last.
// first, if not nil, is registered before everything else (innermost).
func buildChain(t *testing.T, f *Factory, first interceptor.Factory) interceptor.Interceptor {
	t.Helper()
	m := &webrtc.MediaEngine{}
	ir := &interceptor.Registry{}
	if first != nil {
		ir.Add(first)
	}
	require.NoError(t, webrtc.RegisterDefaultInterceptors(m, ir))
	require.NoError(t, webrtc.ConfigureTWCCHeaderExtensionSender(m, ir))
	if f != nil {
		ir.Add(f)
	}
	ic, err := ir.Build("pc")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ic.Close() })
	return ic
}

// link is one direction of the in-memory network below SRTP: marshalled RTP
// packets per SSRC, and RTCP back the other way.
type link struct {
	mu     sync.Mutex
	queues map[uint32]chan []byte
	drop   func(pkt []byte) bool // nil: lossless
	wire   [][]byte              // every packet sent, for inspection
	rtcp   chan []byte           // receiver → sender feedback
	closed chan struct{}
}

func newLink(t *testing.T) *link {
	l := &link{queues: map[uint32]chan []byte{}, rtcp: make(chan []byte, linkSize), closed: make(chan struct{})}
	t.Cleanup(func() { close(l.closed) })
	return l
}

func (l *link) queue(ssrc uint32) chan []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queues[ssrc]
	if q == nil {
		q = make(chan []byte, linkSize)
		l.queues[ssrc] = q
	}
	return q
}

// transport is the writer at the bottom of the sender's chain, where pion's
// SRTP WriteStream marshals and protects the packet.
func (l *link) transport() interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		buf, err := marshal(h, payload)
		if err != nil {
			return 0, err
		}
		n := len(buf)
		l.mu.Lock()
		l.wire = append(l.wire, buf)
		dropped := l.drop != nil && l.drop(buf)
		l.mu.Unlock()
		if !dropped {
			l.queue(h.SSRC) <- buf
		}
		return n, nil
	})
}

// source is the reader at the bottom of the receiver's chain (pion's SRTP
// ReadStream) for one SSRC.
func (l *link) source(ssrc uint32) interceptor.RTPReader {
	q := l.queue(ssrc)
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		select {
		case p := <-q:
			if len(b) < len(p) {
				return 0, nil, io.ErrShortBuffer
			}
			return copy(b, p), a, nil
		case <-l.closed:
			return 0, nil, io.EOF
		}
	})
}

// wirePackets returns a copy of everything the sender put on the link.
func (l *link) wirePackets() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.wire...)
}

// connectRTCP makes the receiver's RTCP (NACKs, TWCC feedback, receiver
// reports) reach the sender, which reads it in a loop as pion's RTPSender
// does.
func connectRTCP(t *testing.T, l *link, sender, receiver interceptor.Interceptor) {
	receiver.BindRTCPWriter(interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			return 0, err
		}
		select {
		case l.rtcp <- b:
		default:
		}
		return len(b), nil
	}))
	sender.BindRTCPWriter(interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		return 0, nil // sender reports: not needed here
	}))
	r := sender.BindRTCPReader(interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		select {
		case p := <-l.rtcp:
			return copy(b, p), a, nil
		case <-l.closed:
			return 0, nil, io.EOF
		}
	}))
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := r.Read(buf, nil); errors.Is(err, io.EOF) {
				return
			}
		}
	}()
}

// delivered collects what the app reads from a receiver's media stream,
// RTX repairs included.
type delivered struct {
	mu   sync.Mutex
	pkts map[uint16]*rtp.Packet // by sequence number
	dups int
}

func (d *delivered) add(b []byte) {
	p := new(rtp.Packet)
	if err := p.Unmarshal(bytes.Clone(b)); err != nil {
		panic(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pkts == nil {
		d.pkts = map[uint16]*rtp.Packet{}
	}
	if _, ok := d.pkts[p.SequenceNumber]; ok {
		d.dups++
	}
	d.pkts[p.SequenceNumber] = p
}

func (d *delivered) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pkts)
}

func (d *delivered) get(seq uint16) *rtp.Packet {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pkts[seq]
}

// readLoop reads r until it fails, delivering each packet; unwrapRTX
// first undoes RFC 4588 as pion's RTPReceiver does for its repair stream.
func readLoop(r interceptor.RTPReader, d *delivered, unwrapRTX bool) {
	buf := make([]byte, 1500)
	for {
		n, _, err := r.Read(buf, nil)
		if err != nil {
			return
		}
		pkt := buf[:n]
		if unwrapRTX {
			if pkt = unwrapRTXPacket(pkt); pkt == nil {
				continue
			}
		}
		d.add(pkt)
	}
}

// unwrapRTXPacket turns an RTX packet into the packet it repairs, as pion's
// RTPReceiver (maybeStartRepairStreamReader) does: OSN to the header,
// payload type and SSRC of the repaired stream.
func unwrapRTXPacket(b []byte) []byte {
	l, err := parseRTP(b)
	if err != nil || l.end-l.off < 2 {
		return nil
	}
	out := bytes.Clone(b[:l.off])
	out[1] = out[1]&0x80 | ptVP8
	copy(out[2:4], b[l.off:l.off+2])
	binary.BigEndian.PutUint32(out[8:], ssrcCam)
	return append(out, b[l.off+2:]...)
}

// call is a one-way video call from alice to bob over the harness.
type call struct {
	alice, bob     *Factory
	aliceIC, bobIC interceptor.Interceptor
	link           *link
	noRTX          bool                  // alice's stream has no RTX
	writer         interceptor.RTPWriter // alice's app writes here
	got            delivered             // what bob's app reads
	sessA, sessB   *e2ee.Session
}

// newCall wires alice's sending chain to bob's receiving chain. keyed
// gives both Factories matching sessions. bobE2EE false builds bob's chain
// without the Factory: a peer without the key.
func newCall(t *testing.T, keyed, bobE2EE bool) *call {
	return newCallRTX(t, keyed, bobE2EE, true)
}

func newCallRTX(t *testing.T, keyed, bobE2EE, rtx bool) *call {
	t.Helper()
	c := &call{alice: NewFactory(), bob: NewFactory(), link: newLink(t), noRTX: !rtx}
	c.sessA, c.sessB = sessionPair(t)
	if keyed {
		require.NoError(t, c.alice.SetSession(c.sessA))
		require.NoError(t, c.bob.SetSession(c.sessB))
	}
	aliceIC := buildChain(t, c.alice, nil)
	var bobIC interceptor.Interceptor
	if bobE2EE {
		bobIC = buildChain(t, c.bob, nil)
	} else {
		bobIC = buildChain(t, nil, nil)
	}
	c.connect(t, aliceIC, bobIC)
	return c
}

// connect binds alice's video stream and bob's video and RTX streams to the
// chains, as pion's RTPSender and RTPReceiver do, and starts bob's app
// reading.
func (c *call) connect(t *testing.T, aliceIC, bobIC interceptor.Interceptor) {
	c.aliceIC, c.bobIC = aliceIC, bobIC
	connectRTCP(t, c.link, aliceIC, bobIC)
	info := localVideoInfo()
	if c.noRTX {
		info = localVideoInfoNoRTX()
	}
	c.writer = aliceIC.BindLocalStream(info, c.link.transport())
	media, rtx := remoteVideoInfos()
	go readLoop(bobIC.BindRemoteStream(media, c.link.source(ssrcCam)), &c.got, false)
	go readLoop(bobIC.BindRemoteStream(rtx, c.link.source(ssrcRTX)), &c.got, true)
}

// sessionPair runs a real handshake in memory and returns both sides'
// sessions (alice initiator, bob responder).
func sessionPair(t testing.TB, cfg ...e2ee.Config) (alice, bob *e2ee.Session) {
	t.Helper()
	resA, resB := handshake(t)
	var err error
	alice, err = e2ee.NewSession(resA, cfg...)
	require.NoError(t, err)
	bob, err = e2ee.NewSession(resB, cfg...)
	require.NoError(t, err)
	return alice, bob
}

func handshake(t testing.TB) (alice, bob *keyexchange.Result) {
	t.Helper()
	callID := []byte("pioninterceptor test call")
	a, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob"})
	require.NoError(t, err)
	b, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice"})
	require.NoError(t, err)
	msg, err := a.Start()
	require.NoError(t, err)
	for to, other := b, a; msg != nil; to, other = other, to {
		msg, err = to.Handle(msg)
		require.NoError(t, err)
	}
	require.True(t, a.Done())
	require.True(t, b.Done())
	alice, err = a.Result()
	require.NoError(t, err)
	bob, err = b.Result()
	require.NoError(t, err)
	return alice, bob
}

// videoPacket is the i-th packet alice's app writes: header as pion's
// packetizer makes it, and a payload unique to i.
func videoPacket(i int) (*rtp.Header, []byte) {
	h := &rtp.Header{
		Version: 2, PayloadType: ptVP8, SequenceNumber: uint16(1000 + i),
		Timestamp: uint32(3000 * (i / 4)), SSRC: ssrcCam, Marker: i%4 == 3,
	}
	payload := make([]byte, 200+i%700)
	for j := range payload {
		payload[j] = byte(i*7 + j)
	}
	payload[0] = 0x10 // a VP8 payload descriptor: S=1, PID=0
	return h, payload
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

// marshal marshals a packet as pion's SRTP writer does. With the padding in
// the payload (Padding set, PaddingSize 0) it marshals header and payload
// as they are: pion/rtp 1.10.6's MarshalPacketTo mishandles that case.
func marshal(h *rtp.Header, payload []byte) ([]byte, error) {
	if h.Padding && h.PaddingSize == 0 {
		b, err := h.Marshal()
		return append(b, payload...), err
	}
	//lint:ignore SA1019 pion/srtp marshals this way; the test mirrors it
	buf := make([]byte, rtp.PacketMarshalSize(h, payload))
	//lint:ignore SA1019 as above
	n, err := rtp.MarshalPacketTo(buf, h, payload)
	return buf[:n], err
}
