package main

import (
	"bytes"
	"slices"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// A receiver keeps every RTP packet a peer's app reads from its remote
// tracks (opened by the interceptor; RTX repairs included), by track ID.
type receiver struct {
	mu     sync.Mutex
	tracks map[string]*recvTrack
}

type recvTrack struct {
	audio bool
	pkts  []*rtp.Packet // in arrival order
}

// read reads a remote track until it ends.
func (r *receiver) read(t *webrtc.TrackRemote) {
	rt := &recvTrack{audio: t.Kind() == webrtc.RTPCodecTypeAudio}
	r.mu.Lock()
	r.tracks[t.ID()] = rt
	r.mu.Unlock()
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		r.mu.Lock()
		rt.pkts = append(rt.pkts, pkt)
		r.mu.Unlock()
	}
}

// frames returns the frames received on a track so far.
func (r *receiver) frames(trackID string) [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	rt := r.tracks[trackID]
	if rt == nil {
		return nil
	}
	return rt.frames()
}

// frames reassembles a track: one Opus packet per RTP packet (RFC 7587); a
// VP8 frame from the packet with S=1 and PID=0 to the one with the marker
// bit, without gaps (RFC 7741, Section 4.4). Packets are put in sequence
// order first (RFC 3550, Appendix A.1 extension of the 16-bit number), so
// RTX repairs that arrive late fall into place; incomplete frames are left
// out.
func (rt *recvTrack) frames() [][]byte {
	type ext struct {
		seq int64
		pkt *rtp.Packet
	}
	var all []ext
	var highest int64
	for i, p := range rt.pkts {
		e := int64(p.SequenceNumber)
		if i > 0 {
			e = highest + int64(int16(p.SequenceNumber-uint16(highest)))
		}
		if i == 0 || e > highest {
			highest = e
		}
		all = append(all, ext{e, p})
	}
	slices.SortStableFunc(all, func(a, b ext) int { return int(a.seq - b.seq) })
	all = slices.CompactFunc(all, func(a, b ext) bool { return a.seq == b.seq })

	var out [][]byte
	if rt.audio {
		for _, e := range all {
			out = append(out, e.pkt.Payload)
		}
		return out
	}
	var cur []byte
	inFrame := false
	var prev int64
	for _, e := range all {
		var d codecs.VP8Packet
		body, err := d.Unmarshal(e.pkt.Payload)
		switch {
		case err != nil:
			inFrame = false
			continue
		case d.S == 1 && d.PID == 0:
			cur, inFrame = nil, true
		case !inFrame || e.seq != prev+1:
			inFrame = false // a packet of this frame is missing
			continue
		}
		cur = append(cur, body...)
		prev = e.seq
		if e.pkt.Marker {
			out = append(out, cur)
			inFrame = false
		}
	}
	return out
}

// compare counts how many of the sent frames arrived byte-identical, in
// order, and whether the received track holds exactly those frames.
func compare(sent, got [][]byte) (identical int, exact bool) {
	for i := range min(len(sent), len(got)) {
		if bytes.Equal(sent[i], got[i]) {
			identical++
		}
	}
	return identical, identical == len(sent) && len(got) == len(sent)
}

// firstDifference is the index of the first frame that differs or is
// missing.
func firstDifference(sent, got [][]byte) int {
	for i := range min(len(sent), len(got)) {
		if !bytes.Equal(sent[i], got[i]) {
			return i
		}
	}
	return min(len(sent), len(got))
}
