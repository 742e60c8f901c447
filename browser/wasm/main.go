//go:build js && wasm

// Command wasm is callseal's WebAssembly module: callseal's own Go code
// (keyexchange, verify, e2ee) built with GOOS=js GOARCH=wasm, so that a
// browser runs the same handshake, gets the same check number and seals
// the same SFrame frames as a Go peer, byte for byte. Package browser builds it (browser.Build) and serves it with
// Go's wasm_exec.js and the JavaScript glue, callseal.js.
//
// The module hands its API to the page by calling
// globalThis.callsealReady(api) once it runs; callseal.js defines that hook
// and turns the returned Error values into exceptions. The API, as
// callseal.js presents it:
//
//	callseal.suites                      suite names, preferred first
//	callseal.newHandshake({role, callID, localID, peerID, suites})
//	                                     → handshake (throws on a bad option)
//	handshake.start()                    → Uint8Array, message 1 (initiator)
//	handshake.handle(Uint8Array)         → Uint8Array reply, or null
//	handshake.retransmit()               → Uint8Array to resend, or null
//	handshake.done()                     → boolean
//	handshake.suite()                    → negotiated suite name (when done)
//	handshake.checkNumber()              → "dddd dddd dddd dddd dddd" (when done)
//	handshake.digits(n)                  → n digits; emoji() → [{emoji, name}] × 7
//	handshake.base32(), handshake.words()
//	handshake.mediaSession()             → session: the E2EE session (when done), keyed
//	                                       from the media secrets it takes (once per handshake)
//	handshake.close()                    wipes the secrets; later calls throw ErrWiped
//	session.sealFrame(kind, codec, Uint8Array) → Uint8Array, the sealed frame
//	session.openFrame(codec, Uint8Array) → {kind, frame}: the kind its key belongs to, the opened frame
//	session.close()                      erases the keys; later calls throw ErrClosed
//
// kind is "audio", "video" or "screenshare"; codec is "opus", "vp8" or
// "none" (e2ee.FrameCodec: which leading bytes stay in clear). A frame is
// at most bridge.MaxFrameSize bytes.
//
// Errors are JavaScript Errors with name "CallsealError" and code the name
// of the Go sentinel error (bridge.Code), e.g. "ErrMalformed", "ErrAuth". A
// bad message leaves the handshake as it was, and a bad frame the session,
// as in packages keyexchange and e2ee.
//
// JavaScript runs the module on one thread; every call from the page runs
// to completion before the next.
package main

import (
	"syscall/js"

	"github.com/callseal/callseal/browser/internal/bridge"
)

func main() {
	suites := make([]any, len(bridge.SuiteNames))
	for i, s := range bridge.SuiteNames {
		suites[i] = s
	}
	api := js.Global().Get("Object").New()
	api.Set("suites", js.ValueOf(suites))
	api.Set("newHandshake", js.FuncOf(newHandshake))
	ready := js.Global().Get("callsealReady")
	if ready.Type() != js.TypeFunction {
		panic("callseal: globalThis.callsealReady is not defined; load the module with callseal.js")
	}
	ready.Invoke(api)
	select {} // the module serves the page until it is unloaded
}
