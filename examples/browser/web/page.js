// page.js: the page side of examples/browser. It loads callseal's
// WebAssembly module, asks the server for a call (GET /config), sends a
// complete WebRTC offer (POST /offer) and runs the callseal handshake over
// a data channel. No media track yet: media is added only once it is
// sealed end to end, so nothing is ever sent in clear.
//
// document.body.dataset.state tells where the call is: "loading",
// "connecting", "handshake", "done" or "failed" (the reason in #status).
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
  return resp.json();
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

async function run() {
  const cs = await callseal.load("callseal/callseal.wasm");
  const config = await fetchJSON("config");
  $("role").textContent = config.role;
  const hs = cs.newHandshake(config);

  setState("connecting", "Connecting…");
  const pc = new RTCPeerConnection();
  const dc = pc.createDataChannel("callseal-handshake");
  dc.binaryType = "arraybuffer";
  const finished = new Promise((resolve, reject) => {
    dc.onopen = () => {
      setState("handshake", "Running the callseal handshake…");
      if (config.role === "initiator") {
        dc.send(hs.start());
      }
    };
    dc.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        return;
      }
      try {
        const reply = hs.handle(new Uint8Array(ev.data));
        if (reply !== null) {
          dc.send(reply);
        }
        if (hs.done()) {
          resolve();
        }
      } catch (err) {
        reject(err);
      }
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed") {
        reject(new Error("the WebRTC connection failed"));
      }
    };
  });

  await pc.setLocalDescription(await pc.createOffer());
  await iceGathered(pc);
  const answer = await fetchJSON("offer", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ callID: config.callID, sdp: pc.localDescription.sdp }),
  });
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  await finished;

  $("check-number").textContent = hs.checkNumber();
  $("suite").textContent = hs.suite();
  setState("done", "Handshake done: compare the check number.");
}

run().catch((err) => {
  setState("failed", `Failed: ${err.code ? err.code + ": " : ""}${err.message}`);
  console.error(err);
});
