package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callseal/callseal/browser"
)

// TestSignaling checks the page's signaling without a browser: /config
// hands out a call, /offer refuses unknown call IDs and bad bodies, a call
// ID is good for one offer, and /report refuses unknown calls.
func TestSignaling(t *testing.T) {
	cfg, media := testCall(t, "go")
	srv := httptest.NewServer(newServer(&browser.Assets{}, cfg, media, hooks{report: func(callResult) {}}))
	defer srv.Close()

	pc := getConfig(t, srv.URL)
	if pc.Role != "responder" || pc.LocalID != browserID || pc.PeerID != goID || len(pc.CallID) != 2*callIDSize ||
		strings.Join(pc.Suites, ",") != "X25519_MLKEM768_SHA256,X25519_SHA256" {
		t.Errorf("config %+v", pc)
	}
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"not JSON", "{", http.StatusBadRequest},
		{"unknown call", `{"callID": "nope", "sdp": ""}`, http.StatusNotFound},
		{"bad SDP", `{"callID": "` + pc.CallID + `", "sdp": "v=0"}`, http.StatusBadRequest},
		{"call ID used", `{"callID": "` + pc.CallID + `", "sdp": "v=0"}`, http.StatusNotFound},
		{"report: not JSON", "{", http.StatusBadRequest},
		{"report: no number", `{"callID": "` + pc.CallID + `"}`, http.StatusBadRequest},
		{"report: unknown call", `{"callID": "` + pc.CallID + `", "checkNumber": "1"}`, http.StatusNotFound},
	} {
		path := "/offer"
		if strings.HasPrefix(tc.name, "report") {
			path = "/report"
		}
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	for _, bad := range [][2]string{{"rsa", "browser"}, {"hybrid", "both"}} {
		if _, err := newCallConfig(bad[0], bad[1]); err == nil {
			t.Errorf("newCallConfig(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// testCall returns the configuration of a hybrid call that initiator
// starts, and the Go peer's clips.
func testCall(t *testing.T, initiator string) (callConfig, [2]*clip) {
	t.Helper()
	cfg, err := newCallConfig("hybrid", initiator)
	if err != nil {
		t.Fatal(err)
	}
	media, err := clips()
	if err != nil {
		t.Fatal(err)
	}
	return cfg, media
}

// getConfig starts a call as the page does: GET /config on the server at url.
func getConfig(t *testing.T, url string) pageConfig {
	t.Helper()
	resp, err := http.Get(url + "/config")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pc pageConfig
	if err := json.NewDecoder(resp.Body).Decode(&pc); err != nil {
		t.Fatal(err)
	}
	return pc
}
