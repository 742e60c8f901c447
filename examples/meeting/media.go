package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/examples/loopback/media"
)

// RTP parameters of the meeting, as the SDP would fix them.
const (
	ptOpus   = 111 // a=rtpmap:111 opus/48000/2
	ptVideo  = 96  // a=rtpmap:96 VP8/90000 (camera)
	ptScreen = 97  // a=rtpmap:97 VP8/90000 (screen share)

	opusClockRate = 48000 // Hz, RFC 7587, Section 4.1
	vp8ClockRate  = 90000 // Hz, RFC 7741, Section 6.1
	opusStep      = 960   // 48 kHz samples per 20 ms Opus packet

	// audioLevelID is the RTP header extension ID of the client-to-mixer
	// audio level (RFC 6464), a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level.
	audioLevelID = 1

	mtu = 1200 // bytes per RTP packet before SFrame and SRTP
)

// A track is one embedded media file as the frames a participant sends.
type track struct {
	kind      e2ee.MediaKind
	pt        uint8
	clockRate uint32
	frames    []frame
}

// A frame is one Opus packet or one VP8 frame.
type frame struct {
	data []byte
	step uint32        // RTP timestamp increment to the next frame, in clock units
	at   time.Duration // media time of the frame
}

// loadTracks reads the embedded audio (Ogg Opus, one 20 ms packet per
// page), video and screen share (IVF VP8).
func loadTracks() ([3]*track, error) {
	var t [3]*track
	var err error
	if t[e2ee.Audio], err = loadOpus(media.AudioOgg); err != nil {
		return t, err
	}
	if t[e2ee.Video], err = loadVP8(media.VideoIVF, e2ee.Video, ptVideo); err != nil {
		return t, err
	}
	t[e2ee.ScreenShare], err = loadVP8(media.ScreenIVF, e2ee.ScreenShare, ptScreen)
	return t, err
}

func loadOpus(data []byte) (*track, error) {
	r, _, err := oggreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	t := &track{kind: e2ee.Audio, pt: ptOpus, clockRate: opusClockRate}
	for i := 0; ; i++ {
		page, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("audio: page %d: %w", i, err)
		}
		if bytes.HasPrefix(page, []byte("OpusTags")) || len(page) == 0 {
			continue
		}
		at := time.Duration(len(t.frames)) * 20 * time.Millisecond
		t.frames = append(t.frames, frame{data: page, step: opusStep, at: at})
	}
	if len(t.frames) == 0 {
		return nil, errors.New("audio: no Opus packets")
	}
	return t, nil
}

func loadVP8(data []byte, kind e2ee.MediaKind, pt uint8) (*track, error) {
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%v: %w", kind, err)
	}
	// One IVF frame per TimebaseNumerator/TimebaseDenominator seconds (no
	// alt-ref frames; examples/loopback/media/GENERATE.md).
	period := time.Duration(hdr.TimebaseNumerator) * time.Second / time.Duration(hdr.TimebaseDenominator)
	step := uint32(uint64(vp8ClockRate) * uint64(hdr.TimebaseNumerator) / uint64(hdr.TimebaseDenominator))
	t := &track{kind: kind, pt: pt, clockRate: vp8ClockRate}
	for i := 0; ; i++ {
		f, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%v: frame %d: %w", kind, i, err)
		}
		t.frames = append(t.frames, frame{data: f, step: step, at: time.Duration(i) * period})
	}
	if len(t.frames) == 0 {
		return nil, fmt.Errorf("%v: no VP8 frames", kind)
	}
	return t, nil
}

// duration is the media time of the track.
func (t *track) duration() time.Duration {
	last := t.frames[len(t.frames)-1]
	return last.at + time.Duration(last.step)*time.Second/time.Duration(t.clockRate)
}
