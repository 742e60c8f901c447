// page.js: the page side of examples/browser. It asks the server for a call
// (GET /config), starts the call's worker (callseal.newCall: callseal's
// WebAssembly module, which holds the keys), takes the camera and the
// microphone, puts the worker's frame transforms on both transceivers
// before the offer, sends a complete WebRTC offer that announces callseal
// E2EE (POST /offer; an answer that does not announce it ends the call),
// runs the callseal handshake over a data channel, starts the E2EE media
// and shows the check number, which it also reports to the server (POST
// /report), as a person would read it to the other side.
//
// document.body.dataset.state tells where the call is: "loading",
// "connecting", "handshake", "done" (media flowing) or "failed" (the reason
// in #status). callStats() returns the worker's frame counts and the
// browser's decoder and encoder statistics.
"use strict";

const $ = (id) => document.getElementById(id);

function setState(state, text) {
  document.body.dataset.state = state;
  $("status").textContent = text;
}

async function fetchJSON(url, init) {
  const resp = await fetch(url, init);
  if (!resp.ok) {
    throw new Error(`${url}: ${resp.status} ${await resp.text()}`);
  }
  return resp.status === 204 ? null : resp.json();
}

function postJSON(url, body) {
  return fetchJSON(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// iceGathered resolves once pc has gathered its candidates: the offer is
// sent complete, without trickle ICE.
function iceGathered(pc) {
  if (pc.iceGatheringState === "complete") {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        resolve();
      }
    });
  });
}

let call = null;
let pc = null;
let videoFrames = 0; // frames the <video> element presented (requestVideoFrameCallback)

// callStats returns the worker's frame counts and what the browser's
// encoders and decoders report (getStats), by kind.
async function callStats() {
  const out = { worker: await call.stats(), inbound: {}, outbound: {}, videoFrames };
  for (const s of (await pc.getStats()).values()) {
    if (s.type === "inbound-rtp") {
      out.inbound[s.kind] = {
        packetsReceived: s.packetsReceived, framesDecoded: s.framesDecoded || 0,
        keyFramesDecoded: s.keyFramesDecoded || 0,
        totalSamplesReceived: s.totalSamplesReceived || 0, concealedSamples: s.concealedSamples || 0,
      };
    } else if (s.type === "outbound-rtp") {
      out.outbound[s.kind] = { packetsSent: s.packetsSent, framesEncoded: s.framesEncoded || 0 };
    }
  }
  return out;
}
globalThis.callStats = callStats;

// showStats puts a summary of callStats on the page every second.
function showStats() {
  setInterval(async () => {
    const s = await callStats();
    const w = s.worker;
    $("media").textContent = `sent ${w.send.audio.passed} audio and ${w.send.video.passed} video frames sealed; ` +
      `received ${w.receive.audio.passed} audio and ${w.receive.video.passed} video frames opened, ` +
      `${(s.inbound.video || {}).framesDecoded || 0} video frames decoded`;
  }, 1000);
}

async function run() {
  const config = await fetchJSON("config");
  $("role").textContent = config.role;
  call = await callseal.newCall(config, "callseal/");

  setState("connecting", "Connecting…");
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  $("local").srcObject = stream;
  pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) {
    // The transforms go on before the offer: no frame leaves unsealed.
    call.protect(pc.addTransceiver(track, { direction: "sendrecv", streams: [stream] }));
  }
  pc.ontrack = (ev) => {
    const el = ev.track.kind === "video" ? $("remote") : $("remote-audio");
    el.srcObject = new MediaStream([ev.track]);
    if (ev.track.kind === "video" && el.requestVideoFrameCallback) {
      const count = () => {
        videoFrames++;
        el.requestVideoFrameCallback(count);
      };
      el.requestVideoFrameCallback(count);
    }
  };
  const dc = pc.createDataChannel("callseal-handshake");
  dc.binaryType = "arraybuffer";
  const finished = new Promise((resolve, reject) => {
    let steps = Promise.resolve(); // one handshake message at a time, in order
    const step = (f) => {
      steps = steps.then(f).catch(reject);
    };
    dc.onopen = () => {
      setState("handshake", "Running the callseal handshake…");
      if (config.role === "initiator") {
        step(async () => dc.send(await call.start()));
      }
    };
    dc.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        return;
      }
      step(async () => {
        const reply = await call.handle(new Uint8Array(ev.data));
        if (reply !== null) {
          dc.send(reply);
        }
        if (await call.done()) {
          resolve();
        }
      });
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed") {
        reject(new Error("the WebRTC connection failed"));
      }
    };
  });

  await pc.setLocalDescription(await pc.createOffer());
  await iceGathered(pc);
  // The offer announces callseal E2EE (a=callseal-sframe:frame); an answer
  // that does not is refused before setRemoteDescription: no connection,
  // so nothing is sent, sealed or clear.
  const answer = await postJSON("offer", { callID: config.callID, sdp: callseal.announce(pc.localDescription.sdp) });
  callseal.checkAnswer(answer.sdp);
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  await finished;

  await call.startMedia();
  const checkNumber = await call.checkNumber();
  $("check-number").textContent = checkNumber;
  $("suite").textContent = await call.suite();
  await postJSON("report", { callID: config.callID, checkNumber });
  setState("done", "End-to-end encrypted call: compare the check number.");
  showStats();
}

run().catch((err) => {
  if (pc !== null) {
    pc.close(); // the call ends: nothing more is sent or received
  }
  setState("failed", `Failed: ${err.code ? err.code + ": " : ""}${err.message}`);
  console.error(err);
});
