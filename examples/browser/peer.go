package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pionframe"
	"github.com/callseal/callseal/keyexchange"
)

// goPeer is the Go side of one call: a pion PeerConnection that answers the
// forwarder's offer, runs the callseal handshake over the forwarder's data
// channel, then sends the embedded media sealed in frame mode and opens
// what the page sends. Its tracks carry nothing before the E2EE session
// exists, so no clear frame is ever sent.
//
// pion calls its callbacks on its own goroutines; the Handshake, the
// e2ee.Session and pionframe are safe for concurrent use, the counters are
// locked, and report runs at most once.
type goPeer struct {
	pc     *webrtc.PeerConnection
	hs     *keyexchange.Handshake
	callID string
	clips  [2]*clip
	frames *pionframe.Frames   // seals for tracks, opens for readers, once the session is set
	tracks [2]*pionframe.Track // by kind: audio, video
	stats  counter

	ready   chan struct{} // closed once session is set
	session *e2ee.Session
	stop    chan struct{} // closed by close

	opened   func(kind e2ee.MediaKind, frame []byte, d time.Duration) // tests: each opened frame; nil drops them
	report   func(callResult)
	reportMu sync.Once
	closeMu  sync.Once
	onClose  func() // called once when the call ends
}

// newGoPeer returns the Go peer of one call; report receives its outcome
// once the handshake completed or failed, and onClose runs once when the
// call ends.
func newGoPeer(cfg keyexchange.Config, c [2]*clip, report func(callResult), onClose func()) (*goPeer, error) {
	hs, err := keyexchange.New(cfg)
	if err != nil {
		return nil, err
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{}) // host candidates only: no STUN or TURN
	if err != nil {
		return nil, err
	}
	p := &goPeer{pc: pc, hs: hs, callID: string(cfg.CallID), clips: c, report: report, onClose: onClose,
		frames: pionframe.New(), ready: make(chan struct{}), stop: make(chan struct{})}
	for _, cl := range c {
		codec := opusCodec
		if cl.kind == e2ee.Video {
			codec = vp8Codec
		}
		if p.tracks[cl.kind], err = p.frames.NewTrack(cl.kind, codec, cl.kind.String(), "callseal-go"); err != nil {
			_ = pc.Close()
			return nil, err
		}
	}
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		if dc.Label() == handshakeChannel {
			handshakeOver(dc, hs, p.finish)
		}
	})
	pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		select {
		case <-p.ready: // pion buffers the first packets meanwhile
		case <-p.stop:
			return
		}
		openTrack(p.frames, track, &p.stats, p.opened)
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			p.finish(fmt.Errorf("PeerConnection %s", s))
			go p.close() // not from pion's callback: Close waits for it
		}
	})
	return p, nil
}

// answer sets the forwarder's offer, adds the peer's two tracks and returns
// the complete answer, after ICE gathering (no trickle ICE), announcing
// frame mode (a=callseal-sframe:frame) on its audio and video sections.
// The peer requires E2EE: an offer that does not announce frame mode on
// every audio and video section is refused, fail closed, with an error
// wrapping pionframe.ErrPeerNotCapable (also reported); its transceivers
// are stopped and no answer is made, so no media is sent or received.
func (p *goPeer) answer(ctx context.Context, offer webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	if err := p.pc.SetRemoteDescription(offer); err != nil {
		return webrtc.SessionDescription{}, err
	}
	if err := pionframe.Enforce(p.pc, offer, pionframe.ModeFrame, true); err != nil {
		p.finish(err)
		return webrtc.SessionDescription{}, err
	}
	for _, t := range p.tracks {
		sender, err := p.pc.AddTrack(t)
		if err != nil {
			return webrtc.SessionDescription{}, err
		}
		go drainRTCP(sender)
	}
	answer, err := answerComplete(ctx, p.pc)
	if err != nil {
		return webrtc.SessionDescription{}, err
	}
	return pionframe.Announce(answer, pionframe.ModeFrame)
}

// answerComplete creates pc's answer and returns it once ICE gathering is
// complete.
func answerComplete(ctx context.Context, pc *webrtc.PeerConnection) (webrtc.SessionDescription, error) {
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return webrtc.SessionDescription{}, err
	}
	return setLocalComplete(ctx, pc, answer)
}

// setLocalComplete sets desc as pc's local description and returns it
// with the gathered candidates, once ICE gathering is complete.
func setLocalComplete(ctx context.Context, pc *webrtc.PeerConnection, desc webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return webrtc.SessionDescription{}, err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return webrtc.SessionDescription{}, ctx.Err()
	}
	return *pc.LocalDescription(), nil
}

// drainRTCP reads a sender's RTCP so that pion's interceptors run; the
// peer does not act on it (the embedded clips have a key frame every 2 s).
func drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// finish reports the call's outcome once: the check number when the
// handshake completed, else err; with an E2EE session, the media starts.
func (p *goPeer) finish(err error) {
	p.reportMu.Do(func() {
		r := callResult{callID: p.callID, err: err, peer: p}
		if err == nil {
			k := mediaKeys(p.hs)
			r.suite, r.checkNumber, r.err = k.suite, k.checkNumber, k.err
			if k.session != nil {
				if r.err = p.frames.SetSession(k.session); r.err != nil {
					k.session.Close()
					p.report(r)
					return
				}
				p.session = k.session
				close(p.ready)
				for _, c := range p.clips {
					go p.send(c)
				}
			}
		}
		p.report(r)
	})
}

// send seals the frames of c in a loop, at the clip's frame rate, until the
// call ends.
func (p *goPeer) send(c *clip) {
	tick := time.NewTicker(c.step)
	defer tick.Stop()
	for i := 0; ; i = (i + 1) % len(c.frames) {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		if err := p.tracks[c.kind].WriteSample(media.Sample{Data: c.frames[i], Duration: c.step}); err != nil {
			return
		}
		p.stats.sealed(c.kind)
	}
}

// close ends the call and wipes the handshake and the E2EE keys; it may be
// called more than once.
func (p *goPeer) close() {
	p.closeMu.Do(func() {
		close(p.stop)
		_ = p.pc.Close()
		p.hs.Wipe()
		p.reportMu.Do(func() {}) // no report after close
		if p.session != nil {
			p.session.Close()
		}
		p.onClose()
	})
}
