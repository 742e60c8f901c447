// callseal.js: loads callseal's WebAssembly module (package browser/wasm)
// in a page or a worker. Go's wasm_exec.js must be loaded first.
//
//   const cs = await callseal.load("callseal.wasm");
//   const hs = cs.newHandshake({role, callID, localID, peerID, suites});
//
// Every method throws an Error with name "CallsealError" and a code (the
// name of the Go sentinel error, e.g. "ErrMalformed") when the module
// reports one. This file is glue only: the protocol is in the module.
"use strict";
(function () {
  // unwrap throws the Error values the module returns.
  function unwrap(v) {
    if (v instanceof Error) {
      throw v;
    }
    return v;
  }

  // guard wraps every method of obj with unwrap.
  function guard(obj, names) {
    const out = {};
    for (const name of names) {
      out[name] = (...args) => unwrap(obj[name](...args));
    }
    return out;
  }

  const handshakeMethods = ["start", "handle", "retransmit", "done", "suite", "checkNumber",
    "digits", "emoji", "base32", "words", "close"];

  let loading = null;

  // load instantiates the module once and resolves to its API.
  function load(url = "callseal.wasm") {
    if (loading === null) {
      loading = (async () => {
        const go = new Go();
        let fail;
        const ready = new Promise((resolve, reject) => {
          globalThis.callsealReady = resolve;
          fail = reject;
        });
        const { instance } = await WebAssembly.instantiateStreaming(fetch(url), go.importObject);
        // The module runs until the page goes away; it exits only on a failure.
        go.run(instance).then(() => fail(new Error("callseal: the WebAssembly module exited")));
        const raw = await ready;
        delete globalThis.callsealReady;
        return Object.freeze({
          suites: Array.from(raw.suites),
          newHandshake: (options) => guard(unwrap(raw.newHandshake(options)), handshakeMethods),
        });
      })();
    }
    return loading;
  }

  globalThis.callseal = Object.freeze({ load });
})();
