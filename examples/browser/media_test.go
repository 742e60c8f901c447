package main

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/callseal/callseal/e2ee"
)

// Frame counts a call must reach, each way, before the test looks at the
// statistics: about 3 s of audio and of video.
const (
	wantAudioFrames = 150 // Opus frames of 20 ms
	wantVideoFrames = 30  // VP8 frames (the page's camera sends about 20 per second, the Go peer 15)
	mediaTimeout    = 60 * time.Second
)

// fingerprintSize is the length, in bytes, of the run of a clear frame
// that must not appear in any payload the forwarder passed on.
const fingerprintSize = 16

// fingerprint returns the first fingerprintSize bytes of frame after its
// clear codec header, or nil when the frame is too short.
func fingerprint(codec e2ee.FrameCodec, frame []byte) []byte {
	n := 0
	if codec == e2ee.CodecVP8 {
		n = e2ee.VP8DeltaFrameHeaderSize
		if frame[0]&1 == 0 {
			n = e2ee.VP8KeyFrameHeaderSize
		}
	}
	if len(frame) < n+fingerprintSize {
		return nil
	}
	return frame[n : n+fingerprintSize]
}

// wire records what the forwarder passed on and the clear frames of both
// sides, to show that no clear frame crossed the forwarder.
type wire struct {
	mu       sync.Mutex
	payloads [2][2][][]byte                   // by leg and kind
	clear    map[[fingerprintSize]byte]string // fingerprints of clear frames: which side sent them
}

func (w *wire) tap(from int, kind e2ee.MediaKind, payload []byte) {
	w.mu.Lock()
	w.payloads[from][kind] = append(w.payloads[from][kind], bytes.Clone(payload))
	w.mu.Unlock()
}

func (w *wire) addClear(codec e2ee.FrameCodec, frame []byte, side string) {
	if fp := fingerprint(codec, frame); fp != nil {
		w.mu.Lock()
		w.clear[[fingerprintSize]byte(fp)] = side
		w.mu.Unlock()
	}
}

// leaks returns how many forwarded payloads contain a run of a clear
// frame, of how many, and the number of clear frame fingerprints.
func (w *wire) leaks() (leaks, scanned, fingerprints int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, byKind := range w.payloads {
		for _, ps := range byKind {
			for _, p := range ps {
				scanned++
				for i := 0; i+fingerprintSize <= len(p); i++ {
					if _, ok := w.clear[[fingerprintSize]byte(p[i:i+fingerprintSize])]; ok {
						leaks++
						break
					}
				}
			}
		}
	}
	return leaks, scanned, len(w.clear)
}

