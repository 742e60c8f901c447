package main

import (
	"math"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/callseal/callseal/e2ee/sframe"
)

// A payloadView is what one observer could make of the RTP packets of one
// stream. The relay fills one per stream from the packets it forwards (SFrame
// inside, transport SRTP removed); each receiver fills one from the packets it
// opened, as a control that the same checks do recognise plain media.
type payloadView struct {
	packets      int // RTP packets looked at
	headersRead  int // RTP fixed header parsed: SSRC, PT, sequence number, timestamp, marker
	sframeRead   int // payloads that begin with a well-formed SFrame header (KID, CTR)
	kid          int64
	payloadBytes int
	hist         [256]uint64 // byte histogram of all payloads

	// Attempts to read the media itself.
	vp8Keyframes  int // video payloads that start a VP8 keyframe (descriptor + RFC 6386 start code)
	plaintextSeen int // payloads that contain sent media bytes in the clear (a 16-byte chunk of a sent frame)
	readable      int // payloads for which one of the two checks above succeeded

	// opusTOC counts audio payloads whose first byte is a valid Opus TOC
	// with consistent framing and the announced ptime (RFC 6716, Section
	// 3). It is not counted as readable: one byte of structure is a weak
	// test, passed by chance by random bytes and, every time, by an SFrame
	// header such as 0x08 (KID 0, 1-byte CTR), which reads as SILK NB 20 ms.
	opusTOC int
	// firstBytes counts the first payload bytes, to name the most common.
	firstBytes [256]int
}

// inspector holds what an observer knows about the call besides the packets:
// the SDP (payload types, the audio ptime) and, for the plaintext check, the
// media that was sent.
type inspector struct {
	opusSamples int // Opus packet duration announced in the SDP (a=ptime), in 48 kHz samples
	known       *plaintextIndex
}

// look parses one RTP packet and tries to read its payload.
func (in *inspector) look(v *payloadView, pkt []byte) {
	v.packets++
	var p rtp.Packet
	if err := p.Unmarshal(pkt); err != nil {
		return
	}
	v.headersRead++
	v.payloadBytes += len(p.Payload)
	for _, b := range p.Payload {
		v.hist[b]++
	}
	if len(p.Payload) > 0 {
		v.firstBytes[p.Payload[0]]++
	}
	if h, _, err := sframe.ParseHeader(p.Payload); err == nil {
		v.sframeRead++
		v.kid = int64(h.KID)
	}
	read := false
	switch p.PayloadType {
	case ptOpus:
		if samples, ok := opusDuration(p.Payload); ok && samples == in.opusSamples {
			v.opusTOC++
		}
	case ptVideo, ptScreen:
		if isVP8KeyframeStart(p.Payload) {
			v.vp8Keyframes++
			read = true
		}
	}
	if in.known.contains(p.Payload) {
		v.plaintextSeen++
		read = true
	}
	if read {
		v.readable++
	}
}

// commonFirstByte returns the most frequent first payload byte.
func (v *payloadView) commonFirstByte() byte {
	best := 0
	for b, n := range v.firstBytes {
		if n > v.firstBytes[best] {
			best = b
		}
	}
	return byte(best)
}

// isVP8KeyframeStart reports whether an RTP payload is the first packet of a
// VP8 keyframe: a payload descriptor (RFC 7741, Section 4.2) with S=1 and
// PID=0, then a frame tag with the key frame bit clear and the start code
// 0x9d 0x01 0x2a and a nonzero width and height (RFC 6386, Section 9.1).
func isVP8KeyframeStart(payload []byte) bool {
	var d codecs.VP8Packet
	frame, err := d.Unmarshal(payload)
	if err != nil || d.S != 1 || d.PID != 0 || len(frame) < 10 {
		return false
	}
	return frame[0]&0x01 == 0 && // key frame
		frame[3] == 0x9d && frame[4] == 0x01 && frame[5] == 0x2a &&
		(uint16(frame[6])|uint16(frame[7])<<8)&0x3fff != 0 &&
		(uint16(frame[8])|uint16(frame[9])<<8)&0x3fff != 0
}

// add merges w into v.
func (v *payloadView) add(w *payloadView) {
	v.packets += w.packets
	v.headersRead += w.headersRead
	v.sframeRead += w.sframeRead
	v.payloadBytes += w.payloadBytes
	v.vp8Keyframes += w.vp8Keyframes
	v.plaintextSeen += w.plaintextSeen
	v.readable += w.readable
	v.opusTOC += w.opusTOC
	for i := range w.hist {
		v.hist[i] += w.hist[i]
		v.firstBytes[i] += w.firstBytes[i]
	}
}

// entropy is the Shannon entropy of the payload bytes in bits per byte:
// 8 for uniformly random bytes, such as ciphertext. Compressed media comes
// close too, so it is a hint, not proof; the parse checks are the evidence.
func (v *payloadView) entropy() float64 {
	var total uint64
	for _, n := range v.hist {
		total += n
	}
	if total == 0 {
		return 0
	}
	h := 0.0
	for _, n := range v.hist {
		if n > 0 {
			p := float64(n) / float64(total)
			h -= p * math.Log2(p)
		}
	}
	return h
}

// plaintextIndex finds sent media bytes inside a payload. It holds every
// 16-byte chunk of the sent frames at offsets that are multiples of 16, so a
// run of 31 or more plaintext bytes anywhere in a payload is always found.
type plaintextIndex struct {
	chunks map[[plaintextChunk]byte]struct{}
}

const plaintextChunk = 16 // bytes

func newPlaintextIndex(tracks []*track) *plaintextIndex {
	x := &plaintextIndex{chunks: make(map[[plaintextChunk]byte]struct{})}
	for _, t := range tracks {
		for _, f := range t.frames {
			for i := 0; i+plaintextChunk <= len(f.data); i += plaintextChunk {
				x.chunks[[plaintextChunk]byte(f.data[i:])] = struct{}{}
			}
		}
	}
	return x
}

func (x *plaintextIndex) contains(payload []byte) bool {
	if x == nil {
		return false
	}
	for i := 0; i+plaintextChunk <= len(payload); i++ {
		if _, ok := x.chunks[[plaintextChunk]byte(payload[i:])]; ok {
			return true
		}
	}
	return false
}
