package e2ee

// KeySource gives the SFrame base keys of one epoch of a group (a meeting):
// one base key per sender index and media kind, every participant deriving
// the same bytes. A MeetingSession takes one per epoch (MeetingEpoch.Keys)
// and derives each sender's key from it on the first packet that names
// the sender, the kind and the epoch; package meeting's EpochKeys is one.
//
// BaseKey returns a fresh slice of at least MinSecretSize (16) bytes, the
// RFC 9605 base_key (Section 4.4.2) of the sender with the given index for
// media of the given kind in this epoch; the caller clears it once keyed.
// It returns an error once the source's secret is erased. Epoch returns
// the epoch number, whose low MeetingEpochBits bits the KID carries.
// The session owns the source's lifetime: it calls Erase once, when the
// epoch is erased (grace period over, or Close), and the source then
// erases its secret. Implementations must be safe for concurrent use: a
// MeetingSession calls BaseKey from Open, on any goroutine that opens
// packets.
type KeySource interface {
	Epoch() uint32
	BaseKey(index uint8, kind MediaKind) ([]byte, error)
	Erase()
}

// The KID layout of a meeting, in the manner of RFC 9605, Section 5.2 (a
// context, a sender index and the low bits of the epoch), with the media
// kind as the context:
//
//	KID = kind << (MeetingIndexBits+MeetingEpochBits) | index << MeetingEpochBits | epoch mod 2^MeetingEpochBits
//
// so a KID is below 2^14 and takes 2 bytes in the SFrame header (Section
// 4.3). Package meeting's KID and ParseKID use the same layout.
const (
	// MeetingEpochBits is the number of low KID bits that carry the epoch.
	MeetingEpochBits = 4
	// MeetingIndexBits is the number of KID bits that carry the sender
	// index: MaxSenders = 2^MeetingIndexBits.
	MeetingIndexBits = 8
	// MaxSenders is the number of sender indexes a meeting KID can name.
	MaxSenders = 1 << MeetingIndexBits

	meetingEpochMask = 1<<MeetingEpochBits - 1
	meetingKindShift = MeetingIndexBits + MeetingEpochBits
	meetingKIDLimit  = 1 << (kindBits + meetingKindShift) // one above the largest meeting KID
)

// meetingKID returns the KID of the sender with index sending kind in
// epoch (the layout above).
func meetingKID(epoch uint32, index uint8, kind MediaKind) uint64 {
	return uint64(kind)<<meetingKindShift | uint64(index)<<MeetingEpochBits | uint64(epoch&meetingEpochMask)
}
