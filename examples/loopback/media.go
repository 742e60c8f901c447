package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"github.com/callseal/callseal/e2ee"
)

// RTP parameters of the call, as the SDP offer/answer would fix them.
const (
	ptOpus   = 111 // a=rtpmap:111 opus/48000/2
	ptVideo  = 96  // a=rtpmap:96 VP8/90000 (camera)
	ptScreen = 97  // a=rtpmap:97 VP8/90000 (screen share)

	opusClockRate = 48000 // Hz, RFC 7587 Section 4.1
	vp8ClockRate  = 90000 // Hz, RFC 7741 Section 6.1

	mtu = 1200 // bytes per RTP packet before SFrame and SRTP, as WebRTC stacks use
)

// A track is one media file turned into the frames a party sends: Opus
// packets for audio, VP8 frames for video and screen share.
type track struct {
	kind      e2ee.MediaKind
	name      string // "audio", "video" or "screen"
	pt        uint8
	clockRate uint32
	frames    []mediaFrame

	channels      uint16 // audio: from OpusHead
	width, height uint16 // video: from the IVF header
}

// A mediaFrame is one unit the codec produced: one Opus packet or one VP8
// frame (RFC 7741 calls it an encoded frame).
type mediaFrame struct {
	data []byte
	ts   uint32        // RTP timestamp relative to the first frame, in clock units
	at   time.Duration // media time relative to the first frame
}

// duration is the track's media time: the start of its last frame plus one
// frame step.
func (t *track) duration() time.Duration {
	if len(t.frames) == 0 {
		return 0
	}
	last := t.frames[len(t.frames)-1]
	return last.at + time.Duration(t.step(len(t.frames)-1))*time.Second/time.Duration(t.clockRate)
}

// step is the RTP timestamp increment after frame i, in clock units: the
// distance to the next frame, or for the last frame the distance the
// previous one had.
func (t *track) step(i int) uint32 {
	switch {
	case i+1 < len(t.frames):
		return t.frames[i+1].ts - t.frames[i].ts
	case i > 0:
		return t.frames[i].ts - t.frames[i-1].ts
	case t.kind == e2ee.Audio:
		return opusClockRate / 50 // 20 ms
	default:
		return vp8ClockRate / 30 // one frame at 30 fps
	}
}

func (t *track) bytes() int {
	n := 0
	for _, f := range t.frames {
		n += len(f.data)
	}
	return n
}

// describe is a one-line summary of the track for the program's output.
func (t *track) describe() string {
	d := t.duration().Round(10 * time.Millisecond)
	switch t.kind {
	case e2ee.Audio:
		return fmt.Sprintf("Opus %d ch, %d packets, %v, %d KB", t.channels, len(t.frames), d, (t.bytes()+512)/1024)
	default:
		return fmt.Sprintf("VP8 %dx%d, %d frames, %v, %d KB", t.width, t.height, len(t.frames), d, (t.bytes()+512)/1024)
	}
}

// loadOpus reads an Ogg Opus file (RFC 7845) into one frame per Opus packet.
// Timestamps advance by each packet's duration as its TOC byte says
// (RFC 6716, Section 3.1), at 48 kHz whatever the input rate (RFC 7587).
func loadOpus(data []byte) (*track, error) {
	packets, err := oggPackets(data)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	// RFC 7845, Section 3: the first packet is the ID header, the second the
	// comment header, then audio data.
	if len(packets) < 2 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) || len(packets[0]) < 19 {
		return nil, errors.New("audio: not an Ogg Opus file (no OpusHead)")
	}
	if !bytes.HasPrefix(packets[1], []byte("OpusTags")) {
		return nil, errors.New("audio: OpusTags header missing")
	}
	t := &track{
		kind: e2ee.Audio, name: "audio", pt: ptOpus, clockRate: opusClockRate,
		channels: uint16(packets[0][9]),
	}
	var ts uint32
	for i, p := range packets[2:] {
		samples, ok := opusDuration(p)
		if !ok {
			return nil, fmt.Errorf("audio: packet %d is not a valid Opus packet", i)
		}
		t.frames = append(t.frames, mediaFrame{
			data: p, ts: ts,
			at: time.Duration(ts) * time.Second / opusClockRate,
		})
		ts += uint32(samples)
	}
	if len(t.frames) == 0 {
		return nil, errors.New("audio: no Opus packets")
	}
	return t, nil
}

