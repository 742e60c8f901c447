// Package bridge is the part of callseal's WebAssembly module
// (browser/wasm) that does not depend on syscall/js, so that it builds and
// is tested on every platform: it turns the options a page passes to
// callseal.newHandshake into a keyexchange.Config, the media kind and
// codec names of the media session's sealFrame and openFrame into e2ee
// values, and a Go error into the code the page sees.
//
// Its functions are pure and safe for concurrent use.
package bridge
