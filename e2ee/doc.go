// Package e2ee is callseal's inner, end-to-end layer: it applies SFrame
// (RFC 9605, package e2ee/sframe) to every RTP packet of a 1:1 call, so that
// only the two endpoints can read the media, while relays, TURN servers and
// SFUs that terminate transport SRTP still read the RTP headers they need.
//
// # Wire layout
//
// Seal replaces the RTP payload by an SFrame ciphertext (RFC 9605,
// Section 4.2) and leaves every RTP header byte as it was:
//
//	+----------------------------+  ─┐
//	| RTP fixed header (12)      |   │ SFrame metadata: authenticated,
//	| CSRC list (4 × CC)         |   │ not encrypted
//	+----------------------------+  ─┘
//	| header extension (if X)    |     neither authenticated nor encrypted
//	+----------------------------+  ─┐
//	| SFrame header (1-17)       |   │ authenticated (part of the AAD)
//	| ciphertext (= payload len) |   │ encrypted and authenticated
//	| tag (16)                   |   │
//	+----------------------------+  ─┘
//
// The AEAD's associated data is SFrame header ‖ RTP fixed header ‖ CSRC list
// (RFC 9605, Section 4.4.3, with the metadata of Section 4.1 being the RTP
// header without extensions).
//
// # Overhead
//
// Session.Overhead reports the maximum growth of a packet, 25 bytes with the
// default suite AES_128_GCM_SHA256_128: the SFrame config byte (which also
// carries the KID while it is below 8), at most 8 CTR bytes and the 16-byte
// tag. The CTR is minimally encoded, so in practice a packet grows by 17 bytes
// for CTR 0-7, 18 bytes up to 255, 19 bytes up to 65535, and so on.
//
// # What is protected
//
// Confidentiality and integrity of the payload; integrity of the RTP fixed
// header (version, X and CC bits, marker, payload type, sequence number,
// timestamp, SSRC) and of the CSRC list; replay protection per key with a
// sliding window (RFC 6479 style, default 1024 packets); binding of each
// packet to its direction and media kind.
//
// Not protected: RTP header extensions (relays rewrite them: audio level,
// transport-wide sequence numbers, absolute send time), whose contents and
// length may change in transit, although the X bit that announces them is
// authenticated; packet sizes and timing; RTCP, which only transport SRTP
// protects. Sequence numbers and timestamps are authenticated, so a relay must
// not rewrite them (use a relay that forwards 1:1 calls unchanged).
//
// RTP padding (the P bit) is rejected by Seal and Open with ErrMalformed:
// after sealing, the last byte of the packet is tag, not a padding count.
// Pad inside the codec payload instead.
//
// # Keys
//
// Each direction has one media secret (keyexchange.Result.MediaSecrets). From
// it one SFrame base key per media kind is derived,
//
//	base_key = HKDF-Expand(HKDF-Extract("", media secret), "callseal e2ee base key " ‖ kind, 32)
//
// with SHA-256 and kind "audio", "video" or "screenshare", so every key has
// exactly one sender (RFC 9605, Section 9.1). The KID is epoch<<2 | kind
// (epoch 0 for now; Audio=0, Video=1, ScreenShare=2), and the CTR is a
// per-key counter from 0 that is never reused. The receiver selects its key by
// KID (RFC 9605, Section 4.4.4) and learns the media kind from it.
//
// # Concurrency and allocation
//
// A Session is safe for concurrent use. Seal and Open are append-style, like
// crypto/cipher.AEAD (pass pkt[:0] as dst to work in place), and with the
// AES-GCM suites make no heap allocations when dst has the capacity
// (len(pkt)+Overhead() bytes). Rejected packets do not allocate either.
package e2ee
