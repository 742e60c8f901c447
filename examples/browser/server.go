package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/browser"
	"github.com/callseal/callseal/e2ee"
)

// web holds the page: index.html and page.js.
//
//go:embed web
var web embed.FS

const (
	callIDSize      = 16        // random bytes of a call ID (hex in the page)
	maxPendingCalls = 64        // call IDs handed out and not yet offered
	maxBodySize     = 256 << 10 // bytes of a POST /offer or /report body
)

// server serves the page, the callseal assets and the signaling of each
// call. The page knows three requests:
//
//	GET  /config  → {role, callID, localID, peerID, suites}: a new call
//	POST /offer   ← {callID, sdp} → {sdp}: a complete offer (ICE gathered), a complete answer
//	POST /report  ← {callID, checkNumber}: the number the page shows
//
// The forwarder answers the offer, and the Go peer is its other leg. The
// report stands in for the two people reading their check numbers to each
// other: it does not pass through the forwarder.
//
// A server is safe for concurrent use; close ends every call.
type server struct {
	mux   *http.ServeMux
	cfg   callConfig
	clips [2]*clip
	hooks hooks

	mu      sync.Mutex
	pending map[string]bool  // call IDs from /config not yet offered
	calls   map[string]*call // calls not yet ended, by call ID
	closed  bool
}

// hooks are how the server tells its user about calls.
type hooks struct {
	// report receives the Go peer's outcome once its handshake completed
	// or failed.
	report func(callResult)
	// compared receives both check numbers once the page reported its own
	// and the Go peer's handshake is done.
	compared func(callID, page, goPeer string)
	// tap, for tests, sees every payload the honest forwarder passes on.
	tap func(from int, kind e2ee.MediaKind, payload []byte)
	// opened, for tests, sees every frame the Go peer opened.
	opened func(kind e2ee.MediaKind, frame []byte, d time.Duration)
}

// callResult is what the Go peer reports about one call once its
// handshake completes or fails.
type callResult struct {
	callID      string
	suite       string
	checkNumber string
	err         error
	peer        *goPeer
}

// A call is the forwarder and the Go peer of one page's call.
type call struct {
	id   string
	peer *goPeer
	fwd  *forwarder

	mu        sync.Mutex
	numbers   [2]string // by leg: the page's, the Go peer's check number
	compared  bool
	endOnce   sync.Once
	onCompare func(callID, page, goPeer string)
}

// setNumber records the check number of one side and calls onCompare once
// both are known.
func (c *call) setNumber(leg int, n string) {
	c.mu.Lock()
	c.numbers[leg] = n
	ready := c.numbers[legBrowser] != "" && c.numbers[legGo] != "" && !c.compared
	if ready {
		c.compared = true
	}
	numbers := c.numbers
	c.mu.Unlock()
	if ready && c.onCompare != nil {
		c.onCompare(c.id, numbers[legBrowser], numbers[legGo])
	}
}

// end closes both PeerConnections of the forwarder and the Go peer.
func (c *call) end() {
	c.endOnce.Do(func() {
		if c.fwd != nil {
			c.fwd.close()
		}
		if c.peer != nil {
			c.peer.close()
		}
	})
}

