package main

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/examples/loopback/media"
)

// Bytes on the wire per second of video in each E2EE mode, from the real
// frame sizes of the embedded VP8 camera media (examples/loopback/media)
// and a packetizer of 1200-byte RTP packets, as pion's
// TrackLocalStaticSample makes: per-packet mode packetizes each frame and
// seals each RTP packet (the SFrame header and tag on every packet); frame
// mode seals each frame (once per frame), then packetizes it. Every frame
// and packet is sealed with a real e2ee.Session, so the SFrame header sizes
// are those of the call. Counted: RTP header (12 bytes), VP8 payload
// descriptor and payload; not counted: SRTP, UDP and IP, which add the same
// per packet in both modes.

// wirePacketSize is the RTP packet size the packetizer aims at, in bytes
// (pion's TrackLocalStaticSample default MTU).
const wirePacketSize = 1200 // bytes

// wireResults are the figures of one mode.
type wireResults struct {
	frames          int
	seconds         float64
	clearBytes      int // RTP bytes without E2EE
	packetModeBytes int // RTP bytes, SFrame per packet
	frameModeBytes  int // RTP bytes, SFrame per frame
	clearPackets    int
	packetPackets   int
	framePackets    int
}

// measureWire packetizes and seals the embedded VP8 video both ways.
func measureWire() (*wireResults, error) {
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(media.VideoIVF))
	if err != nil {
		return nil, err
	}
	send, err := e2ee.NewSessionFromSecrets(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		return nil, err
	}
	var w wireResults
	var vp8 codecs.VP8Payloader
	mtu := uint16(wirePacketSize - 12) // the payloader's budget after the RTP header
	for {
		frame, _, err := r.ParseNextFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		w.frames++
		for _, payload := range vp8.Payload(mtu, frame) {
			pkt, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1}, Payload: payload}).Marshal()
			if err != nil {
				return nil, err
			}
			sealed, err := send.Seal(nil, pkt, e2ee.Video)
			if err != nil {
				return nil, err
			}
			w.clearBytes += len(pkt)
			w.clearPackets++
			w.packetModeBytes += len(sealed)
			w.packetPackets++
		}
		sealed, err := send.SealFrame(nil, frame, e2ee.Video, e2ee.CodecVP8)
		if err != nil {
			return nil, err
		}
		for _, payload := range vp8.Payload(mtu, sealed) {
			w.frameModeBytes += 12 + len(payload)
			w.framePackets++
		}
	}
	if w.frames == 0 {
		return nil, fmt.Errorf("no VP8 frames in the embedded video")
	}
	frameTime := time.Duration(hdr.TimebaseNumerator) * time.Second / time.Duration(hdr.TimebaseDenominator)
	w.seconds = float64(w.frames) * frameTime.Seconds()
	return &w, nil
}

// wireSection renders the figures: bytes and packets per second of video.
func (w *wireResults) wireSection(p func(string, ...any)) {
	p("## Bytes on the wire per second of video\n\n")
	p("The embedded VP8 camera video (%d frames, %.1f s), packetized into RTP packets of at most %d\n", w.frames, w.seconds, wirePacketSize)
	p("bytes by pion's VP8 payloader and sealed by `e2ee` in each mode: per packet (`Session.Seal` after\n")
	p("the packetizer, SFrame header and tag added to every packet) and per frame (`Session.SealFrame` before it,\n")
	p("once per frame, as a browser does). RTP header, VP8 descriptor and payload are counted; SRTP, UDP\n")
	p("and IP add the same per packet in both modes.\n\n")
	p("| mode | bytes/s | kbit/s | packets/s | overhead vs no E2EE |\n|---|---:|---:|---:|---:|\n")
	row := func(name string, b, n int) {
		p("| %s | %.0f | %.1f | %.1f | %+.2f%% |\n", name, float64(b)/w.seconds, float64(b)*8/w.seconds/1000,
			float64(n)/w.seconds, 100*float64(b-w.clearBytes)/float64(w.clearBytes))
	}
	row("no E2EE", w.clearBytes, w.clearPackets)
	row("SFrame per packet", w.packetModeBytes, w.packetPackets)
	row("SFrame per frame", w.frameModeBytes, w.framePackets)
	p("\n")
}
