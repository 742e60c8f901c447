// Package e2ee is callseal's inner, end-to-end layer: it applies SFrame
// (RFC 9605, package e2ee/sframe) to every RTP packet of a 1:1 call, so that
// only the two endpoints can read the media, while relays, TURN servers and
// SFUs that terminate transport SRTP still read the RTP headers they need.
//
// # Wire layout
//
// Seal replaces the RTP payload by an SFrame ciphertext (RFC 9605,
// Section 4.2, applied per packet as in Section 4.1) and leaves every RTP
// header byte as it was:
//
//	+----------------------------+  ─┐
//	| RTP fixed header (12)      |   │ SFrame metadata: authenticated,
//	| CSRC list (4 × CC)         |   │ not encrypted
//	+----------------------------+  ─┘
//	| header extension (if X)    |     neither authenticated nor encrypted
//	+----------------------------+  ─┐
//	| SFrame config byte (1)     |   │ authenticated (part of the AAD)
//	| KID (0-1), CTR (0-3)       |   │
//	| ciphertext (= payload len) |   │ encrypted and authenticated
//	| tag (Nt: 16, 10, 8 or 4)   |   │
//	+----------------------------+  ─┘
//
// The SFrame header (Section 4.3) carries the KID, which names the media
// kind and the epoch (below), and the CTR, the key's packet counter, each in
// the config byte while below 8 and otherwise in the minimum number of
// big-endian bytes. The AEAD's associated data is SFrame header ‖ RTP fixed
// header ‖ CSRC list (Section 4.4.3, with the RTP header without extensions
// as the metadata of Section 9.4), and the nonce is sframe_salt XOR CTR.
//
// # Frame mode
//
// SealFrame and OpenFrame apply SFrame to a whole encoded frame instead,
// the unit of RFC 9605 (Sections 4.1 and 4.4): sealed before the
// packetizer, opened after the depacketizer, as a browser's encoded
// transform does. A FrameCodec names the bytes a packetizer or depacketizer
// reads, which stay in clear and are the SFrame metadata:
//
//	+----------------------------+  ─┐
//	| clear codec header         |   │ SFrame metadata: authenticated,
//	|   VP8 key frame: 10        |   │ not encrypted (RFC 6386, Section 9.1:
//	|   VP8 delta frame: 3       |   │ frame tag; on key frames start code,
//	|   Opus, CodecNone: 0       |   │ width and height)
//	+----------------------------+  ─┘
//	| SFrame config byte (1)     |  ─┐ authenticated (part of the AAD)
//	| KID (0-1), CTR (0-3)       |   │
//	| ciphertext (= rest of the  |   │ encrypted and authenticated
//	|   frame)                   |   │
//	| tag (Nt: 16, 10, 8 or 4)   |   │
//	+----------------------------+  ─┘
//
// The AAD is SFrame header ‖ clear codec header, nothing else: a frame has
// no RTP header, and the packetizer's RTP headers are transport framing,
// protected by SRTP. A VP8 frame is a key frame when the low bit of its
// first byte is 0; the receiver takes the size of the clear header from
// the same bit, which is authenticated, so changing it fails with ErrAuth.
// Empty frames are refused with ErrMalformed by both SealFrame and
// OpenFrame (an empty input carries no media; a depacketizer drops RTP
// padding before it makes frames).
//
// Frame mode uses the keys, KIDs, counters, epochs and replay windows of
// the per-packet mode: a kind's key seals packets and frames from one
// counter, so no nonce is used twice whichever mode seals, and a counter
// accepted in one mode is a replay in the other. A sealed packet's
// payload does not open as a frame, nor the reverse: the metadata of a
// packet is at least the 12-byte RTP header, that of a frame at most 10
// bytes. In practice a call uses one mode per kind, agreed in the SDP
// (package e2ee/pionframe). Per-SSRC keys (Config.SendStreams,
// RecvStreams) need the SSRC of an RTP header and have no frame mode:
// SealFrame and OpenFrame return ErrUnknownKey.
//
// # Overhead
//
// Session.Overhead reports the maximum growth of a packet, in bytes:
//
//	suite                          tag  max overhead  typical
//	AES_128_GCM_SHA256_128 (def.)  16   21            18-20
//	AES_256_GCM_SHA512_128         16   21            18-20
//	AES_128_CTR_HMAC_SHA256_80     10   15            12-14
//	AES_128_CTR_HMAC_SHA256_64      8   13            10-12
//	AES_128_CTR_HMAC_SHA256_32      4    9             6-8
//	AES_256_CTR_HMAC_SHA512_80     10   15            12-14
//	AES_256_CTR_HMAC_SHA512_64      8   13            10-12
//	AES_256_CTR_HMAC_SHA512_32      4    9             6-8
//
// that is, 1 config byte, at most 1 KID byte (none in epochs 0 and 1), at
// most 3 CTR bytes (the counter stays below RekeyAfterPackets = 2^22), and
// the tag. A key's first 8 packets take no CTR byte, the next 248 one, and
// so on.
//
// # What is protected
//
// Confidentiality and integrity of the payload; integrity of the RTP fixed
// header (version, X and CC bits, marker, payload type, sequence number,
// timestamp, SSRC) and of the CSRC list; replay protection per key with a
// sliding window (RFC 6479 style, default 1024 packets; RFC 9605, Section
// 9.3); binding of each packet to its direction, media kind and epoch (and,
// with per-SSRC keys, its SSRC).
//
// Not protected: RTP header extensions (relays rewrite them: audio level,
// transport-wide sequence numbers, absolute send time), whose contents and
// length may change in transit, although the X bit that announces them is
// authenticated; packet sizes and timing; the KID and CTR, which are
// authenticated but visible (RFC 9605, Section 7.1), so an observer sees the
// media kind, the epoch and the packet count; and RTCP, which only transport
// SRTP protects. Sequence numbers and timestamps are authenticated, so a
// relay must not rewrite them (use a relay that forwards 1:1 calls
// unchanged). Per RFC 9605, Section 9.4, a receiver must not act on header
// extension contents as if they were authenticated.
//
// RTP padding (the P bit) is rejected by Seal and Open with ErrMalformed:
// after sealing, the last byte of the packet is tag, not a padding count.
// Pad inside the codec payload instead.
//
// # Keys, epochs and the ratchet
//
// Each direction has one media secret (keyexchange.Result.TakeMediaSecrets,
// handed out once per handshake). From it one SFrame base key per media
// kind is derived,
//
//	base_key[0] = HKDF-Expand(HKDF-Extract("", media secret), "callseal e2ee base key " ‖ kind, 32)
//
// with SHA-256 and kind "audio", "video" or "screenshare", so every key has
// exactly one sender (RFC 9605, Sections 4.4.1 and 9.1). Each kind's key
// then moves from epoch to epoch by the sender key ratchet of RFC 9605,
// Section 5.1,
//
//	base_key[e+1] = HKDF-Expand(HKDF-Extract("", base_key[e]), "SFrame 1.0 Ratchet", Nh)
//
// on Session.Rekey if the key has sealed at least one packet (a key that has
// sealed nothing protects nothing, so an idle stream, such as a screen share
// not started, stays in its epoch however often Rekey is called), and
// automatically before a key has encrypted RekeyAfterPackets packets (the
// AEAD usage limits are explained at RekeyAfterPackets). The KID is (epoch
// mod 2^EpochBits)<<2 | kind (Audio=0, Video=1, ScreenShare=2): like the
// ratchet step of Section 5.1 only the low-order bits of the epoch are sent,
// so the KID stays below 256. The CTR is a per-key counter from 0 that is
// never reused.
//
// The receiver needs no message: it selects the key by KID (Section 4.4.4);
// for a KID naming an epoch up to MaxEpochAhead (32) ahead it ratchets
// forward, and it moves to that epoch only once a packet under it
// authenticates, so forged KIDs cannot move it (and cost at most
// MaxEpochAhead derivations per stream beyond its newest epoch, the derived
// keys being cached). So a receiver follows a stream through any number of
// Rekeys as long as it receives at least one of the packets the stream
// sealed in every MaxEpochAhead consecutive epochs; if all of them are lost,
// the stream's later packets fail with ErrUnknownKey or ErrAuth. The key of
// the superseded epoch is kept for a grace period for late packets
// (Config.EpochGraceTime and EpochGracePackets, default DefaultGraceTime
// or DefaultGracePackets), then erased: forward secrecy, since the ratchet
// is one-way and every side erases old base keys at once (best-effort: Go
// may have copied them; the AES key schedules inside crypto/cipher cannot
// be wiped and are left to the garbage collector).
//
// Config.SendStreams and RecvStreams instead derive a key chain per RTP
// stream with the per-SSRC derivation of draft-ietf-avtcore-rtp-sframe, and
// ratchet each on its own.
//
// A Session never prints or logs its keys: fmt (every verb) and log/slog
// (LogValue) show its cipher suite and overhead, and "[redacted]".
//
// # Concurrency and allocation
//
// A Session is safe for concurrent use, including Seal from several
// goroutines on one stream while Rekey runs; Opens of one stream are
// serialized (see Session). Seal and Open are append-style, like
// crypto/cipher.AEAD (pass pkt[:0] as dst to work in place), and with the
// AES-GCM suites make no heap allocations when dst has the capacity
// (len(pkt)+Overhead() bytes); rejected packets do not allocate either. The
// AES-CTR-HMAC suites allocate one AES-CTR stream per call (crypto/cipher
// has no way to restart a stream at a new IV). Measured costs are in
// BENCHMARKS.md.
package e2ee
