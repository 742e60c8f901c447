// Package media holds the sample media files of the callseal examples (see
// GENERATE.md beside this file for what they are and how they were made),
// embedded so that the example programs run without arguments.
package media

import _ "embed"

var (
	// AudioOgg is Ogg Opus speech, mono 48 kHz, 20 ms frames, one Opus
	// packet per Ogg page: 263 packets, 5.24 s.
	//go:embed audio.ogg
	AudioOgg []byte

	// VideoIVF is camera-like VP8 video in IVF, 320x240, 15 fps, 75 frames
	// (5 s), a keyframe every 30 frames, no alt-ref frames.
	//go:embed video.ivf
	VideoIVF []byte

	// ScreenIVF is a shared-screen VP8 clip in IVF, 640x360, 5 fps, 25
	// frames (5 s), a keyframe every 10 frames, no alt-ref frames.
	//go:embed screen.ivf
	ScreenIVF []byte
)
