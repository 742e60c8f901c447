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

	"github.com/callseal/callseal/examples/loopback/media"
)

// A source is one media file as a track sends it: its codec frames (Opus
// packets, VP8 frames) and the time each one lasts.
type source struct {
	trackID  string // "audio", "camera", "screen": the screen-share rule keys on it
	mimeType string
	frames   [][]byte
	interval time.Duration
}

// loadSources reads the embedded sample media (examples/loopback/media).
func loadSources() ([]*source, error) {
	audio, err := loadOpus(media.AudioOgg)
	if err != nil {
		return nil, fmt.Errorf("audio.ogg: %w", err)
	}
	camera, err := loadVP8("camera", media.VideoIVF)
	if err != nil {
		return nil, fmt.Errorf("video.ivf: %w", err)
	}
	screen, err := loadVP8("screen", media.ScreenIVF)
	if err != nil {
		return nil, fmt.Errorf("screen.ivf: %w", err)
	}
	return []*source{audio, camera, screen}, nil
}

// loadOpus reads an Ogg Opus file with one 20 ms Opus packet per page
// (media/GENERATE.md), skipping the OpusTags header page.
func loadOpus(data []byte) (*source, error) {
	r, _, err := oggreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	s := &source{trackID: "audio", mimeType: webrtc.MimeTypeOpus, interval: 20 * time.Millisecond}
	for {
		page, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(page, []byte("OpusTags")) {
			continue
		}
		s.frames = append(s.frames, page)
	}
	if len(s.frames) == 0 {
		return nil, errors.New("no Opus packets")
	}
	return s, nil
}

// loadVP8 reads a VP8 IVF file. Frames are paced at the header's time base
// (TimebaseNumerator/TimebaseDenominator seconds; ivfreader's per-frame
// Timestamp is not in seconds, see media/GENERATE.md).
func loadVP8(trackID string, data []byte) (*source, error) {
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if hdr.FourCC != "VP80" {
		return nil, fmt.Errorf("codec %q, want VP80", hdr.FourCC)
	}
	s := &source{
		trackID: trackID, mimeType: webrtc.MimeTypeVP8,
		interval: time.Second * time.Duration(hdr.TimebaseNumerator) / time.Duration(hdr.TimebaseDenominator),
	}
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(frame) > 0 {
			s.frames = append(s.frames, frame)
		}
	}
	if len(s.frames) == 0 {
		return nil, errors.New("no VP8 frames")
	}
	return s, nil
}

// duration is how long the source plays.
func (s *source) duration() time.Duration { return time.Duration(len(s.frames)) * s.interval }
