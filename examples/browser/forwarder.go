package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pionframe"
)

// The two legs of the forwarder.
const (
	legBrowser = 0 // the page's PeerConnection
	legGo      = 1 // the Go peer's PeerConnection
)

// other returns the other leg.
func other(leg int) int { return 1 - leg }

// forwarder sits between the page and the Go peer as an SFU does: it
// terminates DTLS-SRTP on both legs (two PeerConnections) and forwards each
// RTP packet from one leg to the other with its payload untouched (the
// sealed frame's bytes), and the handshake's data channel messages
// likewise. It reads no payload: it counts packets and bytes. With an
// attacker (-mitm) it is instead a man in the middle that runs a handshake
// with each side and re-seals every frame (attacker.go).
//
// The callbacks run on pion's goroutines; the counters are locked; close
// may be called more than once.
type forwarder struct {
	legs [2]*webrtc.PeerConnection
	out  [2][2]webrtc.TrackLocal // out[leg][kind]: what the forwarder sends on leg
	hsDC [2]*webrtc.DataChannel  // the handshake channel of each leg, once known
	mitm *attacker               // nil: an honest forwarder

	mu      sync.Mutex
	flows   forwardStats
	open    [2]bool     // hsDC[leg] is open
	pending [2][][]byte // handshake messages waiting for hsDC[leg] to open

	tap       func(from int, kind e2ee.MediaKind, payload []byte) // tests: sees each forwarded payload
	closeOnce sync.Once
	onClose   func()
}

// forwardStats counts the RTP packets and payload bytes the forwarder
// passed on, by the leg they came from and media kind; Padding counts the
// packets with an empty payload (bandwidth probes).
type forwardStats struct {
	Packets, Bytes, Padding [2][2]int
}

// newForwarder returns the forwarder of one call: an honest one when mitm
// is nil. onClose runs once when either leg ends.
func newForwarder(mitm *attacker, tap func(int, e2ee.MediaKind, []byte), onClose func()) (*forwarder, error) {
	f := &forwarder{mitm: mitm, tap: tap, onClose: onClose}
	for leg := range f.legs {
		pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			f.close()
			return nil, err
		}
		f.legs[leg] = pc
		for kind, codec := range []webrtc.RTPCodecCapability{opusCodec, vp8Codec} {
			id, stream := e2ee.MediaKind(kind).String(), fmt.Sprintf("callseal-forwarder-%d", leg)
			if mitm != nil {
				f.out[leg][kind], err = mitm.track(leg, e2ee.MediaKind(kind), codec, id, stream)
			} else {
				f.out[leg][kind], err = webrtc.NewTrackLocalStaticRTP(codec, id, stream)
			}
			if err != nil {
				f.close()
				return nil, err
			}
		}
		pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { f.pump(leg, track) })
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
				go f.close()
			}
		})
	}
	f.legs[legBrowser].OnDataChannel(func(dc *webrtc.DataChannel) {
		if dc.Label() == handshakeChannel {
			f.attach(legBrowser, dc)
		}
	})
	dc, err := f.legs[legGo].CreateDataChannel(handshakeChannel, nil)
	if err != nil {
		f.close()
		return nil, err
	}
	f.attach(legGo, dc)
	return f, nil
}

// attach connects the handshake channel of leg: to the attacker's
// handshake with that side, or to the other leg's channel.
func (f *forwarder) attach(leg int, dc *webrtc.DataChannel) {
	f.mu.Lock()
	f.hsDC[leg] = dc
	f.mu.Unlock()
	if f.mitm != nil {
		f.mitm.attach(leg, dc)
		return
	}
	dc.OnOpen(func() {
		f.mu.Lock()
		f.open[leg] = true
		queued := f.pending[leg]
		f.pending[leg] = nil
		f.mu.Unlock()
		for _, msg := range queued {
			_ = dc.Send(msg)
		}
	})
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		if msg.IsString {
			return // only the handshake crosses
		}
		to := other(leg)
		f.mu.Lock()
		if !f.open[to] {
			f.pending[to] = append(f.pending[to], msg.Data)
			f.mu.Unlock()
			return
		}
		dc := f.hsDC[to]
		f.mu.Unlock()
		_ = dc.Send(msg.Data)
	})
}

