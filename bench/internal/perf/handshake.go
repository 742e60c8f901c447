package perf

import (
	"errors"
	"testing"

	"github.com/callseal/callseal/keyexchange"
)

// HandshakeSuites are the key-exchange suites the handshake benchmark tries,
// in keyexchange's order. A suite that keyexchange.New rejects is skipped
// (HandshakeSupported says why).
var HandshakeSuites = []keyexchange.Suite{keyexchange.X25519_SHA256, keyexchange.X25519_MLKEM768_SHA256}

var handshakeCallID = []byte("callseal bench call")

// HandshakeSupported reports whether keyexchange.New accepts a Config that
// offers only suite s, and the error otherwise.
func HandshakeSupported(s keyexchange.Suite) error {
	_, err := keyexchange.New(handshakeConfig(keyexchange.Initiator, s))
	return err
}

func handshakeConfig(role keyexchange.Role, s keyexchange.Suite) keyexchange.Config {
	cfg := keyexchange.Config{
		Role:    role,
		CallID:  handshakeCallID,
		LocalID: "alice@example.com",
		PeerID:  "bob@example.com",
		Suites:  []keyexchange.Suite{s},
	}
	if role == keyexchange.Responder {
		cfg.LocalID, cfg.PeerID = cfg.PeerID, cfg.LocalID
	}
	return cfg
}

// Handshake returns the benchmark of one complete handshake with suite s:
// both parties' work (New, the four messages, Result), as one operation.
// Messages are handed over in memory; signaling latency is not included.
func Handshake(s keyexchange.Suite) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := handshake(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func handshake(s keyexchange.Suite) error {
	ra, rb, err := handshakeResults(s)
	if err != nil {
		return err
	}
	if ra.Suite() != s || rb.Suite() != s || ra.TranscriptHash() != rb.TranscriptHash() {
		return errors.New("perf: handshake ended with different suites or transcripts")
	}
	return nil
}

// handshakeResults runs one handshake with suite s and returns alice's
// (the initiator's) and bob's Result.
func handshakeResults(s keyexchange.Suite) (ra, rb *keyexchange.Result, err error) {
	alice, err := keyexchange.New(handshakeConfig(keyexchange.Initiator, s))
	if err != nil {
		return nil, nil, err
	}
	bob, err := keyexchange.New(handshakeConfig(keyexchange.Responder, s))
	if err != nil {
		return nil, nil, err
	}
	msg, err := alice.Start() // Commit
	if err != nil {
		return nil, nil, err
	}
	// Response, Reveal, Confirm, then nil: the initiator sends no reply.
	next := [2]*keyexchange.Handshake{bob, alice}
	for i := 0; msg != nil; i++ {
		if msg, err = next[i%2].Handle(msg); err != nil {
			return nil, nil, err
		}
	}
	if ra, err = alice.Result(); err != nil {
		return nil, nil, err
	}
	if rb, err = bob.Result(); err != nil {
		return nil, nil, err
	}
	return ra, rb, nil
}
