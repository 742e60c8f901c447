// Package handshaketest runs a callseal handshake between two parties in
// memory, for tests, benchmarks and examples that need a pair of
// keyexchange Results without a signaling channel.
package handshaketest

import (
	"github.com/callseal/callseal/keyexchange"
)

// Run creates the initiator from ci and the responder from cr, passes
// every message between them until both are done, and returns their
// Results. Errors are those of keyexchange.New, Start, Handle and Result;
// when policy turned E2EE off, Result's *keyexchange.PolicyError is
// returned with both Results. It is safe for concurrent use (each call
// has its own handshakes).
func Run(ci, cr keyexchange.Config) (initiator, responder *keyexchange.Result, err error) {
	i, err := keyexchange.New(ci)
	if err != nil {
		return nil, nil, err
	}
	r, err := keyexchange.New(cr)
	if err != nil {
		return nil, nil, err
	}
	msg, err := i.Start()
	for turn := 0; err == nil && msg != nil; turn++ {
		if turn%2 == 0 {
			msg, err = r.Handle(msg)
		} else {
			msg, err = i.Handle(msg)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	initiator, errI := i.Result()
	responder, errR := r.Result()
	if errI != nil {
		return initiator, responder, errI
	}
	return initiator, responder, errR
}

// Pair returns the configurations of a handshake for callID between
// initiatorID and responderID, with the default suite and no policy or
// continuity: callers change what their test needs.
func Pair(callID []byte, initiatorID, responderID string) (ci, cr keyexchange.Config) {
	ci = keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: initiatorID, PeerID: responderID}
	cr = keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: responderID, PeerID: initiatorID}
	return ci, cr
}
