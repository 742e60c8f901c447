// Package srtp is callseal's transport layer: a thin layer over
// github.com/pion/srtp/v3 that protects and unprotects RTP and RTCP packets
// with SRTP (RFC 3711) and its AES-GCM profiles (RFC 7714).
//
// It adds what a calling app needs on top of pion: a small set of profiles,
// keys taken from the callseal handshake (KeysFromResult, for a direct
// peer-to-peer call), from DTLS-SRTP keying material (KeysFromDTLS, RFC 5764)
// or given explicitly (a relay hop); replay protection switched on for every
// received packet (a 1024-packet window per SSRC for SRTP with an O(1)
// detector of its own instead of pion's, 128 packets for SRTCP; RFC 3711,
// Section 3.3.2); append-style buffers in the manner of crypto/cipher.AEAD;
// and errors a caller can branch on (ErrAuth, ErrReplay, ErrMalformed,
// ErrKeyExhausted; ErrUnsupportedProfile and ErrInvalidKeys from the
// constructors).
//
// SRTP is the hop-by-hop layer: a relay that terminates it can read RTP
// headers and RTCP. The media payload stays sealed by the inner end-to-end
// layer (package e2ee). RTCP is protected by this layer only.
//
// Keys and Session never print or log key material: fmt (every verb),
// log/slog (LogValue) and, for Keys, encoding/json show the profile and
// sizes, and "[redacted]" in place of the keys.
package srtp
