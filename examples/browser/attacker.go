package main

import (
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pionframe"
	"github.com/callseal/callseal/keyexchange"
)

// An attacker is the man in the middle of -mitm, inside the forwarder: the
// attack the check number exists to reveal. It runs a handshake with each
// side, posing towards the page as the Go peer and towards the Go peer as
// the page, with the identities and call ID each expects, so every check
// the handshake makes passes. It then opens each frame with the keys of
// one handshake and seals it again with the other's, so the call works.
// Each check number is fixed by an honest party's contribution after the
// attacker committed to its own (keyexchange, PROTOCOL.md): the two differ
// except with probability 10^-20, and people who compare them catch it.
//
// Callbacks run on pion's goroutines; the fields after mu are locked.
type attacker struct {
	hs    [2]*keyexchange.Handshake // by leg
	ready chan struct{}             // closed when both sessions exist
	stop  chan struct{}             // closed by close

	frames [2]*pionframe.Frames // by leg: opens what that side sends, seals what it receives
	stats  [2]*counter          // by leg: frames opened from that side, sealed to it

	mu     sync.Mutex
	keys   [2]keyed // by leg, once its handshake is done
	done   int
	closed bool
}

// newAttacker returns the attacker of the call callID: its handshake with
// the page has the Go peer's configuration, and the other the page's.
func newAttacker(cfg callConfig, callID string) (*attacker, error) {
	a := &attacker{ready: make(chan struct{}), stop: make(chan struct{}),
		frames: [2]*pionframe.Frames{pionframe.New(), pionframe.New()}, stats: [2]*counter{{}, {}}}
	for leg, c := range [2]keyexchange.Config{legBrowser: cfg.goPeer(callID), legGo: cfg.pagePeer(callID)} {
		hs, err := keyexchange.New(c)
		if err != nil {
			a.close()
			return nil, err
		}
		a.hs[leg] = hs
	}
	return a, nil
}

// attach runs the attacker's handshake with the side of leg over dc.
func (a *attacker) attach(leg int, dc *webrtc.DataChannel) {
	handshakeOver(dc, a.hs[leg], func(err error) {
		k := keyed{err: err}
		if err == nil {
			k = mediaKeys(a.hs[leg])
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.keys[leg] = k
		if k.session != nil && a.frames[leg].SetSession(k.session) != nil {
			k.session.Close()
			a.keys[leg].session = nil
		}
		if a.done++; a.done == 2 && a.keys[0].session != nil && a.keys[1].session != nil && !a.closed {
			close(a.ready)
		}
	})
}

// track returns a track that seals with the keys of the attacker's
// handshake with the side of leg: what the forwarder sends on leg.
func (a *attacker) track(leg int, kind e2ee.MediaKind, c webrtc.RTPCodecCapability, id, stream string) (webrtc.TrackLocal, error) {
	return a.frames[leg].NewTrack(kind, c, id, stream)
}

// reseal opens the frames of track, from the side of leg from, and seals
// them again for the other side on out, once both handshakes are done.
func (a *attacker) reseal(from int, track *webrtc.TrackRemote, out *pionframe.Track) {
	select {
	case <-a.ready:
	case <-a.stop:
		return
	}
	openTrack(a.frames[from], track, a.stats[from], func(kind e2ee.MediaKind, frame []byte, d time.Duration) {
		if out.WriteSample(media.Sample{Data: frame, Duration: d}) == nil {
			a.stats[other(from)].sealed(kind)
		}
	})
}

// checkNumbers returns the check numbers of the attacker's handshakes, by
// leg ("" until one is done).
func (a *attacker) checkNumbers() [2]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return [2]string{a.keys[0].checkNumber, a.keys[1].checkNumber}
}

func (a *attacker) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.closed = true
	close(a.stop)
	for leg := range a.hs {
		if a.hs[leg] != nil {
			a.hs[leg].Wipe()
		}
		if s := a.keys[leg].session; s != nil {
			s.Close()
		}
	}
}
