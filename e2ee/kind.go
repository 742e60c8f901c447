package e2ee

import "fmt"

// MediaKind is the kind of media an RTP stream carries. Each kind has its own
// SFrame key per direction, so that every key has exactly one sender
// (RFC 9605, Section 9.1) and the receiver learns the kind from the KID.
type MediaKind uint8

const (
	Audio       MediaKind = iota // microphone audio
	Video                        // camera video
	ScreenShare                  // screen or window capture

	numKinds = 3
)

// kindLabels name each kind in the base key derivation. They are part of the
// key schedule: never change them.
var kindLabels = [numKinds]string{Audio: "audio", Video: "video", ScreenShare: "screenshare"}

// String returns "audio", "video", "screenshare" or MediaKind(n).
func (k MediaKind) String() string {
	if k < numKinds {
		return kindLabels[k]
	}
	return fmt.Sprintf("MediaKind(%d)", uint8(k))
}
