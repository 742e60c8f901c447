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
	cfg, err := newCallConfig("hybrid", "go")
	if err != nil {
		t.Fatal(err)
	}
	media, err := clips()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newServer(&browser.Assets{}, cfg, media, hooks{report: func(callResult) {}}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/config")
	if err != nil {
		t.Fatal(err)
	}
	var pc pageConfig
	err = json.NewDecoder(resp.Body).Decode(&pc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
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
