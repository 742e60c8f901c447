package e2ee

import "time"

// Key usage limits and epoch naming.
//
// RFC 9605 leaves the rotation schedule to the application (Section 9.2) and
// requires each (base_key, KID, CTR) to be used for at most one encryption
// (Section 9.1). How much one key may encrypt is bounded by the AEAD's usage
// limits, draft-irtf-cfrg-aead-limits ("Usage Limits on AEAD Algorithms"):
//
//   - AES-GCM confidentiality (Section 5.1.1 there): the adversary's
//     advantage is at most ((s + q + 1)^2) / 2^129 for q messages of s
//     blocks in total. With q packets of at most 2^12 blocks each (a
//     65535-byte UDP datagram is under 2^12 16-byte blocks) and the
//     target advantage p = 2^-60 of TLS 1.3 (RFC 8446, Section 5.5) this
//     allows q·2^12 ≤ 2^34.5, q ≤ 2^22.5 packets. AES-CTR, the cipher of
//     the AES-CTR-HMAC suites, has the same bound.
//   - AES-GCM integrity (Section 5.1.2 there): 2^58 forgery attempts per
//     key for the same p at that packet size: far out of reach. The
//     AES-CTR-HMAC suites' truncated tags are weaker by design: each forgery
//     attempt succeeds with probability 2^-80, 2^-64 or 2^-32 (suites 1, 2,
//     3); only the sender can rekey, so the receiver does not enforce an
//     integrity limit. Prefer the AES-GCM suites.
//
// RekeyAfterPackets takes the confidentiality bound with the largest packet,
// rounded down to a power of two: a send key is ratcheted to the next epoch
// before it encrypts its 2^22nd packet (over an hour of 1000-packet/s video;
// the ratchet costs a few microseconds once). The counter limit follows from
// it, so a CTR never needs more than 3 bytes.
const (
	// RekeyAfterPackets is the number of packets one send key encrypts
	// before Seal ratchets it to the next epoch (CTR 0 to
	// RekeyAfterPackets-1).
	RekeyAfterPackets = 1 << 22 // packets per send key

	// MaxCounter is the largest SFrame CTR a send key uses; the next Seal
	// on that stream ratchets to a new epoch, whose key starts again at CTR
	// 0, so no (base key, KID, CTR) is ever used twice (RFC 9605, Section
	// 9.1).
	MaxCounter = RekeyAfterPackets - 1

	// EpochBits is the number of low-order epoch bits the KID carries: like
	// the ratchet step of RFC 9605, Section 5.1 ("we send only its
	// low-order R bits"), the KID is (epoch mod 2^EpochBits)<<2 | kind, so
	// it always fits in one byte after the config byte.
	EpochBits = 6

	// MaxEpochAhead is how many epochs beyond the newest one it has
	// authenticated on a stream a receiver derives, by ratcheting forward,
	// to open a packet: half the 2^EpochBits epochs the KID tells apart.
	// A KID further ahead than this names, by its epoch bits, an epoch
	// behind: like any epoch behind, it gives ErrUnknownKey (ErrAuth while
	// a superseded epoch with those bits is kept for its grace period),
	// without any key derivation.
	//
	// A stream moves to its next epoch only after its key has sealed a
	// packet (Session.Rekey leaves idle streams where they are), so the
	// receiver loses a stream only if it receives none of the packets the
	// stream sealed in MaxEpochAhead consecutive epochs (at 50% independent
	// loss and one packet per epoch, 2^-32 for any 32 consecutive epochs).
	// Past that the KID no longer names the sender's epoch unambiguously,
	// and the stream's packets fail with ErrUnknownKey or ErrAuth until the
	// session is replaced.
	//
	// The cost of a forged KID is bounded by it: a KID up to MaxEpochAhead
	// ahead costs at most MaxEpochAhead ratchet steps and SFrame keys per
	// stream, derived once and kept until the receiver moves past them or
	// Close; further forgeries cost one failed AEAD authentication each.
	MaxEpochAhead = 1 << (EpochBits - 1) // epochs

	// maxEpochBehind is how far behind the newest epoch a superseded
	// epoch's key may still be kept: the KIDs of the MaxEpochAhead epochs
	// ahead must stay free (RFC 9605, Section 5.2: "receivers MUST remove an
	// old epoch when a new epoch with the same low-order E bits is
	// introduced"). With MaxEpochAhead = 32 it is 31: one grace period
	// holds the keys of at most 31 superseded epochs.
	maxEpochBehind = 1<<EpochBits - MaxEpochAhead - 1 // epochs

	// DefaultGraceTime is how long a receiver keeps the key of a superseded
	// epoch, for late and reordered packets, unless Config.EpochGraceTime says
	// otherwise.
	DefaultGraceTime = 5 * time.Second

	// DefaultGracePackets is how many packets of a newer epoch a receiver
	// accepts on a stream before it erases that stream's superseded
	// epochs, whichever of this and DefaultGraceTime comes first.
	DefaultGracePackets = 4096 // packets

	epochMask = 1<<EpochBits - 1
	maxKID    = 1<<(EpochBits+kindBits) - 1
)
