// Package browser brings callseal to web browsers: it builds callseal's
// WebAssembly module (the main package browser/wasm, callseal's own Go code
// compiled with GOOS=js GOARCH=wasm) with the Go toolchain, and serves it
// to a page together with the Go distribution's wasm_exec.js and the thin
// JavaScript glue: callseal.js, which loads the module, and
// callseal-worker.js, the worker that holds a call's keys. No npm step and
// no third-party JavaScript: a machine with Go builds everything.
//
// A page that only needs the handshake and the check number loads the
// module itself:
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
// A page in an end-to-end encrypted WebRTC call starts the call in a worker
// instead, which runs its own instance of the module:
//
//	const call = await callseal.newCall({role, callID, localID, peerID, suites}, "callseal/");
//	for (const t of pc.getTransceivers()) call.protect(t); // before createOffer
//	send(await call.start()); // then await call.handle(msg) for each message
//	await call.startMedia();  // once done; then show await call.checkNumber()
//
// protect restricts the transceiver to the codec frame mode supports for its
// kind (Opus, VP8) and sets an RTCRtpScriptTransform on its sender and
// receiver: the worker seals each encoded frame before the packetizer and
// opens each one after the depacketizer (e2ee.Session.SealFrame and
// OpenFrame: SFrame, RFC 9605, over the whole frame). Set before the offer,
// the transforms see the first frame, so no frame is sent unsealed; a frame
// the worker cannot seal or open, or one that arrives before startMedia, is
// dropped and counted (call.stats()). The handshake's Result hands its media
// secrets to the e2ee.Session inside the module: they never reach
// JavaScript, and the session erases them on close.
//
// The handshake, the check number and the frames in the page are byte for
// byte those of a Go peer (packages keyexchange, verify and e2ee): there is
// one implementation.
//
// The example examples/browser runs a call between a page and a pion peer
// through a forwarder.
package browser
