//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/callseal/callseal/browser/internal/bridge"
	"github.com/callseal/callseal/keyexchange"
)

// jsError returns err as a JavaScript Error with name "CallsealError" and
// code bridge.Code(err). callseal.js throws it.
func jsError(err error) js.Value {
	e := js.Global().Get("Error").New(err.Error())
	e.Set("name", "CallsealError")
	e.Set("code", bridge.Code(err))
	return e
}

// bytesToJS copies b into a new Uint8Array.
func bytesToJS(b []byte) js.Value {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

// bytesFromJS copies a Uint8Array of at most keyexchange.MaxMessageSize
// bytes (a longer one is refused before copying) into Go.
func bytesFromJS(v js.Value) ([]byte, error) {
	if !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil, errors.Join(bridge.ErrInvalidOption, errors.New("want a Uint8Array"))
	}
	n := v.Get("length").Int()
	if n > keyexchange.MaxMessageSize {
		return nil, errors.Join(keyexchange.ErrMalformed, errors.New("message longer than keyexchange.MaxMessageSize"))
	}
	b := make([]byte, n)
	js.CopyBytesToGo(b, v)
	return b, nil
}

// stringField returns o[name] as a string, or "" when it is not a string.
func stringField(o js.Value, name string) string {
	if v := o.Get(name); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}
