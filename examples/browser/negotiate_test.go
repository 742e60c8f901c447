package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/browser"
	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pionframe"
)

// pageOffer returns a complete offer shaped as the page's: an audio and a
// video transceiver, sending and receiving, and the handshake channel;
// announcing mode unless it is pionframe.ModeNone.
func pageOffer(t *testing.T, mode pionframe.Mode) webrtc.SessionDescription {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(kind); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pc.CreateDataChannel(handshakeChannel, nil); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if offer, err = setLocalComplete(ctx, pc, offer); err != nil {
		t.Fatal(err)
	}
	if mode != pionframe.ModeNone {
		if offer, err = pionframe.Announce(offer, mode); err != nil {
			t.Fatal(err)
		}
	}
	return offer
}

// wantModes fails t unless desc announces mode on its audio and video
// sections, and has two of them.
func wantModes(t *testing.T, what string, desc webrtc.SessionDescription, mode pionframe.Mode) {
	t.Helper()
	modes, err := pionframe.PeerModes(desc)
	if err != nil {
		t.Fatal(err)
	}
	if len(modes) != 2 {
		t.Errorf("%s: %d media sections, want 2", what, len(modes))
	}
	for mid, m := range modes {
		if m != mode {
			t.Errorf("%s: mid %s announces %q, want %q", what, mid, m, mode)
		}
	}
}

// TestGoPeerRequiresE2EE: the Go peer answers an offer that announces frame
// mode with an answer that announces it too, and refuses, fail closed, an
// offer that announces no mode (the page cannot, or the forwarder stripped
// the attribute) or per-packet mode: a typed error, reported, every audio
// and video transceiver stopped, no answer made, no frame sealed.
func TestGoPeerRequiresE2EE(t *testing.T) {
	cfg, media := testCall(t, "browser")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, mode := range []pionframe.Mode{pionframe.ModeFrame, pionframe.ModeNone, pionframe.ModePacket} {
		var reported []error
		p, err := newGoPeer(cfg.goPeer("negotiate"), media, func(r callResult) { reported = append(reported, r.err) }, func() {})
		if err != nil {
			t.Fatal(err)
		}
		answer, err := p.answer(ctx, pageOffer(t, mode))
		if mode == pionframe.ModeFrame {
			if err != nil {
				t.Fatalf("offer announcing frame mode: %v", err)
			}
			wantModes(t, "Go peer's answer", answer, pionframe.ModeFrame)
			p.close()
			continue
		}
		if !errors.Is(err, pionframe.ErrPeerNotCapable) {
			t.Errorf("offer announcing %q: error %v, want ErrPeerNotCapable", mode, err)
		}
		if len(reported) != 1 || !errors.Is(reported[0], pionframe.ErrPeerNotCapable) {
			t.Errorf("offer announcing %q: reported %v", mode, reported)
		}
		if p.pc.LocalDescription() != nil {
			t.Errorf("offer announcing %q: the Go peer made an answer", mode)
		}
		for _, tr := range p.pc.GetTransceivers() {
			if tr.Direction() != webrtc.RTPTransceiverDirectionInactive {
				t.Errorf("offer announcing %q: transceiver %s is %s, not stopped", mode, tr.Mid(), tr.Direction())
			}
		}
		if st := p.frames.Stats(); st.Sealed != 0 || st.Opened != 0 {
			t.Errorf("offer announcing %q: frames %+v", mode, st)
		}
		p.close()
	}
}

// TestOfferWithoutE2EE runs the signaling with a page that announces
// nothing: the Go peer refuses the forwarder's offer (which relays the
// page's announcement, here none), the server refuses the page's offer,
// the call ends, and the forwarder passes no media on; the Go peer opens
// no frame. A page that announces frame mode gets an answer that
// announces it, relayed from the Go peer.
func TestOfferWithoutE2EE(t *testing.T) {
	cfg, media := testCall(t, "browser")
	var mu sync.Mutex
	var reported []error
	var tapped, opened int
	s := newServer(&browser.Assets{}, cfg, media, hooks{
		report: func(r callResult) { mu.Lock(); reported = append(reported, r.err); mu.Unlock() },
		tap:    func(int, e2ee.MediaKind, []byte) { mu.Lock(); tapped++; mu.Unlock() },
		opened: func(e2ee.MediaKind, []byte, time.Duration) { mu.Lock(); opened++; mu.Unlock() },
	})
	srv := httptest.NewServer(s)
	defer func() { srv.Close(); s.close() }()

	post := func(mode pionframe.Mode) (callID string, status int, body string) {
		pc := getConfig(t, srv.URL)
		req, _ := json.Marshal(map[string]string{"callID": pc.CallID, "sdp": pageOffer(t, mode).SDP})
		resp, err := http.Post(srv.URL+"/offer", "application/json", strings.NewReader(string(req)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return pc.CallID, resp.StatusCode, string(b)
	}

	callID, status, body := post(pionframe.ModeNone)
	if status != http.StatusBadRequest || !strings.Contains(body, pionframe.ErrPeerNotCapable.Error()) {
		t.Errorf("offer without the attribute: status %d, body %q", status, body)
	}
	time.Sleep(time.Second) // media would have started by now
	mu.Lock()
	if len(reported) != 1 || !errors.Is(reported[0], pionframe.ErrPeerNotCapable) {
		t.Errorf("the Go peer reported %v, want ErrPeerNotCapable", reported)
	}
	if tapped != 0 || opened != 0 {
		t.Errorf("refused call: the forwarder passed %d payloads on, the Go peer opened %d frames", tapped, opened)
	}
	mu.Unlock()
	if s.call(callID) != nil {
		t.Error("the refused call did not end")
	}

	_, status, body = post(pionframe.ModeFrame)
	if status != http.StatusOK {
		t.Fatalf("offer with the attribute: status %d, body %q", status, body)
	}
	var answer struct{ SDP string }
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatal(err)
	}
	wantModes(t, "the forwarder's answer", webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.SDP}, pionframe.ModeFrame)
}