// oggPackets splits the first logical bitstream of an Ogg file into packets
// (RFC 3533, Section 6): a packet is the concatenation of segments up to and
// including one shorter than 255 bytes, and may continue on the next page.
func oggPackets(data []byte) ([][]byte, error) {
	const pageHeaderSize = 27 // bytes, up to and including the segment count
	var (
		packets [][]byte
		cur     []byte
		serial  uint32
		first   = true
	)
	for len(data) > 0 {
		if len(data) < pageHeaderSize || string(data[:4]) != "OggS" {
			return nil, errors.New("not an Ogg stream (bad page header)")
		}
		nseg := int(data[26])
		if len(data) < pageHeaderSize+nseg {
			return nil, errors.New("truncated Ogg page")
		}
		lacing := data[pageHeaderSize : pageHeaderSize+nseg]
		body := data[pageHeaderSize+nseg:]
		size := 0
		for _, l := range lacing {
			size += int(l)
		}
		if len(body) < size {
			return nil, errors.New("truncated Ogg page")
		}
		pageSerial := binary.LittleEndian.Uint32(data[14:18])
		data = body[size:]
		if first {
			serial, first = pageSerial, false
		}
		if pageSerial != serial {
			continue // another logical stream; we play the first one
		}
		for _, l := range lacing {
			cur = append(cur, body[:l]...)
			body = body[l:]
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
	}
	return packets, nil
}

// loadVP8 reads a VP8 IVF file into one frame per IVF frame, with 90 kHz RTP
// timestamps from the IVF presentation times.
func loadVP8(data []byte, kind e2ee.MediaKind, name string, pt uint8) (*track, error) {
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if hdr.FourCC != "VP80" {
		return nil, fmt.Errorf("%s: IVF codec %q, want VP80", name, hdr.FourCC)
	}
	t := &track{
		kind: kind, name: name, pt: pt, clockRate: vp8ClockRate,
		width: hdr.Width, height: hdr.Height,
	}
	// ivfreader reports Timestamp = pts * rate / scale, with the header's
	// bytes 16-19 (rate) as "denominator" and 20-23 (scale) as "numerator";
	// the time of a frame is pts * scale / rate seconds.
	rate, scale := uint64(hdr.TimebaseDenominator), uint64(hdr.TimebaseNumerator)
	var first uint64
	for i := 0; ; i++ {
		frame, fh, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: frame %d: %w", name, i, err)
		}
		pts := fh.Timestamp * scale / rate
		if i == 0 {
			first = pts
		}
		// 90 kHz ticks = pts * scale / rate * 90000.
		ticks := (pts - first) * scale * vp8ClockRate / rate
		if len(frame) == 0 {
			continue // nothing to send (a dropped frame)
		}
		t.frames = append(t.frames, mediaFrame{
			data: frame, ts: uint32(ticks),
			at: time.Duration(ticks) * time.Second / vp8ClockRate,
		})
	}
	if len(t.frames) == 0 {
		return nil, fmt.Errorf("%s: no VP8 frames", name)
	}
	if t.frames[0].data[0]&0x01 != 0 {
		return nil, fmt.Errorf("%s: the first frame is not a keyframe", name)
	}
	return t, nil
}

// opusDuration returns the number of 48 kHz samples in an Opus packet, and
// whether the packet is well formed by the rules of RFC 6716, Section 3.4
// (R1-R7: TOC byte, frame count and frame lengths consistent with the
// packet's size). It does not decode the frames.
func opusDuration(p []byte) (samples int, ok bool) {
	const maxFrame = 1275 // bytes, RFC 6716 Section 3.4 R2
	if len(p) < 1 {       // R1
		return 0, false
	}
	toc := p[0]
	perFrame := opusSamplesPerFrame(toc)
	rest := p[1:]
	switch toc & 0x03 {
	case 0: // one frame
		return perFrame, len(rest) <= maxFrame
	case 1: // two frames of equal size (R3)
		return 2 * perFrame, len(rest)%2 == 0 && len(rest)/2 <= maxFrame
	case 2: // two frames, the first one's length coded (R4)
		n, used, ok := opusFrameLength(rest)
		if !ok || n > len(rest)-used || len(rest)-used-n > maxFrame {
			return 0, false
		}
		return 2 * perFrame, true
	}
	// code 3: an arbitrary number of frames (R5-R7)
	if len(rest) < 1 {
		return 0, false
	}
	m := int(rest[0] & 0x3f)
	vbr, padded := rest[0]&0x80 != 0, rest[0]&0x40 != 0
	rest = rest[1:]
	if m == 0 || m*perFrame > 5760 { // R5: at most 120 ms
		return 0, false
	}
	pad := 0
	for padded {
		if len(rest) < 1 {
			return 0, false
		}
		b := int(rest[0])
		rest = rest[1:]
		if b == 255 {
			pad += 254
		} else {
			pad += b
			padded = false
		}
	}
	if pad > len(rest) {
		return 0, false
	}
	rest = rest[:len(rest)-pad]
	if !vbr { // R6
		return m * perFrame, len(rest)%m == 0 && len(rest)/m <= maxFrame
	}
	total := 0
	for range m - 1 { // R7
		n, used, ok := opusFrameLength(rest)
		if !ok {
			return 0, false
		}
		rest = rest[used:]
		total += n
	}
	return m * perFrame, total <= len(rest) && len(rest)-total <= maxFrame
}

// opusFrameLength decodes a frame length of RFC 6716, Section 3.2.1.
func opusFrameLength(b []byte) (n, used int, ok bool) {
	switch {
	case len(b) < 1:
		return 0, 0, false
	case b[0] < 252:
		return int(b[0]), 1, true
	case len(b) < 2:
		return 0, 0, false
	default:
		return int(b[0]) + 4*int(b[1]), 2, true
	}
}

// opusSamplesPerFrame is the frame size at 48 kHz named by the TOC
// configuration (RFC 6716, Section 3.1, Table 2).
func opusSamplesPerFrame(toc byte) int {
	config := toc >> 3
	switch {
	case config < 12: // SILK-only: 10, 20, 40, 60 ms
		return []int{480, 960, 1920, 2880}[config&3]
	case config < 16: // Hybrid: 10, 20 ms
		return []int{480, 960}[config&1]
	default: // CELT-only: 2.5, 5, 10, 20 ms
		return []int{120, 240, 480, 960}[config&3]
	}
}
