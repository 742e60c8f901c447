// callseal.js: loads callseal's WebAssembly module (package browser/wasm)
// in a page or a worker, and in a page starts a call in a worker
// (callseal-worker.js). Go's wasm_exec.js must be loaded first for load.
//
//   const cs = await callseal.load("callseal.wasm");
//   const hs = cs.newHandshake({role, callID, localID, peerID, suites});
//
//   const call = await callseal.newCall({role, callID, localID, peerID, suites}, "callseal/");
//   call.protect(transceiver);     // before createOffer: every frame sealed and opened in the worker
//   await call.start(); await call.handle(msg); ...  // the handshake, as hs's methods but async
//   await call.startMedia();       // once done: the E2EE session takes the media secrets
//
//   const sent = callseal.announce(pc.localDescription.sdp);  // the offer sent: a=callseal-sframe:frame
//   callseal.checkAnswer(answer.sdp); // throws ErrPeerNotCapable unless the peer announces it too
//
// Every method throws (or rejects with) an Error with name "CallsealError"
// and a code (the name of the Go sentinel error, e.g. "ErrMalformed") when
// the module reports one. This file is glue only: the protocol is in the
// module.
"use strict";
(function () {
  // unwrap throws the Error values the module returns.
  function unwrap(v) {
    if (v instanceof Error) {
      throw v;
    }
    return v;
  }

  // guard wraps every method of obj with unwrap; wrapped[name] wraps the
  // object a method returns in turn.
  function guard(obj, names, wrapped = {}) {
    const out = {};
    for (const name of names) {
      const wrap = wrapped[name] || ((v) => v);
      out[name] = (...args) => wrap(unwrap(obj[name](...args)));
    }
    return out;
  }

  const handshakeMethods = ["start", "handle", "retransmit", "done", "suite", "checkNumber",
    "digits", "emoji", "base32", "words", "mediaSession", "close"];
  const sessionMethods = ["sealFrame", "openFrame", "close"];
  const wrapSession = (s) => guard(s, sessionMethods);

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
          newHandshake: (options) => guard(unwrap(raw.newHandshake(options)), handshakeMethods,
            { mediaSession: wrapSession }),
        });
      })();
    }
    return loading;
  }

  // The methods a call forwards to its worker (callseal-worker.js), which
  // runs them on its handshake; startMedia creates the media session and
  // stats returns the worker's frame counts.
  const callMethods = ["start", "handle", "retransmit", "done", "suite", "checkNumber",
    "digits", "emoji", "base32", "words", "startMedia", "stats", "close"];

  // The codec of each kind in frame mode, as RTCRtpCodec.mimeType names it.
  const frameCodecs = { audio: ["opus", "audio/opus"], video: ["vp8", "video/vp8"] };

  // callError rebuilds in the page an error the worker reported.
  function callError(e) {
    const err = new Error(e.message);
    err.name = e.name;
    if (e.code !== undefined) {
      err.code = e.code;
    }
    return err;
  }

  // newCall starts a worker that holds one call's callseal state: its own
  // instance of the module, the handshake (options as for newHandshake) and,
  // after startMedia, the E2EE session, which seals and opens the frames of
  // every transceiver given to protect. The keys never leave the worker.
  // base is where callseal-worker.js, wasm_exec.js and callseal.wasm are
  // served.
  async function newCall(options, base = "") {
    const worker = new Worker(base + "callseal-worker.js");
    const pending = new Map();
    let next = 0;
    worker.onmessage = (ev) => {
      const { id, value, error } = ev.data;
      const p = pending.get(id);
      pending.delete(id);
      if (error !== undefined) {
        p.reject(callError(error));
      } else {
        p.resolve(value);
      }
    };
    worker.onerror = (ev) => {
      for (const p of pending.values()) {
        p.reject(new Error("callseal worker: " + ev.message));
      }
      pending.clear();
    };
    const invoke = (method, args) => new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args });
    });
    await invoke("open", [options]);
    const call = {};
    for (const m of callMethods) {
      call[m] = (...args) => invoke(m, args);
    }
    // protect restricts transceiver to the codec frame mode supports for its
    // kind and puts the worker's transform on its sender and receiver. Call
    // it before createOffer: then no frame is ever sent unsealed. Frames
    // that arrive before startMedia are dropped, never passed on in clear.
    call.protect = (transceiver) => {
      const kind = transceiver.receiver.track.kind;
      const [codec, mimeType] = frameCodecs[kind];
      transceiver.setCodecPreferences(RTCRtpReceiver.getCapabilities(kind).codecs
        .filter((c) => c.mimeType.toLowerCase() === mimeType));
      transceiver.sender.transform = new RTCRtpScriptTransform(worker, { side: "send", kind, codec });
      transceiver.receiver.transform = new RTCRtpScriptTransform(worker, { side: "receive", kind, codec });
    };
    // terminate closes the call (erasing its keys) and stops the worker.
    call.terminate = async () => {
      try {
        await call.close();
      } finally {
        worker.terminate();
      }
    };
    return Object.freeze(call);
  }

  // The media-level SDP attribute by which each side announces that it seals
  // the section's frames (package e2ee/pionframe, Attribute and ModeFrame).
  const sdpMode = "a=callseal-sframe:frame";
  const sdpModeLine = /^a=callseal-sframe:.*\r?\n/gm;

  // mediaSections splits sdp before each media section and tells which are
  // audio or video.
  const mediaSections = (sdp) => sdp.split(/(?=^m=)/m).map((s) => [s, /^m=(audio|video) /.test(s)]);

  // announce returns sdp with a=callseal-sframe:frame on each audio and
  // video media section (replacing one already there): send it to the peer.
  function announce(sdp) {
    return mediaSections(sdp).map(([s, media]) =>
      media ? s.replace(sdpModeLine, "") + sdpMode + "\r\n" : s).join("");
  }

  // checkAnswer throws a CallsealError with code "ErrPeerNotCapable" unless
  // every audio and video section of the peer's sdp announces frame mode:
  // then the call must not go on (setRemoteDescription), or media could
  // flow to a peer that cannot open it, or in clear.
  function checkAnswer(sdp) {
    const media = mediaSections(sdp).filter(([, m]) => m);
    if (media.length === 0 || !media.every(([s]) => s.split(/\r?\n/).includes(sdpMode))) {
      const err = new Error("callseal: the peer does not announce callseal E2EE (" + sdpMode + ")");
      err.name = "CallsealError";
      err.code = "ErrPeerNotCapable";
      throw err;
    }
  }

  globalThis.callseal = Object.freeze({ load, newCall, announce, checkAnswer });
})();
