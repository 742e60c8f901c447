// callseal-worker.js: the worker of callseal.newCall. It loads callseal's
// WebAssembly module, runs the call's handshake for the page (which relays
// the messages) and, after startMedia, holds the E2EE session: every
// encoded frame of a protected transceiver passes through onrtctransform,
// sealed on the way out and opened on the way in. A frame that cannot be
// sealed or opened (no session yet, unknown codec, failed authentication)
// is dropped and counted, never passed on. The media secrets go from the
// handshake's Result to the session inside the module: they never reach
// JavaScript. Glue only: the protocol is in the module.
"use strict";
importScripts("wasm_exec.js", "callseal.js");

let hs = null; // the handshake
let session = null; // the media session, after startMedia

// Frame counts by side and kind; failed by error code.
const counts = {};
for (const side of ["send", "receive"]) {
  counts[side] = {};
  for (const kind of ["audio", "video"]) {
    counts[side][kind] = { frames: 0, passed: 0, dropped: 0, failed: {} };
  }
}

// calls are what the page may ask of the worker, besides the handshake's
// own methods.
const calls = {
  async open(options) {
    const cs = await callseal.load("callseal.wasm");
    hs = cs.newHandshake(options);
    return null;
  },
  startMedia() {
    session = hs.mediaSession();
    return null;
  },
  stats() {
    return counts;
  },
  close() {
    if (session !== null) {
      session.close();
      session = null;
    }
    hs.close();
    return null;
  },
};

onmessage = async (ev) => {
  const { id, method, args } = ev.data;
  try {
    const value = method in calls ? await calls[method](...args) : hs[method](...args);
    postMessage({ id, value: value === undefined ? null : value });
  } catch (err) {
    postMessage({ id, error: { name: err.name, message: err.message, code: err.code } });
  }
};

// codecOf returns the frame codec of frame: the codec the page chose for the
// transceiver, unless the frame says it is another (then null: drop it).
function codecOf(frame, codec, kind) {
  const mime = frame.getMetadata().mimeType;
  if (mime === undefined || mime.toLowerCase() === kind + "/" + codec) {
    return codec;
  }
  return null;
}

// sealOrOpen is the transform of one sender or receiver.
function sealOrOpen(side, kind, codec) {
  const c = counts[side][kind];
  const fail = (code) => {
    c.failed[code] = (c.failed[code] || 0) + 1;
  };
  return (frame, out) => {
    c.frames++;
    if (session === null) {
      c.dropped++;
      return;
    }
    const fc = codecOf(frame, codec, kind);
    if (fc === null) {
      fail("ErrUnsupportedCodec");
      return;
    }
    try {
      if (side === "send") {
        frame.data = session.sealFrame(kind, fc, new Uint8Array(frame.data)).buffer;
      } else {
        const opened = session.openFrame(fc, new Uint8Array(frame.data));
        if (opened.kind !== kind) {
          fail("WrongKind");
          return;
        }
        frame.data = opened.frame.buffer;
      }
    } catch (err) {
      fail(err.code || err.name);
      return;
    }
    c.passed++;
    out.enqueue(frame);
  };
}

onrtctransform = (ev) => {
  const t = ev.transformer;
  const { side, kind, codec } = t.options;
  t.readable
    .pipeThrough(new TransformStream({ transform: sealOrOpen(side, kind, codec) }))
    .pipeTo(t.writable);
};
