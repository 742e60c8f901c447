package main

import (
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pionframe"
)

// mediaKind returns the e2ee media kind of a pion track kind: the page
// sends its microphone as audio and its camera as video.
func mediaKind(k webrtc.RTPCodecType) (e2ee.MediaKind, bool) {
	switch k {
	case webrtc.RTPCodecTypeAudio:
		return e2ee.Audio, true
	case webrtc.RTPCodecTypeVideo:
		return e2ee.Video, true
	}
	return 0, false
}

// frameCodecOf returns the frame codec the call uses for kind: Opus for
// audio, VP8 for video (the page offers nothing else).
func frameCodecOf(kind e2ee.MediaKind) e2ee.FrameCodec {
	if kind == e2ee.Audio {
		return e2ee.CodecOpus
	}
	return e2ee.CodecVP8
}

// openTrack reads the opened frames of track through fr (pionframe drops
// and counts those that do not open) and hands each to sink (nil drops it),
// counting in c; it returns when the track ends. A frame opened under
// another kind's key than its track's is counted and dropped.
func openTrack(fr *pionframe.Frames, track *webrtc.TrackRemote, c *counter, sink func(kind e2ee.MediaKind, frame []byte, d time.Duration)) {
	want, ok := mediaKind(track.Kind())
	if !ok {
		return
	}
	r, err := fr.NewReader(track)
	if err != nil {
		return // a codec frame mode does not support: nothing is played
	}
	for {
		s, kind, err := r.ReadSample()
		if err != nil {
			return
		}
		if kind != want {
			c.wrongKind()
			continue
		}
		c.opened(kind)
		if sink != nil {
			sink(kind, s.Data, s.Duration)
		}
	}
}