func newServer(assets *browser.Assets, cfg callConfig, c [2]*clip, h hooks) *server {
	s := &server{mux: http.NewServeMux(), cfg: cfg, clips: c, hooks: h, pending: map[string]bool{}, calls: map[string]*call{}}
	page, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	s.mux.Handle("GET /", http.FileServerFS(page))
	s.mux.Handle("GET /callseal/", http.StripPrefix("/callseal", assets.Handler()))
	s.mux.HandleFunc("GET /config", s.config)
	s.mux.HandleFunc("POST /offer", s.offer)
	s.mux.HandleFunc("POST /report", s.reportNumber)
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// config starts a call: a fresh call ID and the page's handshake options.
func (s *server) config(w http.ResponseWriter, _ *http.Request) {
	callID := hex.EncodeToString(randomBytes(callIDSize))
	s.mu.Lock()
	if len(s.pending) >= maxPendingCalls {
		for id := range s.pending { // forget one abandoned page load
			delete(s.pending, id)
			break
		}
	}
	s.pending[callID] = true
	s.mu.Unlock()
	writeJSON(w, s.cfg.page(callID))
}

// offer answers the page's offer: a forwarder for the call, with the Go
// peer on its other leg.
func (s *server) offer(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CallID string `json:"callID"`
		SDP    string `json:"sdp"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodySize)).Decode(&req); err != nil {
		http.Error(w, "bad offer: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	ok := s.pending[req.CallID] && !s.closed
	delete(s.pending, req.CallID)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown call ID", http.StatusNotFound)
		return
	}
	c, err := s.newCall(req.CallID)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	answer, err := s.connect(r.Context(), c, webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: req.SDP})
	if err != nil {
		c.end()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, map[string]string{"sdp": answer.SDP})
}

// newCall creates the forwarder (with an attacker under -mitm) and the Go
// peer of the call callID.
func (s *server) newCall(callID string) (*call, error) {
	c := &call{id: callID, onCompare: s.hooks.compared}
	ended := func() {
		go c.end() // not from inside the closing side's own close
		s.mu.Lock()
		delete(s.calls, callID)
		s.mu.Unlock()
	}
	var mitm *attacker
	if s.cfg.mitm {
		var err error
		if mitm, err = newAttacker(s.cfg, callID); err != nil {
			return nil, err
		}
	}
	var err error
	if c.fwd, err = newForwarder(mitm, s.hooks.tap, ended); err != nil {
		if mitm != nil {
			mitm.close()
		}
		return nil, err
	}
	c.peer, err = newGoPeer(s.cfg.goPeer(callID), s.clips, func(r callResult) {
		if r.checkNumber != "" {
			c.setNumber(legGo, r.checkNumber)
		}
		s.hooks.report(r)
	}, ended)
	if err != nil {
		c.fwd.close()
		return nil, err
	}
	c.peer.opened = s.hooks.opened
	s.mu.Lock()
	s.calls[callID] = c
	s.mu.Unlock()
	return c, nil
}

// connect negotiates the Go leg, then answers the page's offer; the
// forwarder relays the E2EE mode each side announces to the other. Errors:
// pionframe.ErrPeerNotCapable when the Go peer refuses the offer (the page
// does not announce frame mode), pionframe.ErrInvalidSDP, pion's errors.
func (s *server) connect(ctx context.Context, c *call, offer webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	goOffer, err := c.fwd.offerGo(ctx, offer)
	if err != nil {
		return webrtc.SessionDescription{}, err
	}
	goAnswer, err := c.peer.answer(ctx, goOffer)
	if err != nil {
		return webrtc.SessionDescription{}, err
	}
	if err := c.fwd.acceptGo(goAnswer); err != nil {
		return webrtc.SessionDescription{}, err
	}
	return c.fwd.answerBrowser(ctx, offer, goAnswer)
}

// reportNumber takes the check number the page shows.
func (s *server) reportNumber(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CallID      string `json:"callID"`
		CheckNumber string `json:"checkNumber"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodySize)).Decode(&req); err != nil || req.CheckNumber == "" {
		http.Error(w, "bad report", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	c := s.calls[req.CallID]
	s.mu.Unlock()
	if c == nil {
		http.Error(w, "unknown call ID", http.StatusNotFound)
		return
	}
	c.setNumber(legBrowser, req.CheckNumber)
	w.WriteHeader(http.StatusNoContent)
}

// call returns the call callID, or nil when it ended or never was.
func (s *server) call(callID string) *call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[callID]
}

// close ends every call.
func (s *server) close() {
	s.mu.Lock()
	s.closed = true
	calls := make([]*call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.end()
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
