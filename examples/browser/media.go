package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"github.com/callseal/callseal/e2ee"
	embedded "github.com/callseal/callseal/examples/loopback/media"
)

// Codecs of the call: the only ones callseal's frame mode knows how to keep
// readable for packetizers (e2ee.FrameCodec), and the only ones the page
// offers.
var (
	opusCodec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	vp8Codec  = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
)

// Frame steps of the embedded media (examples/loopback/media): Opus packets
// of 20 ms, VP8 at 15 frames per second.
const (
	opusFrameStep = 20 * time.Millisecond
	vp8FrameStep  = time.Second / 15
)

// A clip is one embedded media file as the encoded frames the Go peer
// sends, in a loop.
type clip struct {
	kind   e2ee.MediaKind
	step   time.Duration // media time of one frame
	frames [][]byte
}

// clips returns the Go peer's media: the embedded Opus speech and VP8
// camera video.
func clips() ([2]*clip, error) {
	audio, err := opusFrames(embedded.AudioOgg)
	if err != nil {
		return [2]*clip{}, err
	}
	video, err := vp8Frames(embedded.VideoIVF)
	if err != nil {
		return [2]*clip{}, err
	}
	return [2]*clip{
		{kind: e2ee.Audio, step: opusFrameStep, frames: audio},
		{kind: e2ee.Video, step: vp8FrameStep, frames: video},
	}, nil
}

// opusFrames returns the Opus packets of an Ogg Opus file with one packet
// per page (RFC 7845), skipping the comment header.
func opusFrames(data []byte) ([][]byte, error) {
	r, _, err := oggreader.NewWith(bytes.NewReader(data)) // reads the OpusHead page
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	var frames [][]byte
	for {
		page, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("audio: %w", err)
		}
		if len(page) == 0 || bytes.HasPrefix(page, []byte("OpusTags")) {
			continue
		}
		frames = append(frames, page)
	}
	if len(frames) == 0 {
		return nil, errors.New("audio: no Opus packets")
	}
	return frames, nil
}

// vp8Frames returns the frames of a VP8 IVF file.
func vp8Frames(data []byte) ([][]byte, error) {
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	if hdr.FourCC != "VP80" {
		return nil, fmt.Errorf("video: IVF codec %q, want VP80", hdr.FourCC)
	}
	var frames [][]byte
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("video: %w", err)
		}
		if len(frame) > 0 {
			frames = append(frames, frame)
		}
	}
	if len(frames) == 0 || frames[0][0]&1 != 0 {
		return nil, errors.New("video: no VP8 frames, or the first is not a key frame")
	}
	return frames, nil
}
