// Package browser brings callseal to web browsers: it builds callseal's
// WebAssembly module (the main package browser/wasm, callseal's own Go code
// compiled with GOOS=js GOARCH=wasm) with the Go toolchain, and serves it
// to a page together with the Go distribution's wasm_exec.js and
// callseal.js, the thin JavaScript glue that loads the module. No npm step
// and no third-party JavaScript: a machine with Go builds everything.
//
// A page loads the three files and gets the API of browser/wasm:
//
//	<script src="wasm_exec.js"></script>
//	<script src="callseal.js"></script>
//	<script>
//	  const cs = await callseal.load("callseal.wasm");
//	  const hs = cs.newHandshake({role: "initiator", callID, localID, peerID,
//	                              suites: ["X25519_MLKEM768_SHA256", "X25519_SHA256"]});
//	  send(hs.start()); // then hs.handle(msg) for each message, hs.checkNumber() when hs.done()
//	</script>
//
// The handshake and the check number in the page are byte for byte those of
// a Go peer (packages keyexchange and verify): there is one implementation.
//
// The example examples/browser runs a call between a page and a pion peer.
package browser