// TestBrowserMedia runs a call with media both ways between headless
// Chromium (fake camera and microphone; callseal's module sealing and
// opening every frame in an RTCRtpScriptTransform worker) and the Go peer
// (the embedded Opus and VP8 clips), through the honest forwarder. Both
// sides show the same check number; every frame each side received opened
// (no authentication failure on either side); the browser's decoders
// decoded the opened frames; and no payload the forwarder passed on
// contains a run of any clear frame.
func TestBrowserMedia(t *testing.T) {
	bctx := newChromium(t)
	cfg, err := newCallConfig("hybrid", "browser")
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{clear: map[[fingerprintSize]byte]string{}}
	media, err := clips()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range media {
		for _, f := range c.frames {
			w.addClear(frameCodecOf(c.kind), f, "go")
		}
	}
	start := time.Now()
	r := runCall(t, bctx, cfg, hooks{
		tap: w.tap,
		opened: func(kind e2ee.MediaKind, frame []byte, _ time.Duration) {
			w.addClear(frameCodecOf(kind), frame, "browser")
		},
	})
	if r.goPeer.err != nil {
		t.Fatalf("Go peer: %v", r.goPeer.err)
	}
	if r.page.CheckNumber != r.goPeer.checkNumber || !checkNumberRE.MatchString(r.page.CheckNumber) {
		t.Fatalf("check numbers: page %q, Go %q", r.page.CheckNumber, r.goPeer.checkNumber)
	}
	select {
	case n := <-r.compare:
		if n[0] != n[1] {
			t.Errorf("the server compared %q (page) and %q (Go)", n[0], n[1])
		}
	case <-time.After(10 * time.Second):
		t.Error("the page did not report its check number")
	}

	// Wait until enough frames went each way, then check the counts.
	var ps pageStats
	var gs mediaStats
	deadline := time.Now().Add(mediaTimeout)
	for {
		ps, gs = r.pageStats(t), r.goPeer.peer.stats.snapshot(r.goPeer.peer.frames)
		in, out := ps.Worker["receive"], ps.Worker["send"]
		if in["audio"].Passed >= wantAudioFrames && in["video"].Passed >= wantVideoFrames &&
			out["audio"].Passed >= wantAudioFrames && out["video"].Passed >= wantVideoFrames &&
			gs.Opened[e2ee.Audio] >= wantAudioFrames && gs.Opened[e2ee.Video] >= wantVideoFrames &&
			ps.Inbound["video"].FramesDecoded >= wantVideoFrames {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("not enough media after %v", mediaTimeout)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	fs := r.srv.call(r.goPeer.callID).fwd.stats()
	t.Logf("after %v: page %+v", time.Since(start).Round(time.Millisecond), ps)
	t.Logf("Go peer: %v", gs)
	t.Logf("forwarder: %+v", fs)

	for side, byKind := range ps.Worker {
		for kind, c := range byKind {
			if len(c.Failed) != 0 {
				t.Errorf("page %s %s: failures %v", side, kind, c.Failed)
			}
		}
	}
	if gs.failures() != 0 || gs.Frames.NoSession != 0 {
		t.Errorf("Go peer: %d failures, %d frames before the session: %+v", gs.failures(), gs.Frames.NoSession, gs.Frames)
	}
	if gs.Sealed[e2ee.Audio] < wantAudioFrames || gs.Sealed[e2ee.Video] < wantVideoFrames {
		t.Errorf("Go peer sealed %v frames", gs.Sealed)
	}
	if a := ps.Inbound["audio"]; a.TotalSamplesReceived-a.ConcealedSamples < 48000 {
		t.Errorf("page decoded %d audio samples, %d of them concealed: want over 1 s of decoded speech",
			a.TotalSamplesReceived, a.ConcealedSamples)
	}
	for from := range fs.Packets {
		for kind, n := range fs.Packets[from] {
			if n == 0 {
				t.Errorf("the forwarder passed no %v packet from leg %d", e2ee.MediaKind(kind), from)
			}
		}
	}
	leaks, scanned, fingerprints := w.leaks()
	if leaks != 0 || scanned == 0 {
		t.Errorf("%d of %d forwarded payloads contain a run of a clear frame", leaks, scanned)
	}
	t.Logf("%d forwarded payloads hold none of %d clear frame fingerprints", scanned, fingerprints)
}

// TestBrowserMITM runs the call with the attacker in the forwarder: it
// completes a handshake with each side and re-seals the media, so frames
// still flow and open, but the page and the Go peer show different check
// numbers, each the attacker's number with that side, and the server's
// comparison reports the difference.
func TestBrowserMITM(t *testing.T) {
	bctx := newChromium(t)
	cfg, err := newCallConfig("hybrid", "go")
	if err != nil {
		t.Fatal(err)
	}
	cfg.mitm = true
	r := runCall(t, bctx, cfg, hooks{})
	if r.goPeer.err != nil {
		t.Fatalf("Go peer: %v", r.goPeer.err)
	}
	if !checkNumberRE.MatchString(r.page.CheckNumber) || !checkNumberRE.MatchString(r.goPeer.checkNumber) {
		t.Fatalf("check numbers: page %q, Go %q", r.page.CheckNumber, r.goPeer.checkNumber)
	}
	if r.page.CheckNumber == r.goPeer.checkNumber {
		t.Fatalf("with the attacker, both sides show %q", r.page.CheckNumber)
	}
	if got := r.srv.call(r.goPeer.callID).fwd.mitm.checkNumbers(); got != [2]string{r.page.CheckNumber, r.goPeer.checkNumber} {
		t.Errorf("attacker's check numbers %q, want the page's and the Go peer's", got)
	}
	select {
	case n := <-r.compare:
		if n[0] == n[1] {
			t.Errorf("the server's comparison found equal numbers %q", n[0])
		}
	case <-time.After(10 * time.Second):
		t.Error("the page did not report its check number")
	}
	// The attacker re-seals: the media still flows both ways.
	deadline := time.Now().Add(mediaTimeout)
	for {
		ps, gs := r.pageStats(t), r.goPeer.peer.stats.snapshot(r.goPeer.peer.frames)
		if ps.Worker["receive"]["video"].Passed >= wantVideoFrames/2 && gs.Opened[e2ee.Video] >= wantVideoFrames/2 {
			t.Logf("page %+v; Go peer %v", ps.Worker, gs)
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("no media through the attacker after %v: page %+v, Go %v", mediaTimeout, ps.Worker, gs)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("page %s, Go %s", r.page.CheckNumber, r.goPeer.checkNumber)
}
