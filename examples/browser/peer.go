package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

// handshakeChannel is the label of the data channel the page opens for the
// callseal handshake; its binary messages are handshake messages.
const handshakeChannel = "callseal-handshake"

// goPeer is the Go side of one call: a pion PeerConnection answering the
// page, and the callseal handshake over the page's data channel. It adds
// no media track: the media will be sealed end to end in frame mode, and
// no track will exist before that, so nothing can fall back to clear media.
//
// pion calls its callbacks on its own goroutines; the Handshake is safe for
// concurrent use and report runs at most once.
type goPeer struct {
	pc       *webrtc.PeerConnection
	hs       *keyexchange.Handshake
	callID   string
	report   func(callResult)
	reportMu sync.Once
	closeMu  sync.Once
	onClose  func() // called once when the call ends
}

// newGoPeer returns the Go peer of one call; report receives its outcome
// and onClose runs once when the call ends (the page left, the connection
// failed, or close).
func newGoPeer(cfg keyexchange.Config, report func(callResult), onClose func()) (*goPeer, error) {
	hs, err := keyexchange.New(cfg)
	if err != nil {
		return nil, err
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{}) // host candidates only: no STUN or TURN
	if err != nil {
		return nil, err
	}
	p := &goPeer{pc: pc, hs: hs, callID: string(cfg.CallID), report: report, onClose: onClose}
	pc.OnDataChannel(p.attach)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			p.finish(fmt.Errorf("PeerConnection %s", s))
			go p.close() // not from pion's callback: Close waits for it
		}
	})
	return p, nil
}

// answer sets the page's offer and returns the complete answer, after ICE
// gathering (no trickle ICE).
func (p *goPeer) answer(ctx context.Context, offer webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	if err := p.pc.SetRemoteDescription(offer); err != nil {
		return webrtc.SessionDescription{}, err
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return webrtc.SessionDescription{}, err
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(answer); err != nil {
		return webrtc.SessionDescription{}, err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return webrtc.SessionDescription{}, ctx.Err()
	}
	return *p.pc.LocalDescription(), nil
}

// attach runs the handshake over the page's data channel.
func (p *goPeer) attach(dc *webrtc.DataChannel) {
	if dc.Label() != handshakeChannel {
		return
	}
	dc.OnOpen(func() {
		if p.hs.State() != keyexchange.StateStart {
			return
		}
		commit, err := p.hs.Start()
		if err != nil {
			p.finish(fmt.Errorf("handshake start: %w", err))
			return
		}
		p.send(dc, commit)
	})
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		if msg.IsString {
			return // the handshake is binary; text is for the page's own use
		}
		reply, err := p.hs.Handle(msg.Data)
		if err != nil {
			// The state is unchanged; a genuine message may still come.
			p.finish(fmt.Errorf("handshake: %w", err))
			return
		}
		if reply != nil {
			p.send(dc, reply)
		}
		if p.hs.Done() {
			p.finish(nil)
		}
	})
}

func (p *goPeer) send(dc *webrtc.DataChannel, msg []byte) {
	if err := dc.Send(msg); err != nil {
		p.finish(fmt.Errorf("data channel: %w", err))
	}
}

// finish reports the call's outcome once: the check number when the
// handshake completed, else err. The media E2EE session will take the
// Result's media secrets here.
func (p *goPeer) finish(err error) {
	p.reportMu.Do(func() {
		r := callResult{callID: p.callID, err: err}
		if err == nil {
			res, rerr := p.hs.Result()
			if res == nil {
				r.err = rerr
			} else {
				// A *PolicyError comes with the Result: the check number
				// is shown whatever the policy decided.
				r.suite, r.checkNumber = res.Suite().String(), verify.CheckNumber(res)
				r.err = rerr
				res.DropSecrets() // no media yet: nothing takes them
			}
		}
		p.report(r)
	})
}

// close ends the call and wipes the handshake; it may be called more than
// once.
func (p *goPeer) close() {
	p.closeMu.Do(func() {
		_ = p.pc.Close()
		p.hs.Wipe()
		p.onClose()
	})
}