// TestRelayMode: the forwarder passes on one mode announced on every audio
// and video section, and nothing otherwise.
func TestRelayMode(t *testing.T) {
	desc := pageOffer(t, pionframe.ModeNone)
	mixed := pageOffer(t, pionframe.ModeFrame)
	mixed.SDP = strings.Replace(mixed.SDP, "a="+pionframe.Attribute+":frame", "a="+pionframe.Attribute+":packet", 1)
	for _, tc := range []struct {
		name string
		from webrtc.SessionDescription
		want pionframe.Mode
	}{
		{"frame", pageOffer(t, pionframe.ModeFrame), pionframe.ModeFrame},
		{"packet", pageOffer(t, pionframe.ModePacket), pionframe.ModePacket},
		{"none", pageOffer(t, pionframe.ModeNone), pionframe.ModeNone},
		{"mixed", mixed, pionframe.ModeNone},
	} {
		got, err := relayMode(tc.from, desc)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		wantModes(t, tc.name, got, tc.want)
	}
	if _, err := relayMode(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: "v=0"}, desc); !errors.Is(err, pionframe.ErrInvalidSDP) {
		t.Errorf("bad SDP: %v", err)
	}
}

// TestBrowserRefusesAnswerWithoutE2EE: a forwarder that strips
// a=callseal-sframe from its answer to the page (the Go peer announced it)
// cannot make the page send in clear: the page refuses the answer, shows
// ErrPeerNotCapable, closes its PeerConnection and sends nothing; the
// forwarder passes no media on.
func TestBrowserRefusesAnswerWithoutE2EE(t *testing.T) {
	bctx := newChromium(t)
	cfg, media := testCall(t, "browser")
	var mu sync.Mutex
	tapped := 0
	s := newServer(buildAssets(t), cfg, media, hooks{
		report: func(callResult) {},
		tap:    func(int, e2ee.MediaKind, []byte) { mu.Lock(); tapped++; mu.Unlock() },
	})
	t.Cleanup(s.close)
	strip := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/offer" {
			s.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		var answer struct {
			SDP string `json:"sdp"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || !strings.Contains(answer.SDP, "a="+pionframe.Attribute+":frame\r\n") {
			t.Errorf("the forwarder's answer (status %d) does not announce frame mode: %q", rec.Code, rec.Body.String())
		}
		writeJSON(w, map[string]string{"sdp": strings.ReplaceAll(answer.SDP, "a="+pionframe.Attribute+":frame\r\n", "")})
	})
	tab, page := openPage(t, bctx, strip)
	if page.State != "failed" || !strings.Contains(page.Status, "ErrPeerNotCapable") {
		t.Fatalf("page: %+v, want failed with ErrPeerNotCapable", page)
	}
	time.Sleep(time.Second) // media would have started by now
	type sideStats map[string]struct{ Frames, Passed int }
	st, err := chromedp.Run(tab, chromedp.Evaluate[map[string]sideStats](`call.stats()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := chromedp.Run(tab, chromedp.Evaluate[string](`pc.connectionState`))
	if err != nil {
		t.Fatal(err)
	}
	if conn != "closed" {
		t.Errorf("page's PeerConnection is %q, want closed", conn)
	}
	for _, kind := range []string{"audio", "video"} {
		if st["send"][kind].Passed != 0 {
			t.Errorf("the page passed %d %s frames on", st["send"][kind].Passed, kind)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if tapped != 0 {
		t.Errorf("the forwarder passed %d payloads on", tapped)
	}
	t.Logf("page: %s; worker %+v", page.Status, st)
}
