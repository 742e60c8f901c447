package main

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"github.com/callseal/callseal"
)

// jitterBufferPackets is how many packets a stream's jitter buffer holds at
// most while it waits for a missing one.
const jitterBufferPackets = 512

// A receiver takes the packets a party's Session opened, one goroutine per
// media kind, and puts each SSRC's frames back together with a jitter
// buffer (pion's samplebuilder), so reordering on the path does no harm and
// a frame with a lost packet is left out.
type receiver struct {
	mu      sync.Mutex
	streams map[uint32]*recvStream
}

// A recvStream is what a party received of one SSRC.
type recvStream struct {
	ssrc    uint32
	kind    callseal.MediaKind // the Session's stream: authenticated by E2EE
	packets int                // opened
	opened  map[uint16]int     // per sequence number: times opened (once, or the Session let a replay through)

	jitter  *samplebuilder.SampleBuilder
	delay   uint32          // the jitter buffer's delay, in RTP clock ticks
	firstTS uint32          // of the first packet received
	playing bool            // the start-up delay has passed: frames are taken as they are built
	frames  []*media.Sample // built by the jitter buffer, in order

	view payloadView // the same checks the relay runs, on the opened packets
}

// start reads every stream of sess in the background until sess is closed.
func (r *receiver) start(wg *sync.WaitGroup, sess *callseal.Session, insp *inspector, delay time.Duration) {
	r.streams = make(map[uint32]*recvStream)
	for _, kind := range callseal.Kinds {
		wg.Go(func() { r.run(sess.Stream(kind), insp, delay) })
	}
}

func (r *receiver) run(st *callseal.Stream, insp *inspector, delay time.Duration) {
	var buf []byte
	for {
		var err error
		if buf, err = st.ReadRTP(buf[:0]); err != nil {
			return // callseal.ErrClosed: the call is over
		}
		pkt := new(rtp.Packet)
		if err := pkt.Unmarshal(slices.Clone(buf)); err != nil {
			continue // E2EE parsed its header; cannot happen
		}
		r.mu.Lock()
		s := r.streams[pkt.SSRC]
		if s == nil {
			s = newRecvStream(pkt.SSRC, st.Kind(), delay)
			r.streams[pkt.SSRC] = s
		}
		s.packets++
		s.opened[pkt.SequenceNumber]++
		insp.look(&s.view, buf)
		s.push(pkt)
		r.mu.Unlock()
	}
}

func newRecvStream(ssrc uint32, kind callseal.MediaKind, delay time.Duration) *recvStream {
	var d rtp.Depacketizer = &codecs.OpusPacket{}
	rate := uint32(opusClockRate)
	opts := []samplebuilder.Option{samplebuilder.WithMaxTimeDelay(delay)}
	if kind != callseal.Audio {
		d, rate = &vp8Frames{}, vp8ClockRate
		opts = append(opts, samplebuilder.WithPacketHeadHandler(func(d any) any { return d.(*vp8Frames).S == 1 }))
	}
	return &recvStream{
		ssrc: ssrc, kind: kind, opened: make(map[uint16]int),
		jitter: samplebuilder.New(jitterBufferPackets, d, rate, opts...),
		delay:  uint32(delay.Seconds() * float64(rate)),
	}
}

// vp8Frames is pion's VP8 depacketizer with every packet taken for a
// possible frame start, so that the samplebuilder builds a frame from the
// packets after a lost first one, and the receiver drops it by the head
// handler's note (S=1 or not, RFC 7741, Section 4.2). With the real check,
// pion's samplebuilder (webrtc v4.2.26), purging such a headless frame,
// skips the packet after it as well: the first packet of the next frame,
// which is lost with it.
type vp8Frames struct{ codecs.VP8Packet }

func (*vp8Frames) IsPartitionHead([]byte) bool { return true }

// push puts an opened packet into the jitter buffer and takes the frames it
// built. The first frames are taken only once the stream has run for the
// buffer's delay: the samplebuilder drops a packet older than the first one
// it built from, so a start-up delay lets the first packets arrive in any
// order, as a playout delay does.
func (s *recvStream) push(pkt *rtp.Packet) {
	if s.packets == 1 {
		s.firstTS = pkt.Timestamp
	}
	s.jitter.Push(pkt)
	s.playing = s.playing || int32(pkt.Timestamp-s.firstTS) >= int32(s.delay)
	if s.playing {
		s.pop()
	}
}

// pop takes the frames the jitter buffer has built.
func (s *recvStream) pop() {
	for f := s.jitter.Pop(); f != nil; f = s.jitter.Pop() {
		if start, ok := f.Metadata.(bool); !ok || start {
			s.frames = append(s.frames, f)
		}
	}
}

// flush takes the frames still in the jitter buffers, after the call.
func (r *receiver) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.streams {
		s.jitter.Flush()
		s.pop()
	}
}

// complete reports whether every packet the peer's bye announced has arrived.
func (r *receiver) complete(want byeMsg) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range want.Streams {
		if st := r.streams[s.SSRC]; st == nil || st.packets < s.Packets {
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
	return &recvStream{ssrc: ssrc, opened: map[uint16]int{}}
}

func ssrcOf(pkt []byte) uint32 {
	if len(pkt) < 12 {
		return 0
	}
	return uint32(pkt[8])<<24 | uint32(pkt[9])<<16 | uint32(pkt[10])<<8 | uint32(pkt[11])
}

// write saves the frames the jitter buffer built in their container with
// pion's writers: Ogg Opus for audio, IVF for VP8. t describes the media
// (channels, picture size), as the SDP and the bitstream would tell a real
// receiver. The writers take RTP packets: one per frame, a VP8 frame behind
// a minimal payload descriptor (S=1, RFC 7741, Section 4.2).
func (s *recvStream) write(path string, t *track) error {
	type rtpWriter interface {
		WriteRTP(*rtp.Packet) error
		Close() error
	}
	var w rtpWriter
	var err error
	audio := t.kind == callseal.Audio
	if audio {
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
	for _, f := range s.frames {
		pkt := &rtp.Packet{Header: rtp.Header{Timestamp: f.PacketTimestamp, Marker: true}, Payload: f.Data}
		if !audio {
			pkt.Payload = append([]byte{0x10}, f.Data...)
		}
		if err := w.WriteRTP(pkt); err != nil {
			w.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
