package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pioninterceptor"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

// A peer is one party of the call: a pion PeerConnection whose interceptor
// chain ends with callseal's E2EE interceptor, the callseal handshake that
// runs over its data channel, its outgoing tracks and what it receives.
type peer struct {
	name string
	role keyexchange.Role
	e2ee *pioninterceptor.Factory
	loss *dropper
	pc   *webrtc.PeerConnection
	hs   *keyexchange.Handshake
	recv receiver

	tracks map[string]*webrtc.TrackLocalStaticSample // by track ID
	kinds  map[string]e2ee.MediaKind                 // E2EE key of each track

	dc       atomic.Pointer[webrtc.DataChannel]
	keyed    chan string         // the check number, once the handshake is done
	ready    chan struct{}       // the peer has its keys
	done     chan map[string]int // the peer sent everything: frames per track
	failed   chan error
	failOne  sync.Once
	readyOne sync.Once
}

// control is a text message on the data channel; the handshake messages
// are binary.
type control struct {
	Type   string         `json:"type"`             // "ready" or "done"
	Frames map[string]int `json:"frames,omitempty"` // done: frames sent per track ID
}

// newPeer builds a PeerConnection that gathers only loopback UDP host
// candidates, with pion's default codecs and interceptors, a loss
// simulator innermost and the E2EE interceptor last.
func newPeer(name, peerName string, role keyexchange.Role, callID []byte, dropEvery int) (*peer, error) {
	p := &peer{
		name: name, role: role,
		e2ee:   pioninterceptor.NewFactory(),
		loss:   &dropper{every: int64(dropEvery)},
		recv:   receiver{tracks: map[string]*recvTrack{}},
		tracks: map[string]*webrtc.TrackLocalStaticSample{},
		kinds:  map[string]e2ee.MediaKind{},
		keyed:  make(chan string, 1),
		ready:  make(chan struct{}),
		done:   make(chan map[string]int, 1),
		failed: make(chan error, 1),
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	// NACK for audio too (pion registers it for video): a lost audio packet
	// is resent as it was, on its own SSRC (there is no audio RTX codec).
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeAudio)
	ir := &interceptor.Registry{}
	ir.Add(p.loss) // first = innermost: drops packets as the network would
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
	}
	ir.Add(p.e2ee) // last = outermost: seals before NACK buffering, opens last

	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(isLoopbackInterface)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)

	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{}) // no STUN or TURN servers
	if err != nil {
		return nil, err
	}
	p.pc = pc
	p.hs, err = keyexchange.New(keyexchange.Config{Role: role, CallID: callID, LocalID: name, PeerID: peerName})
	if err != nil {
		return nil, err
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go p.recv.read(t) })
	pc.OnDataChannel(p.attach)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			p.fail(errors.New("PeerConnection failed"))
		}
	})
	return p, nil
}

func isLoopbackInterface(name string) bool {
	ifi, err := net.InterfaceByName(name)
	return err == nil && ifi.Flags&net.FlagLoopback != 0
}

// addTracks adds one outgoing track per source and tells the E2EE
// interceptor each track's media kind (the "screen" track ID prefix makes
// the screen track ScreenShare).
func (p *peer) addTracks(sources []*source) error {
	for _, s := range sources {
		capability := webrtc.RTPCodecCapability{MimeType: s.mimeType, ClockRate: 90000}
		if s.mimeType == webrtc.MimeTypeOpus {
			capability = webrtc.RTPCodecCapability{MimeType: s.mimeType, ClockRate: 48000, Channels: 2}
		}
		track, err := webrtc.NewTrackLocalStaticSample(capability, s.trackID, p.name)
		if err != nil {
			return err
		}
		sender, err := p.pc.AddTrack(track)
		if err != nil {
			return err
		}
		p.kinds[s.trackID] = p.e2ee.RegisterSender(sender)
		p.tracks[s.trackID] = track
		// Read RTCP so that the interceptors see NACKs and reports.
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	return nil
}

// attach runs the handshake and the control messages over dc.
func (p *peer) attach(dc *webrtc.DataChannel) {
	p.dc.Store(dc)
	dc.OnOpen(func() {
		if p.role != keyexchange.Initiator {
			return
		}
		commit, err := p.hs.Start()
		if err != nil {
			p.fail(fmt.Errorf("handshake start: %w", err))
			return
		}
		p.send(commit)
	})
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		if msg.IsString {
			p.onControl(msg.Data)
			return
		}
		p.onHandshake(msg.Data)
	})
}

// onHandshake feeds a handshake message to the state machine, sends the
// reply, and keys the E2EE interceptor when the handshake is done.
func (p *peer) onHandshake(msg []byte) {
	wasDone := p.hs.Done()
	reply, err := p.hs.Handle(msg)
	if err != nil {
		p.fail(fmt.Errorf("handshake: %w", err))
		return
	}
	if reply != nil {
		p.send(reply)
	}
	if wasDone || !p.hs.Done() {
		return
	}
	res, err := p.hs.Result()
	if err != nil {
		p.fail(err)
		return
	}
	sess, err := e2ee.NewSession(res)
	if err != nil {
		p.fail(err)
		return
	}
	if err := p.e2ee.SetSession(sess); err != nil {
		p.fail(err)
		return
	}
	p.keyed <- verify.CheckNumber(res)
	p.sendControl(control{Type: "ready"})
}

func (p *peer) onControl(data []byte) {
	var c control
	if err := json.Unmarshal(data, &c); err != nil {
		p.fail(fmt.Errorf("control message: %w", err))
		return
	}
	switch c.Type {
	case "ready":
		p.readyOne.Do(func() { close(p.ready) })
	case "done":
		p.done <- c.Frames
	}
}

func (p *peer) send(msg []byte) {
	if err := p.dc.Load().Send(msg); err != nil {
		p.fail(fmt.Errorf("data channel: %w", err))
	}
}

func (p *peer) sendControl(c control) {
	b, _ := json.Marshal(c)
	if err := p.dc.Load().SendText(string(b)); err != nil {
		p.fail(fmt.Errorf("data channel: %w", err))
	}
}

func (p *peer) fail(err error) {
	p.failOne.Do(func() { p.failed <- fmt.Errorf("%s: %w", p.name, err) })
}

// A dropper loses every every-th non-final packet of each outgoing video
// stream once, just above SRTP, as a lossy network would; the NACK
// generator of the receiver asks for it and the NACK responder resends it
// as RTX. (The last packet of a frame is never dropped, so that a later
// packet always reveals the gap.)
type dropper struct {
	every   int64
	n       atomic.Int64
	dropped atomic.Int64
}

func (d *dropper) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &dropInterceptor{d: d}, nil
}

type dropInterceptor struct {
	interceptor.NoOp
	d *dropper
}

func (i *dropInterceptor) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if i.d.every <= 0 || !strings.HasPrefix(info.MimeType, "video/") {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h.SSRC == info.SSRC && !h.Marker && i.d.n.Add(1)%i.d.every == 0 {
			i.d.dropped.Add(1)
			return len(payload), nil
		}
		return w.Write(h, payload, a)
	})
}
