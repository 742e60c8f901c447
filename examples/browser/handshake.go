package main

import (
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

// handshakeChannel is the label of the data channel the page opens for the
// callseal handshake; its binary messages are handshake messages.
const handshakeChannel = "callseal-handshake"

// handshakeOver runs hs over dc: an initiator sends its Commit when dc
// opens, and every binary message from dc is handled and answered. done is
// called once, with nil when hs completes or with the first error (a bad
// message leaves hs as it was, keyexchange's rule, but ends this call).
// pion calls the callbacks on its own goroutines; hs is safe for that.
func handshakeOver(dc *webrtc.DataChannel, hs *keyexchange.Handshake, done func(error)) {
	var once sync.Once
	finish := func(err error) { once.Do(func() { done(err) }) }
	send := func(msg []byte) {
		if err := dc.Send(msg); err != nil {
			finish(fmt.Errorf("data channel: %w", err))
		}
	}
	start := func() {
		if hs.State() != keyexchange.StateStart {
			return // a responder, or already started
		}
		commit, err := hs.Start()
		if err != nil {
			finish(fmt.Errorf("handshake start: %w", err))
			return
		}
		send(commit)
	}
	dc.OnOpen(start)
	if dc.ReadyState() == webrtc.DataChannelStateOpen {
		start()
	}
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		if msg.IsString {
			return // the handshake is binary
		}
		reply, err := hs.Handle(msg.Data)
		if err != nil {
			finish(fmt.Errorf("handshake: %w", err))
			return
		}
		if reply != nil {
			send(reply)
		}
		if hs.Done() {
			finish(nil)
		}
	})
}

// keyed is what a completed handshake gives a party: the check number to
// show, and the E2EE session that took the Result's media secrets (nil
// with err when policy turned E2EE off).
type keyed struct {
	suite       string
	checkNumber string
	session     *e2ee.Session
	err         error
}

// mediaKeys returns the check number of the completed hs and the E2EE
// session keyed from its Result (which it leaves with no secret but the
// SAS and exporter ones; the transport is DTLS-SRTP).
func mediaKeys(hs *keyexchange.Handshake) keyed {
	res, err := hs.Result()
	if res == nil {
		return keyed{err: err}
	}
	k := keyed{suite: res.Suite().String(), checkNumber: verify.CheckNumber(res), err: err}
	if err == nil {
		k.session, k.err = e2ee.NewSession(res)
	}
	res.DropSecrets()
	return k
}
