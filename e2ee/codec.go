package e2ee

import (
	"errors"
	"fmt"
)

// FrameCodec names the codec of an encoded frame for frame mode (SealFrame,
// OpenFrame). It decides which leading bytes of the frame stay in clear:
// those a packetizer or depacketizer of the codec reads. They are
// authenticated as SFrame metadata (RFC 9605, Section 4.4.3).
type FrameCodec uint8

const (
	// CodecNone keeps nothing in clear: the whole frame is encrypted.
	CodecNone FrameCodec = iota
	// CodecOpus is Opus (RFC 6716): nothing in clear. Opus RTP packetizers
	// (RFC 7587) read no byte of the frame.
	CodecOpus
	// CodecVP8 is VP8 (RFC 6386): the frame's uncompressed data chunk stays
	// in clear, VP8KeyFrameHeaderSize bytes on a key frame and
	// VP8DeltaFrameHeaderSize bytes on a delta (inter) frame (RFC 6386,
	// Section 9.1). A frame is a key frame when the low bit of its first
	// byte is 0. Receivers read key/delta and, on key frames, the picture
	// size from these bytes before the frame is opened.
	CodecVP8

	numCodecs = 3
)

// Sizes in bytes of the VP8 uncompressed data chunk (RFC 6386, Section
// 9.1): a 3-byte frame tag, followed on key frames by a 3-byte start code
// and 4 bytes of width and height with their scaling bits.
const (
	VP8KeyFrameHeaderSize   = 10 // bytes
	VP8DeltaFrameHeaderSize = 3  // bytes
)

// MaxClearHeaderSize is the largest clear codec header of any FrameCodec,
// in bytes: the VP8 key frame header.
const MaxClearHeaderSize = VP8KeyFrameHeaderSize // bytes

// ErrUnsupportedCodec is returned by SealFrame and OpenFrame for a
// FrameCodec value that is none of the Codec constants.
var ErrUnsupportedCodec = errors.New("e2ee: unsupported frame codec")

// Preallocated errors of frame mode, returned without allocating.
var (
	errEmptyFrame   = fmt.Errorf("%w: empty frame", ErrMalformed)
	errShortVP8     = fmt.Errorf("%w: VP8 frame shorter than its payload header", ErrMalformed)
	errFramePerSSRC = fmt.Errorf("%w: frame mode needs per-kind keys, not per-SSRC keys (Config.SendStreams, Config.RecvStreams)", ErrUnknownKey)
)

var codecNames = [numCodecs]string{CodecNone: "none", CodecOpus: "opus", CodecVP8: "vp8"}

// String returns "none", "opus", "vp8" or FrameCodec(n).
func (c FrameCodec) String() string {
	if c < numCodecs {
		return codecNames[c]
	}
	return fmt.Sprintf("FrameCodec(%d)", uint8(c))
}

// clearHeaderSize returns the number of leading bytes of frame, an encoded
// frame of codec c or a frame sealed by SealFrame (whose clear header comes
// first), that stay in clear. Errors: ErrUnsupportedCodec;
// errEmptyFrame for an empty frame; errShortVP8 for a VP8 frame shorter
// than its header.
func (c FrameCodec) clearHeaderSize(frame []byte) (int, error) {
	if c >= numCodecs {
		return 0, ErrUnsupportedCodec
	}
	if len(frame) == 0 {
		return 0, errEmptyFrame
	}
	if c != CodecVP8 {
		return 0, nil
	}
	n := VP8DeltaFrameHeaderSize
	if frame[0]&1 == 0 { // P bit of the frame tag: 0 for a key frame
		n = VP8KeyFrameHeaderSize
	}
	if len(frame) < n {
		return 0, errShortVP8
	}
	return n, nil
}
