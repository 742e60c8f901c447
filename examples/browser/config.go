package main

import (
	"fmt"

	"github.com/callseal/callseal/keyexchange"
)

// Identities of the two parties; the handshake binds them into the
// transcript.
const (
	browserID = "browser"
	goID      = "go"
)

// callConfig is what every call of one run shares: the suites both sides
// accept (the initiator offers them in this order), which side initiates,
// and whether the forwarder is a man in the middle.
type callConfig struct {
	suites      []keyexchange.Suite
	goInitiates bool
	mitm        bool
}

func newCallConfig(suites, initiator string) (callConfig, error) {
	var c callConfig
	switch suites {
	case "hybrid":
		c.suites = []keyexchange.Suite{keyexchange.X25519_MLKEM768_SHA256, keyexchange.X25519_SHA256}
	case "x25519":
		c.suites = []keyexchange.Suite{keyexchange.X25519_SHA256}
	default:
		return c, fmt.Errorf("-suites %q: want hybrid or x25519", suites)
	}
	switch initiator {
	case "browser":
	case "go":
		c.goInitiates = true
	default:
		return c, fmt.Errorf("-initiator %q: want browser or go", initiator)
	}
	return c, nil
}

// roles returns the Go peer's and the page's roles.
func (c callConfig) roles() (goRole, pageRole keyexchange.Role) {
	if c.goInitiates {
		return keyexchange.Initiator, keyexchange.Responder
	}
	return keyexchange.Responder, keyexchange.Initiator
}

// pageConfig is what GET /config tells the page: the options of
// callseal.newHandshake.
type pageConfig struct {
	Role    string   `json:"role"`
	CallID  string   `json:"callID"`
	LocalID string   `json:"localID"`
	PeerID  string   `json:"peerID"`
	Suites  []string `json:"suites"`
}

// page returns the page's options for the call callID.
func (c callConfig) page(callID string) pageConfig {
	_, role := c.roles()
	p := pageConfig{Role: role.String(), CallID: callID, LocalID: browserID, PeerID: goID}
	for _, s := range c.suites {
		p.Suites = append(p.Suites, s.String())
	}
	return p
}

// goPeer returns the Go peer's handshake configuration for the call callID.
func (c callConfig) goPeer(callID string) keyexchange.Config {
	role, _ := c.roles()
	return keyexchange.Config{Role: role, CallID: []byte(callID), LocalID: goID, PeerID: browserID, Suites: c.suites}
}

// pagePeer returns the page's handshake configuration for the call callID,
// as the page builds it from pageConfig (the attacker poses as the page).
func (c callConfig) pagePeer(callID string) keyexchange.Config {
	_, role := c.roles()
	return keyexchange.Config{Role: role, CallID: []byte(callID), LocalID: browserID, PeerID: goID, Suites: c.suites}
}
