package pionframe

import (
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/callseal/callseal/e2ee"
)

// Track is a sealed webrtc.TrackLocal: a webrtc.TrackLocalStaticSample
// whose WriteSample seals each frame (e2ee.Session.SealFrame) before pion
// packetizes it. Add it to a PeerConnection with AddTrack like any track.
// The inner track is not exposed, so no frame can be written past the
// seal. A Track is safe for concurrent use; WriteSample calls are
// serialized.
type Track struct {
	inner *webrtc.TrackLocalStaticSample
	f     *Frames
	kind  e2ee.MediaKind
	codec e2ee.FrameCodec

	mu  sync.Mutex // guards buf
	buf []byte     // the sealed frame, reused: pion's packetizer copies it
}

var _ webrtc.TrackLocal = (*Track)(nil)

// NewTrack returns a sealed track of media kind kind (e2ee.Audio, Video or
// ScreenShare: the key it is sealed under, which the receiver learns from
// the SFrame KID) for codec c, with pion's track id and stream id. Errors:
// ErrUnsupportedCodec for a codec other than Opus or VP8; pion's errors.
func (f *Frames) NewTrack(kind e2ee.MediaKind, c webrtc.RTPCodecCapability, id, streamID string) (*Track, error) {
	codec, err := frameCodec(c.MimeType)
	if err != nil {
		return nil, err
	}
	inner, err := webrtc.NewTrackLocalStaticSample(c, id, streamID)
	if err != nil {
		return nil, fmt.Errorf("pionframe: %w", err)
	}
	return &Track{inner: inner, f: f, kind: kind, codec: codec}, nil
}

// WriteSample seals s.Data as one encoded frame and hands the sealed frame,
// with s's timing, to pion's packetizer. Without a session the frame is
// dropped (Stats.NoSession) and WriteSample returns nil. Errors: those of
// SealFrame, wrapped (e2ee.ErrMalformed for an empty frame or a VP8 frame
// shorter than its header, e2ee.ErrClosed, ...; the frame is not sent,
// Stats.SealFailed), and pion's write errors.
func (t *Track) WriteSample(s media.Sample) error {
	sess := t.f.sess.Load()
	if sess == nil {
		t.f.c.noSession.Add(1)
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	sealed, err := sess.SealFrame(t.buf[:0], s.Data, t.kind, t.codec)
	if err != nil {
		t.f.c.sealFailed.Add(1)
		return fmt.Errorf("pionframe: %w", err)
	}
	t.buf = sealed[:0]
	t.f.c.sealed.Add(1)
	s.Data = sealed
	return t.inner.WriteSample(s)
}

// Bind is called by pion when the track is negotiated (webrtc.TrackLocal).
func (t *Track) Bind(c webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	return t.inner.Bind(c)
}

// Unbind is called by pion when the track is removed (webrtc.TrackLocal).
func (t *Track) Unbind(c webrtc.TrackLocalContext) error { return t.inner.Unbind(c) }

// ID returns the track id given to NewTrack.
func (t *Track) ID() string { return t.inner.ID() }

// RID returns the RTP stream id (simulcast), "" here.
func (t *Track) RID() string { return t.inner.RID() }

// StreamID returns the stream id given to NewTrack.
func (t *Track) StreamID() string { return t.inner.StreamID() }

// Kind returns audio or video, from the codec's MIME type.
func (t *Track) Kind() webrtc.RTPCodecType { return t.inner.Kind() }

// Codec returns the codec given to NewTrack.
func (t *Track) Codec() webrtc.RTPCodecCapability { return t.inner.Codec() }

// MediaKind returns the e2ee media kind the track seals under.
func (t *Track) MediaKind() e2ee.MediaKind { return t.kind }
