package bridge_test

import (
	"fmt"

	"github.com/callseal/callseal/browser/internal/bridge"
)

// The options a page passes to callseal.newHandshake become a
// keyexchange.Config; a bad option has a code the page can test.
func Example() {
	cfg, err := bridge.Options{
		Role: "initiator", CallID: "call-42", LocalID: "alice@browser", PeerID: "bob@go",
		Suites: []string{"X25519_MLKEM768_SHA256", "X25519_SHA256"},
	}.Config()
	fmt.Println(cfg.Role, cfg.Suites, err)

	_, err = bridge.Options{Role: "initiator", Suites: []string{"P256"}}.Config()
	fmt.Println(bridge.Code(err))
	// Output:
	// initiator [X25519_MLKEM768_SHA256 X25519_SHA256] <nil>
	// ErrInvalidOption
}
