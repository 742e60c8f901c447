package pionframe

import (
	"fmt"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"github.com/callseal/callseal/e2ee"
)

// maxLatePackets is how many packets the samplebuilder waits for a missing
// one before it gives up on its frame: more than a 60 kB VP8 key frame
// takes at 1200 bytes per packet.
const maxLatePackets = 256 // packets

// Reader reads the opened frames of a remote track: it rebuilds frames from
// the track's RTP packets with pion's samplebuilder and opens each with
// e2ee.Session.OpenFrame. ReadSample calls are serialized.
type Reader struct {
	f     *Frames
	track *webrtc.TrackRemote
	codec e2ee.FrameCodec

	mu sync.Mutex // serializes ReadSample; guards sb
	sb *samplebuilder.SampleBuilder
}

// NewReader returns a Reader of track. Errors: ErrUnsupportedCodec for a
// codec other than Opus or VP8.
func (f *Frames) NewReader(track *webrtc.TrackRemote) (*Reader, error) {
	c := track.Codec()
	codec, err := frameCodec(c.MimeType)
	if err != nil {
		return nil, err
	}
	var dep rtp.Depacketizer = &codecs.OpusPacket{}
	if codec == e2ee.CodecVP8 {
		dep = &codecs.VP8Packet{}
	}
	return &Reader{f: f, track: track, codec: codec, sb: samplebuilder.New(maxLatePackets, dep, c.ClockRate)}, nil
}

// ReadSample returns the next frame of the track that opens, in place in
// the sample the samplebuilder made, with the media kind named by its
// SFrame KID. Frames that do not open, arrive before SetSession or are
// empty are dropped and counted in Stats; they are never returned. The
// error is the track's (io.EOF when it ends), wrapped.
func (r *Reader) ReadSample() (*media.Sample, e2ee.MediaKind, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for s := r.sb.Pop(); s != nil; s = r.sb.Pop() {
			if kind, ok := r.open(s); ok {
				return s, kind, nil
			}
		}
		pkt, _, err := r.track.ReadRTP()
		if err != nil {
			return nil, 0, fmt.Errorf("pionframe: %w", err)
		}
		r.sb.Push(pkt) // padding-only packets too: the samplebuilder skips them
	}
}

// open opens s in place, or counts why it is dropped.
func (r *Reader) open(s *media.Sample) (e2ee.MediaKind, bool) {
	if len(s.Data) == 0 {
		r.f.c.padding.Add(1)
		return 0, false
	}
	sess := r.f.sess.Load()
	if sess == nil {
		r.f.c.noSession.Add(1)
		return 0, false
	}
	out, kind, err := sess.OpenFrame(s.Data[:0], s.Data, r.codec)
	if err != nil {
		r.f.c.dropped(err)
		return 0, false
	}
	s.Data = out
	r.f.c.opened.Add(1)
	return kind, true
}
