package main

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/srtp"
)

// A receiver takes what arrives on a party's media socket through both
// layers: transport SRTP unprotect, then E2EE open. It keeps every opened
// RTP packet per SSRC; frames are put back together after the call, in
// sequence order, so reordering on the path does no harm.
type receiver struct {
	mu      sync.Mutex
	streams map[uint32]*recvStream
}

// A recvStream is what a party received of one SSRC.
type recvStream struct {
	ssrc    uint32
	kind    e2ee.MediaKind // from E2EE open: authenticated
	packets []*rtp.Packet  // opened, in arrival order

	wireBytes   int // UDP payloads that opened
	sealedBytes int // after transport SRTP unprotect
	rtpBytes    int // after E2EE open

	replays         int // dropped by a replay window (transport or E2EE)
	transportFailed int // transport SRTP authentication failed or malformed
	e2eeFailed      int // E2EE authentication failed, unknown key or malformed

	view payloadView // the same checks the relay runs, on the opened packets
}

// run reads packets until conn is closed.
func (r *receiver) run(conn *net.UDPConn, transport *srtp.Session, opener *e2ee.Session, insp *inspector) {
	buf := make([]byte, maxDatagram)
	var sealed, plain []byte
	for {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return // closed: the call is over
		}
		wire := buf[:n]
		ssrc := ssrcOf(wire) // in the clear in the SRTP header
		sealed, err = transport.UnprotectRTP(sealed[:0], wire)
		if err != nil {
			r.drop(ssrc, err)
			continue
		}
		var kind e2ee.MediaKind
		plain, kind, err = opener.Open(plain[:0], sealed)
		if err != nil {
			r.drop(ssrc, err)
			continue
		}
		pkt := new(rtp.Packet)
		if err := pkt.Unmarshal(slices.Clone(plain)); err != nil {
			r.drop(ssrc, err)
			continue
		}
		r.mu.Lock()
		st := r.stream(ssrc)
		st.kind = kind
		st.packets = append(st.packets, pkt)
		st.wireBytes += len(wire)
		st.sealedBytes += len(sealed)
		st.rtpBytes += len(plain)
		insp.look(&st.view, plain)
		r.mu.Unlock()
	}
}

func (r *receiver) stream(ssrc uint32) *recvStream {
	st := r.streams[ssrc]
	if st == nil {
		st = &recvStream{ssrc: ssrc}
		r.streams[ssrc] = st
	}
	return st
}

// drop counts a packet that did not open, by why.
func (r *receiver) drop(ssrc uint32, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stream(ssrc)
	switch {
	case errors.Is(err, srtp.ErrReplay), errors.Is(err, e2ee.ErrReplay):
		st.replays++
	case errors.Is(err, srtp.ErrAuth), errors.Is(err, srtp.ErrMalformed):
		st.transportFailed++
	default:
		st.e2eeFailed++
	}
}

// complete reports whether every packet the peer's bye announced has arrived.
func (r *receiver) complete(want byeMsg) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range want.Streams {
		if st := r.streams[s.SSRC]; st == nil || len(st.packets) < s.Packets {
			return false
		}
	}
	return true
}

// get returns the stream for ssrc, or an empty one; for use after the call.
func (r *receiver) get(ssrc uint32) *recvStream {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.streams[ssrc]; st != nil {
		return st
	}
	return &recvStream{ssrc: ssrc}
}

func ssrcOf(pkt []byte) uint32 {
	if len(pkt) < 12 {
		return 0
	}
	return uint32(pkt[8])<<24 | uint32(pkt[9])<<16 | uint32(pkt[10])<<8 | uint32(pkt[11])
}

// ordered returns the stream's packets in sequence number order, without
// duplicates. Sequence numbers are extended past their 16-bit wrap in arrival
// order (RFC 3550, Appendix A.1).
func (st *recvStream) ordered() []*rtp.Packet {
	type extPacket struct {
		seq int64
		pkt *rtp.Packet
	}
	ext := make([]extPacket, 0, len(st.packets))
	var highest int64
	for i, p := range st.packets {
		e := int64(p.SequenceNumber)
		if i > 0 {
			e = highest + int64(int16(p.SequenceNumber-uint16(highest)))
		}
		if i == 0 || e > highest {
			highest = e
		}
		ext = append(ext, extPacket{e, p})
	}
	slices.SortStableFunc(ext, func(a, b extPacket) int { return int(a.seq - b.seq) })
	ext = slices.CompactFunc(ext, func(a, b extPacket) bool { return a.seq == b.seq })
	out := make([]*rtp.Packet, len(ext))
	for i, e := range ext {
		out[i] = e.pkt
	}
	return out
}

// A recvFrame is a frame put back together from received packets.
type recvFrame struct {
	firstSeq uint16
	ts       uint32
	data     []byte
}

// frames reassembles the stream: one Opus packet per RTP packet (RFC 7587);
// a VP8 frame runs from the packet with S=1 and PID=0 to the one with the
// marker bit, without gaps in sequence numbers (RFC 7741, Section 4.4).
// Incomplete frames are left out.
func (st *recvStream) frames() []recvFrame {
	var out []recvFrame
	pkts := st.ordered()
	if st.kind == e2ee.Audio {
		for _, p := range pkts {
			out = append(out, recvFrame{p.SequenceNumber, p.Timestamp, p.Payload})
		}
		return out
	}
	var cur *recvFrame
	var prev uint16
	for _, p := range pkts {
		var d codecs.VP8Packet
		body, err := d.Unmarshal(p.Payload)
		switch {
		case err != nil:
			cur = nil
			continue
		case d.S == 1 && d.PID == 0:
			cur = &recvFrame{firstSeq: p.SequenceNumber, ts: p.Timestamp}
		case cur == nil || p.SequenceNumber != prev+1 || p.Timestamp != cur.ts:
			cur = nil // a packet of this frame is missing
			continue
		}
		cur.data = append(cur.data, body...)
		prev = p.SequenceNumber
		if p.Marker {
			out = append(out, *cur)
			cur = nil
		}
	}
	return out
}

// write saves the stream in its container with pion's writers: Ogg Opus for
// audio, IVF for VP8. t describes the media (channels, picture size), as the
// SDP and the bitstream would tell a real receiver.
func (st *recvStream) write(path string, t *track) error {
	type rtpWriter interface {
		WriteRTP(*rtp.Packet) error
		Close() error
	}
	var w rtpWriter
	var err error
	if st.kind == e2ee.Audio {
		w, err = oggwriter.New(path, opusClockRate, max(t.channels, 1))
	} else {
		w, err = ivfwriter.New(path,
			ivfwriter.WithCodec("video/VP8"),
			ivfwriter.WithWidthAndHeight(t.width, t.height),
			ivfwriter.WithFrameRate(1, vp8ClockRate), // IVF timebase 1/90000 s: PTS = RTP ticks
			ivfwriter.WithDirectPTS())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range st.ordered() {
		if err := w.WriteRTP(p); err != nil {
			w.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
