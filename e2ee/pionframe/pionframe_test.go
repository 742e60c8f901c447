package pionframe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
)

var (
	secretA = bytes.Repeat([]byte{0xa1}, 32) // alice → bob
	secretB = bytes.Repeat([]byte{0xb2}, 32) // bob → alice
)

var (
	opusCap = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	vp8Cap  = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
)

// newPC returns a PeerConnection that gathers loopback candidates only.
func newPC(t *testing.T) *webrtc.PeerConnection {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool {
		ifi, err := net.InterfaceByName(name)
		return err == nil && ifi.Flags&net.FlagLoopback != 0
	})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	m := &webrtc.MediaEngine{}
	require.NoError(t, m.RegisterDefaultCodecs())
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	return pc
}

// localDescription sets desc as pc's local description, waits for ICE
// gathering and returns the complete description.
func localDescription(t *testing.T, pc *webrtc.PeerConnection, desc webrtc.SessionDescription) webrtc.SessionDescription {
	t.Helper()
	done := webrtc.GatheringCompletePromise(pc)
	require.NoError(t, pc.SetLocalDescription(desc))
	<-done
	return *pc.LocalDescription()
}

// testFrame returns frame i of a stream: Opus frames of 40-200 bytes, VP8
// frames of 1-30 kB (a key frame every 10th), each with i in bytes 10-13.
func testFrame(codec e2ee.FrameCodec, i int) []byte {
	n := 40 + i*37%160
	if codec == e2ee.CodecVP8 {
		n = 1000 + i*7919%29000
	}
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i + j*13)
	}
	binary.BigEndian.PutUint32(b[10:], uint32(i))
	if codec == e2ee.CodecVP8 {
		b[0] |= 1 // delta frame
		if i%10 == 0 {
			b[0] &^= 1 // key frame
		}
	}
	return b
}

type endpoint struct {
	pc     *webrtc.PeerConnection
	fr     *Frames
	tracks []*Track
	mu     sync.Mutex
	got    map[e2ee.MediaKind][][]byte // opened frames by kind
}

func newEndpoint(t *testing.T, send, recv []byte) *endpoint {
	ep := &endpoint{pc: newPC(t), fr: New(), got: map[e2ee.MediaKind][][]byte{}}
	for _, tc := range []struct {
		kind e2ee.MediaKind
		cap  webrtc.RTPCodecCapability
	}{{e2ee.Audio, opusCap}, {e2ee.Video, vp8Cap}} {
		tr, err := ep.fr.NewTrack(tc.kind, tc.cap, tc.kind.String(), "callseal")
		require.NoError(t, err)
		_, err = ep.pc.AddTrack(tr)
		require.NoError(t, err)
		ep.tracks = append(ep.tracks, tr)
	}
	ep.pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		r, err := ep.fr.NewReader(track)
		if err != nil {
			panic(err)
		}
		go func() {
			for {
				s, kind, err := r.ReadSample()
				if err != nil {
					return
				}
				ep.mu.Lock()
				ep.got[kind] = append(ep.got[kind], bytes.Clone(s.Data))
				ep.mu.Unlock()
			}
		}()
	})
	sess, err := e2ee.NewSessionFromSecrets(send, recv)
	require.NoError(t, err)
	require.NoError(t, ep.fr.SetSession(sess))
	return ep
}

func (ep *endpoint) count(kind e2ee.MediaKind) int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return len(ep.got[kind])
}

// connect runs offer and answer between a and b, each announcing frame
// mode and enforcing it on the other's description.
func connect(t *testing.T, a, b *endpoint) {
	offer, err := a.pc.CreateOffer(nil)
	require.NoError(t, err)
	offer, err = Announce(localDescription(t, a.pc, offer), ModeFrame)
	require.NoError(t, err)
	require.NoError(t, b.pc.SetRemoteDescription(offer))
	require.NoError(t, Enforce(b.pc, offer, ModeFrame, true))
	answer, err := b.pc.CreateAnswer(nil)
	require.NoError(t, err)
	answer, err = Announce(localDescription(t, b.pc, answer), ModeFrame)
	require.NoError(t, err)
	require.NoError(t, a.pc.SetRemoteDescription(answer))
	require.NoError(t, Enforce(a.pc, answer, ModeFrame, true))
}

// TestLoopbackCall sends audio and video both ways between two pion
// PeerConnections on loopback, sealed per frame before pion's packetizer
// and opened after the samplebuilder: every frame arrives opened, in order
// and byte-identical, and none fails to open.
func TestLoopbackCall(t *testing.T) {
	alice, bob := newEndpoint(t, secretA, secretB), newEndpoint(t, secretB, secretA)
	var connected sync.WaitGroup
	for _, ep := range []*endpoint{alice, bob} {
		connected.Add(1)
		var once sync.Once
		ep.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateConnected {
				once.Do(connected.Done)
			}
		})
	}
	connect(t, alice, bob)
	waitOrFail(t, &connected, 30*time.Second)

	// The samplebuilder emits a frame once a packet of the next one has
	// arrived, so a few frames more are sent than checked.
	const frames, extra, maxLost = 60, 5, 3
	var wg sync.WaitGroup
	for _, ep := range []*endpoint{alice, bob} {
		for _, tr := range ep.tracks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codec, _ := frameCodec(tr.Codec().MimeType)
				for i := range frames + extra {
					if err := tr.WriteSample(media.Sample{Data: testFrame(codec, i), Duration: 20 * time.Millisecond}); err != nil {
						panic(err)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
		}
	}
	wg.Wait()
	// Every frame received opens to the frame sent: in order, none missing
	// after the first (frames written before pion has bound the receiving
	// side may be lost on the way, as any RTP packet may), up to the last
	// one checked.
	deadline := time.Now().Add(30 * time.Second)
	for _, ep := range []*endpoint{bob, alice} {
		for _, kind := range []e2ee.MediaKind{e2ee.Audio, e2ee.Video} {
			for ep.count(kind) < frames-maxLost && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	for name, ep := range map[string]*endpoint{"bob": bob, "alice": alice} {
		ep.mu.Lock()
		for _, kind := range []e2ee.MediaKind{e2ee.Audio, e2ee.Video} {
			got := ep.got[kind]
			require.GreaterOrEqual(t, len(got), frames-maxLost, "%s %v: frames opened", name, kind)
			codec := e2ee.CodecOpus
			if kind == e2ee.Video {
				codec = e2ee.CodecVP8
			}
			first := int(binary.BigEndian.Uint32(got[0][10:]))
			require.LessOrEqual(t, first, maxLost, "%s %v: first frame", name, kind)
			for j, f := range got {
				require.Equal(t, testFrame(codec, first+j), f, "%s %v: frame %d", name, kind, first+j)
			}
			require.GreaterOrEqual(t, first+len(got), frames, "%s %v: frames", name, kind)
		}
		ep.mu.Unlock()
		st := ep.fr.Stats()
		require.Zero(t, st.Rejected, "%s: %+v", name, st)
		require.Zero(t, st.Replayed, "%s: %+v", name, st)
		require.Zero(t, st.NoSession, "%s: %+v", name, st)
		require.Zero(t, st.SealFailed, "%s: %+v", name, st)
		require.Equal(t, uint64(2*(frames+extra)), st.Sealed, name)
		require.GreaterOrEqual(t, st.Opened, uint64(2*(frames-maxLost)), name)
	}
	fmt.Fprintf(testWriter{t}, "alice %+v\nbob %+v\n", alice.fr.Stats(), bob.fr.Stats())
}

func waitOrFail(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("not connected after %v", d)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }
