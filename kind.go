package callseal

import "github.com/callseal/callseal/e2ee"

// MediaKind is the kind of media a stream carries; it is e2ee.MediaKind, so
// values pass between the packages unchanged.
type MediaKind = e2ee.MediaKind

// The media kinds, one stream each.
const (
	Audio       = e2ee.Audio       // microphone audio
	Video       = e2ee.Video       // camera video
	ScreenShare = e2ee.ScreenShare // screen or window capture
)

// NumKinds is the number of media kinds (Audio, Video, ScreenShare), and of
// streams in a Session: the length of Kinds and of Stats.Streams.
const NumKinds = 3

// Kinds lists every MediaKind, in order.
var Kinds = [NumKinds]MediaKind{Audio, Video, ScreenShare}

func validKind(k MediaKind) bool { return k < NumKinds }
