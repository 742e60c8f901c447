//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/callseal/callseal/browser/internal/bridge"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

// errNotDone is returned by the renderings before the handshake completed.
var errNotDone = keyexchange.ErrNotDone

// handshake is one keyexchange.Handshake as the page sees it. res is set
// once the handshake is done; mediaSession takes its media secrets.
type handshake struct {
	hs  *keyexchange.Handshake
	res *keyexchange.Result
}

// handshakes are the open handshakes (their methods are set in init, as
// close refers to handshakes).
var handshakes = objects[*handshake]{
	closed: func() error { return errors.Join(keyexchange.ErrWiped, errors.New("handshake closed")) },
}

func init() {
	handshakes.methods = map[string]func(*handshake, []js.Value) any{
		"start":        (*handshake).start,
		"handle":       (*handshake).handle,
		"retransmit":   (*handshake).retransmit,
		"done":         func(h *handshake, _ []js.Value) any { return h.hs.Done() },
		"suite":        (*handshake).suite,
		"checkNumber":  rendering(verify.CheckNumber),
		"digits":       (*handshake).digits,
		"emoji":        (*handshake).emoji,
		"base32":       rendering(verify.B32),
		"words":        rendering(verify.Words),
		"mediaSession": (*handshake).mediaSession,
		"close":        (*handshake).close,
	}
}

// newHandshake implements callseal.newHandshake(options).
func newHandshake(_ js.Value, args []js.Value) any {
	if len(args) != 1 || args[0].Type() != js.TypeObject {
		return jsError(errors.Join(bridge.ErrInvalidOption, errors.New("newHandshake takes one options object")))
	}
	o := args[0]
	opts := bridge.Options{
		Role:    stringField(o, "role"),
		CallID:  stringField(o, "callID"),
		LocalID: stringField(o, "localID"),
		PeerID:  stringField(o, "peerID"),
	}
	if s := o.Get("suites"); s.Truthy() {
		for i := range s.Length() {
			opts.Suites = append(opts.Suites, s.Index(i).String())
		}
	}
	cfg, err := opts.Config()
	if err != nil {
		return jsError(err)
	}
	hs, err := keyexchange.New(cfg)
	if err != nil {
		return jsError(err)
	}
	return handshakes.wrap(&handshake{hs: hs})
}

// start returns message 1 (Commit) of an initiator.
func (h *handshake) start([]js.Value) any {
	msg, err := h.hs.Start()
	if err != nil {
		return jsError(err)
	}
	return bytesToJS(msg)
}

// handle feeds one message from the peer and returns the reply, or null.
func (h *handshake) handle(args []js.Value) any {
	if len(args) != 1 {
		return jsError(errors.Join(bridge.ErrInvalidOption, errors.New("handle takes one Uint8Array")))
	}
	msg, err := bytesFromJS(args[0])
	if err != nil {
		return jsError(err)
	}
	reply, err := h.hs.Handle(msg)
	if err != nil {
		return jsError(err)
	}
	if h.hs.Done() && h.res == nil {
		// A *PolicyError comes with a usable Result: the check number is
		// shown whatever the policy decided (keyexchange, "Policy").
		res, err := h.hs.Result()
		if res == nil {
			return jsError(err)
		}
		h.res = res
	}
	if reply == nil {
		return nil
	}
	return bytesToJS(reply)
}

func (h *handshake) retransmit([]js.Value) any {
	if msg := h.hs.Retransmit(); msg != nil {
		return bytesToJS(msg)
	}
	return nil
}

func (h *handshake) suite([]js.Value) any {
	if h.res == nil {
		return jsError(errNotDone)
	}
	return h.res.Suite().String()
}

// rendering returns a method that renders the SAS secret with render.
func rendering(render func(*keyexchange.Result) string) func(*handshake, []js.Value) any {
	return func(h *handshake, _ []js.Value) any {
		if h.res == nil {
			return jsError(errNotDone)
		}
		return render(h.res)
	}
}

func (h *handshake) digits(args []js.Value) any {
	if h.res == nil {
		return jsError(errNotDone)
	}
	if len(args) != 1 || args[0].Type() != js.TypeNumber || args[0].Int() < 1 || args[0].Int() > 20 {
		return jsError(errors.Join(bridge.ErrInvalidOption, errors.New("digits takes a number of digits, 1..20")))
	}
	return verify.Digits(h.res, args[0].Int())
}

func (h *handshake) emoji([]js.Value) any {
	if h.res == nil {
		return jsError(errNotDone)
	}
	out := make([]any, 0, verify.EmojiCount)
	for _, e := range verify.Emoji(h.res) {
		out = append(out, map[string]any{"index": e.Index, "emoji": e.Emoji, "name": e.Name})
	}
	return out
}

// close wipes the handshake and its result and forgets it; any method
// called afterwards, close included, throws ErrWiped.
func (h *handshake) close([]js.Value) any {
	h.hs.Wipe()
	if h.res != nil {
		h.res.Wipe()
	}
	handshakes.forget(h)
	return nil
}
