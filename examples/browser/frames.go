package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"github.com/callseal/callseal/e2ee"
)

// Packets samplebuilder may hold while it waits for a late one, per codec:
// a VP8 key frame of the page's 640x480 camera spans tens of packets.
const (
	maxLateOpus = 16
	maxLateVP8  = 128
)

// trackCodec returns the media kind and frame codec of a track's codec.
func trackCodec(c webrtc.RTPCodecParameters) (e2ee.MediaKind, e2ee.FrameCodec, error) {
	switch strings.ToLower(c.MimeType) {
	case strings.ToLower(webrtc.MimeTypeOpus):
		return e2ee.Audio, e2ee.CodecOpus, nil
	case strings.ToLower(webrtc.MimeTypeVP8):
		return e2ee.Video, e2ee.CodecVP8, nil
	}
	return 0, 0, fmt.Errorf("codec %s: frame mode supports Opus and VP8 only", c.MimeType)
}

// frameSource turns a remote track's RTP packets back into the encoded
// frames the sender's transform produced: pion's samplebuilder with the
// codec's depacketizer. Every packet goes in, padding-only ones included
// (samplebuilder skips them; dropping them would leave gaps that stall it).
// It is used by one goroutine.
type frameSource struct {
	track *webrtc.TrackRemote
	sb    *samplebuilder.SampleBuilder
	queue []media.Sample
}

func newFrameSource(track *webrtc.TrackRemote) (*frameSource, error) {
	_, codec, err := trackCodec(track.Codec())
	if err != nil {
		return nil, err
	}
	var dp rtp.Depacketizer = &codecs.OpusPacket{}
	maxLate := uint16(maxLateOpus)
	if codec == e2ee.CodecVP8 {
		dp, maxLate = &codecs.VP8Packet{}, maxLateVP8
	}
	return &frameSource{track: track, sb: samplebuilder.New(maxLate, dp, track.Codec().ClockRate)}, nil
}

// next returns the next complete frame and its duration (from the RTP
// timestamps), or the track's read error.
func (f *frameSource) next() ([]byte, time.Duration, error) {
	for len(f.queue) == 0 {
		pkt, _, err := f.track.ReadRTP()
		if err != nil {
			return nil, 0, err
		}
		f.sb.Push(pkt)
		for s := f.sb.Pop(); s != nil; s = f.sb.Pop() {
			f.queue = append(f.queue, *s)
		}
	}
	s := f.queue[0]
	f.queue = f.queue[1:]
	return s.Data, s.Duration, nil
}

// openTrack reads the frames of track, opens each with s and hands the
// clear frame to sink (nil: drop it), counting in c; it returns when the
// track ends. A frame that does not open, or opens under another kind's
// key, is counted and dropped, never passed on.
func openTrack(track *webrtc.TrackRemote, s *e2ee.Session, c *counter, sink func(kind e2ee.MediaKind, codec e2ee.FrameCodec, frame []byte, d time.Duration)) {
	kind, codec, err := trackCodec(track.Codec())
	if err != nil {
		return
	}
	src, err := newFrameSource(track)
	if err != nil {
		return
	}
	for {
		sealed, d, err := src.next()
		if err != nil {
			return
		}
		frame, got, err := s.OpenFrame(nil, sealed, codec)
		if err == nil && got != kind {
			err = errWrongKind
		}
		if err != nil {
			c.failed(kind, err)
			continue
		}
		c.opened(kind)
		if sink != nil {
			sink(kind, codec, frame, d)
		}
	}
}

// sealTo seals frame with s and writes it to track as one sample of
// duration d (pion packetizes the sealed frame).
func sealTo(track *webrtc.TrackLocalStaticSample, s *e2ee.Session, c *counter, kind e2ee.MediaKind, codec e2ee.FrameCodec, frame []byte, d time.Duration) error {
	sealed, err := s.SealFrame(nil, frame, kind, codec)
	if err != nil {
		c.failed(kind, err)
		return err
	}
	c.sealed(kind)
	return track.WriteSample(media.Sample{Data: sealed, Duration: d})
}
