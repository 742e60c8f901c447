package bridge

import (
	"fmt"

	"github.com/callseal/callseal/e2ee"
)

// MaxFrameSize is the largest encoded frame, in bytes, the module takes
// from JavaScript (sealed or not); a longer one is refused before it is
// copied. A 1080p VP8 key frame is a few hundred kilobytes.
const MaxFrameSize = 4 << 20 // bytes

// The media kinds and frame codecs a page may name, by their String.
var (
	kinds  = []e2ee.MediaKind{e2ee.Audio, e2ee.Video, e2ee.ScreenShare}
	codecs = []e2ee.FrameCodec{e2ee.CodecOpus, e2ee.CodecVP8, e2ee.CodecNone}
)

// ParseKind returns the media kind named by e2ee.MediaKind.String
// ("audio", "video" or "screenshare"), or an error wrapping
// ErrInvalidOption.
func ParseKind(name string) (e2ee.MediaKind, error) {
	for _, k := range kinds {
		if name == k.String() {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: media kind %q (want \"audio\", \"video\" or \"screenshare\")", ErrInvalidOption, name)
}

// ParseCodec returns the frame codec named by e2ee.FrameCodec.String
// ("opus", "vp8" or "none"), or an error wrapping ErrInvalidOption.
func ParseCodec(name string) (e2ee.FrameCodec, error) {
	for _, c := range codecs {
		if name == c.String() {
			return c, nil
		}
	}
	return 0, fmt.Errorf("%w: frame codec %q (want \"opus\", \"vp8\" or \"none\")", ErrInvalidOption, name)
}
