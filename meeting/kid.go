package meeting

import "fmt"

// Kind is the kind of media a sender's key protects. Each sender has one
// key per kind and epoch, so that every key has exactly one sender and one
// stream kind (RFC 9605, Section 9.1). The values equal those of
// e2ee.MediaKind.
type Kind uint8

const (
	Audio       Kind = iota // microphone audio
	Video                   // camera video
	ScreenShare             // screen or window capture

	numKinds = 3
)

// kindLabels name each kind in String.
var kindLabels = [numKinds]string{Audio: "audio", Video: "video", ScreenShare: "screenshare"}

// String returns "audio", "video", "screenshare" or Kind(n).
func (k Kind) String() string {
	if k < numKinds {
		return kindLabels[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// KID layout, in the manner of RFC 9605, Section 5.2 (KID = context ‖
// sender index ‖ epoch bits, the epoch in the low bits), with the media
// kind as the context:
//
//	KID = kind << (IndexBits+EpochBits) | index << EpochBits | epoch mod 2^EpochBits
//
// so every KID is below 2^14 and takes 2 bytes in the SFrame header
// (Section 4.3).
const (
	// EpochBits is the number of low KID bits that carry the epoch. At
	// most two epochs are held at once (the current one and the previous
	// one in its grace period), so 16 values tell them apart with room to
	// spare.
	EpochBits = 4
	// IndexBits is the number of KID bits that carry the sender index:
	// MaxParticipants = 2^IndexBits.
	IndexBits = 8
	// KindBits is the number of high KID bits that carry the Kind.
	KindBits = 2

	epochMask = 1<<EpochBits - 1
	// kidLimit is one above the largest KID of the layout.
	kidLimit = 1 << (KindBits + IndexBits + EpochBits)
)

// KID returns the SFrame KID (RFC 9605, Section 4.3) of the sender with
// the given index sending media of kind in epoch: the layout above. It
// panics on an invalid kind (a programmer error).
func KID(epoch uint32, index uint8, kind Kind) uint64 {
	if kind >= numKinds {
		panic("meeting: KID: invalid kind " + kind.String())
	}
	return uint64(kind)<<(IndexBits+EpochBits) | uint64(index)<<EpochBits | uint64(epoch&epochMask)
}

// ParseKID splits a KID made by KID into the low EpochBits bits of its
// epoch, the sender index and the kind. It returns an error wrapping
// ErrMalformed for a KID outside the layout (too large, or an invalid
// kind). EpochKeys.Matches maps the epoch bits back to a held epoch.
func ParseKID(kid uint64) (epochBits uint8, index uint8, kind Kind, err error) {
	if kid >= kidLimit {
		return 0, 0, 0, fmt.Errorf("%w: KID %d outside the meeting layout", ErrMalformed, kid)
	}
	kind = Kind(kid >> (IndexBits + EpochBits))
	if kind >= numKinds {
		return 0, 0, 0, fmt.Errorf("%w: KID %d names %v", ErrMalformed, kid, kind)
	}
	return uint8(kid & epochMask), uint8(kid >> EpochBits), kind, nil
}
