package bridge

import (
	"errors"
	"fmt"

	"github.com/callseal/callseal/keyexchange"
)

// ErrInvalidOption: an option passed from JavaScript is missing or names an
// unknown role or suite. The page sees it as code "ErrInvalidOption".
var ErrInvalidOption = errors.New("callseal browser: invalid option")

// Options are the options of callseal.newHandshake, as the page passes them
// (strings; CallID is taken as its UTF-8 bytes).
type Options struct {
	Role    string   // "initiator" or "responder"
	CallID  string   // 1..keyexchange.MaxCallIDSize bytes
	LocalID string   // 1..keyexchange.MaxIDSize bytes
	PeerID  string   // 1..keyexchange.MaxIDSize bytes
	Suites  []string // suite names (SuiteNames); empty means the keyexchange default
}

// SuiteNames lists the suites a page may name, in the order of preference
// callseal recommends (the hybrid first): the names are
// keyexchange.Suite.String.
var SuiteNames = []string{
	keyexchange.X25519_MLKEM768_SHA256.String(),
	keyexchange.X25519_SHA256.String(),
}

// Config returns the keyexchange.Config for o. It returns an error wrapping
// ErrInvalidOption for an unknown role or suite name; sizes are checked by
// keyexchange.New (ErrInvalidConfig).
func (o Options) Config() (keyexchange.Config, error) {
	cfg := keyexchange.Config{CallID: []byte(o.CallID), LocalID: o.LocalID, PeerID: o.PeerID}
	role, err := ParseRole(o.Role)
	if err != nil {
		return keyexchange.Config{}, err
	}
	cfg.Role = role
	for _, name := range o.Suites {
		s, err := ParseSuite(name)
		if err != nil {
			return keyexchange.Config{}, err
		}
		cfg.Suites = append(cfg.Suites, s)
	}
	return cfg, nil
}

// ParseRole returns the role named by keyexchange.Role.String ("initiator"
// or "responder"), or an error wrapping ErrInvalidOption.
func ParseRole(name string) (keyexchange.Role, error) {
	for _, r := range []keyexchange.Role{keyexchange.Initiator, keyexchange.Responder} {
		if name == r.String() {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w: role %q (want \"initiator\" or \"responder\")", ErrInvalidOption, name)
}

// ParseSuite returns the suite named by keyexchange.Suite.String (one of
// SuiteNames), or an error wrapping ErrInvalidOption.
func ParseSuite(name string) (keyexchange.Suite, error) {
	for _, s := range []keyexchange.Suite{keyexchange.X25519_MLKEM768_SHA256, keyexchange.X25519_SHA256} {
		if name == s.String() {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w: suite %q (want one of %q)", ErrInvalidOption, name, SuiteNames)
}
