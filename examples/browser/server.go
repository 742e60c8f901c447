package main

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/browser"
)

// web holds the page: index.html and page.js.
//
//go:embed web
var web embed.FS

const (
	callIDSize       = 16        // random bytes of a call ID (hex in the page)
	maxPendingCalls  = 64        // call IDs handed out and not yet offered
	maxOfferBodySize = 256 << 10 // bytes of a POST /offer body
)

// server serves the page, the callseal assets and the signaling of each
// call. The page knows only two signaling requests:
//
//	GET  /config  → {role, callID, localID, peerID, suites}: a new call
//	POST /offer   ← {callID, sdp} → {sdp}: a complete offer (ICE gathered), a complete answer
//
// so whatever answers the offer — the Go peer now, a forwarder in the
// middle later — is the server's business, not the page's.
//
// A server is safe for concurrent use; close ends every call.
type server struct {
	mux    *http.ServeMux
	cfg    callConfig
	report func(callResult)

	mu      sync.Mutex
	pending map[string]bool  // call IDs from /config not yet offered
	peers   map[*goPeer]bool // calls not yet ended
	closed  bool
}

// callResult is what the Go peer reports about one call once its
// handshake completes or fails.
type callResult struct {
	callID      string
	suite       string
	checkNumber string
	err         error
}

func newServer(assets *browser.Assets, cfg callConfig, report func(callResult)) *server {
	s := &server{mux: http.NewServeMux(), cfg: cfg, report: report, pending: map[string]bool{}, peers: map[*goPeer]bool{}}
	page, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	s.mux.Handle("GET /", http.FileServerFS(page))
	s.mux.Handle("GET /callseal/", http.StripPrefix("/callseal", assets.Handler()))
	s.mux.HandleFunc("GET /config", s.config)
	s.mux.HandleFunc("POST /offer", s.offer)
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

// offer answers the page's offer with a new Go peer for the call.
func (s *server) offer(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CallID string `json:"callID"`
		SDP    string `json:"sdp"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxOfferBodySize)).Decode(&req); err != nil {
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
	var p *goPeer
	p, err := newGoPeer(s.cfg.goPeer(req.CallID), s.report, func() {
		s.mu.Lock()
		delete(s.peers, p)
		s.mu.Unlock()
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.peers[p] = true
	s.mu.Unlock()
	answer, err := p.answer(r.Context(), webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: req.SDP})
	if err != nil {
		p.close()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, map[string]string{"sdp": answer.SDP})
}

// close ends every call.
func (s *server) close() {
	s.mu.Lock()
	s.closed = true
	peers := make([]*goPeer, 0, len(s.peers))
	for p := range s.peers {
		peers = append(peers, p)
	}
	s.mu.Unlock()
	for _, p := range peers {
		p.close()
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