// offerGo returns the complete offer of the Go leg, with the forwarder's
// two tracks and the handshake channel, and the E2EE mode the page's offer
// announces (relayMode).
func (f *forwarder) offerGo(ctx context.Context, page webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	for _, t := range f.out[legGo] {
		sender, err := f.legs[legGo].AddTrack(t)
		if err != nil {
			return webrtc.SessionDescription{}, err
		}
		go drainRTCP(sender)
	}
	offer, err := f.legs[legGo].CreateOffer(nil)
	if err != nil {
		return webrtc.SessionDescription{}, err
	}
	if offer, err = setLocalComplete(ctx, f.legs[legGo], offer); err != nil {
		return webrtc.SessionDescription{}, err
	}
	return relayMode(page, offer)
}

// acceptGo sets the Go peer's answer.
func (f *forwarder) acceptGo(answer webrtc.SessionDescription) error {
	return f.legs[legGo].SetRemoteDescription(answer)
}

// answerBrowser answers the page's offer with the forwarder's two tracks
// and the E2EE mode the Go peer's answer announces (relayMode).
func (f *forwarder) answerBrowser(ctx context.Context, offer, goAnswer webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	pc := f.legs[legBrowser]
	if err := pc.SetRemoteDescription(offer); err != nil {
		return webrtc.SessionDescription{}, err
	}
	for _, t := range f.out[legBrowser] {
		sender, err := pc.AddTrack(t)
		if err != nil {
			return webrtc.SessionDescription{}, err
		}
		go drainRTCP(sender)
	}
	answer, err := answerComplete(ctx, pc)
	if err != nil {
		return webrtc.SessionDescription{}, err
	}
	return relayMode(goAnswer, answer)
}

// relayMode returns desc with the E2EE mode that from announces
// (pionframe.Attribute) on its audio and video sections: the forwarder
// passes the announcement on unchanged, as it passes the sealed frames.
// When from does not announce one mode on all of them, desc goes on
// without the attribute, and the side that receives it refuses the call:
// stripping the attribute can make a call fail, never run in clear.
// Errors: pionframe.ErrInvalidSDP.
func relayMode(from, desc webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	modes, err := pionframe.PeerModes(from)
	if err != nil {
		return desc, err
	}
	mode := pionframe.ModeNone
	for _, m := range modes {
		if m == pionframe.ModeNone || (mode != pionframe.ModeNone && m != mode) {
			return desc, nil
		}
		mode = m
	}
	if mode == pionframe.ModeNone {
		return desc, nil
	}
	return pionframe.Announce(desc, mode)
}

// pump forwards a remote track of leg to the other leg: packet by packet
// when honest, frame by frame through the attacker otherwise.
func (f *forwarder) pump(from int, track *webrtc.TrackRemote) {
	kind, ok := mediaKind(track.Kind())
	if !ok {
		return
	}
	if f.mitm != nil {
		f.mitm.reseal(from, track, f.out[other(from)][kind].(*pionframe.Track))
		return
	}
	out := f.out[other(from)][kind].(*webrtc.TrackLocalStaticRTP)
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.flows.Packets[from][kind]++
		f.flows.Bytes[from][kind] += len(pkt.Payload)
		if len(pkt.Payload) == 0 {
			f.flows.Padding[from][kind]++
		}
		f.mu.Unlock()
		if f.tap != nil {
			f.tap(from, kind, pkt.Payload)
		}
		// Header extensions are per hop (their IDs are negotiated per
		// leg), as an SFU rewrites them; the payload passes untouched.
		pkt.Header.Extension, pkt.Header.Extensions = false, nil
		if err := out.WriteRTP(pkt); err != nil {
			return
		}
	}
}

// stats returns what the forwarder passed on so far.
func (f *forwarder) stats() forwardStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flows
}

// close ends both legs.
func (f *forwarder) close() {
	f.closeOnce.Do(func() {
		for _, pc := range f.legs {
			if pc != nil {
				_ = pc.Close()
			}
		}
		if f.mitm != nil {
			f.mitm.close()
		}
		if f.onClose != nil {
			f.onClose()
		}
	})
}
