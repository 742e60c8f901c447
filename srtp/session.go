package srtp

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pionsrtp "github.com/pion/srtp/v3"
	"github.com/pion/transport/v5/replaydetector"

	"github.com/callseal/callseal/internal/alias"
)

// Replay windows, in packets, for received SRTP and SRTCP (RFC 3711,
// Section 3.3.2 asks for at least 64). These are tuning constants: 1024
// tolerates the reordering of a video burst, as libwebrtc does; RTCP is sparse.
const (
	rtpReplayWindow  = 1024 // packets
	rtcpReplayWindow = 128  // packets
)

// A Session protects the RTP and RTCP packets this party sends and
// unprotects the ones it receives, with one SRTP cryptographic context per
// direction (RFC 3711, Section 3.2). Replay protection is on for received
// RTP (a 1024-packet window) and RTCP (128 packets), per SSRC.
//
// The packet limits of RFC 3711, Section 9.2 (2^48 SRTP and 2^31 SRTCP
// packets per master key) are enforced by pion: past them, Protect* fails
// with ErrKeyExhausted and the keys must be replaced with a new Session.
//
// Concurrency: a Session is safe for concurrent use by multiple goroutines.
// Protect* calls share one mutex and Unprotect* calls another, so a sending
// goroutine and a receiving goroutine never wait on each other; calls in the
// same direction are serialized (the SRTP rollover counter and replay window
// are ordered state).
type Session struct {
	profile Profile

	protectMu  sync.Mutex
	protect    *pionsrtp.Context // guarded by protectMu
	protectRTP rtp.Header        // scratch, guarded by protectMu
	protectRTC rtcp.Header       // scratch, guarded by protectMu

	unprotectMu  sync.Mutex
	unprotect    *pionsrtp.Context // guarded by unprotectMu
	unprotectRTP rtp.Header        // scratch, guarded by unprotectMu
	unprotectRTC rtcp.Header       // scratch, guarded by unprotectMu
}

// NewSession returns a Session for profile p. local holds the keys this
// party protects its packets with; remote the keys the peer protects with,
// used to unprotect the peer's packets. Their sizes must match p.KeySize and
// p.SaltSize, and local and remote must differ: the same key in both
// directions would reuse keystream (and GCM nonces) whenever the two sides
// pick the same SSRC.
//
// NewSession derives the session keys (RFC 3711, Section 4.3) and does not
// keep local or remote: the caller may clear them afterwards.
//
// Errors: ErrUnsupportedProfile for a profile this package does not
// support; ErrInvalidKeys for keys of the wrong sizes or equal master keys.
func NewSession(p Profile, local, remote Keys) (*Session, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if err := local.check(p); err != nil {
		return nil, fmt.Errorf("%w (local)", err)
	}
	if err := remote.check(p); err != nil {
		return nil, fmt.Errorf("%w (remote)", err)
	}
	if bytes.Equal(local.MasterKey, remote.MasterKey) {
		return nil, fmt.Errorf("%w: local and remote master keys are equal; each direction needs its own key", ErrInvalidKeys)
	}
	pp := pionsrtp.ProtectionProfile(p)
	prot, err := pionsrtp.CreateContext(local.MasterKey, local.MasterSalt, pp)
	if err != nil {
		return nil, fmt.Errorf("%w: local context: %w", ErrInvalidKeys, err)
	}
	unprot, err := pionsrtp.CreateContext(remote.MasterKey, remote.MasterSalt, pp,
		pionsrtp.SRTPReplayDetectorFactory(func() replaydetector.ReplayDetector {
			return newSRTPReplay(rtpReplayWindow)
		}),
		pionsrtp.SRTCPReplayProtection(rtcpReplayWindow),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: remote context: %w", ErrInvalidKeys, err)
	}
	return &Session{profile: p, protect: prot, unprotect: unprot}, nil
}

// Profile returns the session's protection profile.
func (s *Session) Profile() Profile { return s.profile }

// ProtectRTP encrypts and authenticates the RTP packet pkt (RFC 3711,
// Section 3.3; RFC 7714, Section 8 for AES-GCM) and appends the SRTP packet,
// p.RTPOverhead() bytes longer, to dst. The RTP header stays in the clear.
//
// To reuse pkt's storage, pass pkt[:0] as dst; with cap(pkt) >=
// len(pkt)+RTPOverhead() nothing is allocated. Any other overlap of dst's
// spare capacity and pkt panics. pkt is not modified otherwise.
//
// It returns an error wrapping ErrMalformed if pkt is not an RTP packet, and
// one wrapping ErrKeyExhausted once the RFC 3711, Section 9.2 packet limit is
// reached (for a well-formed packet that is pion's only refusal).
func (s *Session) ProtectRTP(dst, pkt []byte) ([]byte, error) {
	head, tail := alias.SliceForAppend(dst, len(pkt)+s.profile.RTPOverhead())
	if alias.InexactOverlap(tail, pkt) {
		panic("srtp: invalid buffer overlap")
	}
	s.protectMu.Lock()
	out, err := s.protect.EncryptRTP(tail, pkt, &s.protectRTP)
	if err != nil {
		// Not the hot path: parse again to tell a bad packet from a
		// refusal to protect.
		if _, perr := s.protectRTP.Unmarshal(pkt); perr != nil {
			err = fmt.Errorf("srtp: protect rtp: %w: %w", ErrMalformed, perr)
		} else {
			err = protectError("protect rtp", err)
		}
	}
	s.protectMu.Unlock()
	if err != nil {
		return nil, err
	}
	return finish(dst, head, tail, out), nil
}

// UnprotectRTP checks the replay window, verifies and decrypts the SRTP
// packet pkt (RFC 3711, Section 3.3; RFC 7714, Section 8) and appends the RTP
// packet, p.RTPOverhead() bytes shorter, to dst.
//
// To reuse pkt's storage, pass pkt[:0] as dst. Nothing is allocated when dst
// has at least len(pkt) bytes of spare capacity (pion decrypts into a buffer
// the size of pkt before trimming the tag), which pkt[:0] always has. Any
// other overlap of dst's spare capacity and pkt panics.
//
// It returns an error wrapping ErrAuth, ErrReplay or ErrMalformed; the
// packet must then be dropped. A rejected packet does not change the
// session's state: the next good packet unprotects.
func (s *Session) UnprotectRTP(dst, pkt []byte) ([]byte, error) {
	head, tail := alias.SliceForAppend(dst, len(pkt))
	if alias.InexactOverlap(tail, pkt) {
		panic("srtp: invalid buffer overlap")
	}
	s.unprotectMu.Lock()
	out, err := s.unprotect.DecryptRTP(tail, pkt, &s.unprotectRTP)
	s.unprotectMu.Unlock()
	if err != nil {
		return nil, unprotectError("unprotect rtp", err)
	}
	return finish(dst, head, tail, out), nil
}

// ProtectRTCP encrypts and authenticates the compound RTCP packet pkt
// (RFC 3711, Section 3.4; RFC 7714, Section 9) and appends the SRTCP packet,
// p.RTCPOverhead() bytes longer, to dst.
//
// Buffer rules are those of ProtectRTP, with RTCPOverhead. It returns an
// error wrapping ErrMalformed if pkt is not an RTCP packet, and one wrapping
// ErrKeyExhausted once the RFC 3711, Section 9.2 packet limit is reached.
func (s *Session) ProtectRTCP(dst, pkt []byte) ([]byte, error) {
	head, tail := alias.SliceForAppend(dst, len(pkt)+s.profile.RTCPOverhead())
	if alias.InexactOverlap(tail, pkt) {
		panic("srtp: invalid buffer overlap")
	}
	s.protectMu.Lock()
	out, err := s.protect.EncryptRTCP(tail, pkt, &s.protectRTC)
	if err != nil {
		if perr := s.protectRTC.Unmarshal(pkt); perr != nil || len(pkt) < rtcpMinSize {
			err = fmt.Errorf("srtp: protect rtcp: %w: %w", ErrMalformed, err)
		} else {
			err = protectError("protect rtcp", err)
		}
	}
	s.protectMu.Unlock()
	if err != nil {
		return nil, err
	}
	return finish(dst, head, tail, out), nil
}

// rtcpMinSize is the smallest RTCP packet SRTCP can protect: the 4-byte
// header and the sender SSRC (RFC 3711, Section 3.4).
const rtcpMinSize = 8 // bytes

// UnprotectRTCP checks the replay window, verifies and decrypts the SRTCP
// packet pkt (RFC 3711, Section 3.4; RFC 7714, Section 9) and appends the
// RTCP packet to dst.
//
// Buffer rules and errors are those of UnprotectRTP.
func (s *Session) UnprotectRTCP(dst, pkt []byte) ([]byte, error) {
	head, tail := alias.SliceForAppend(dst, len(pkt))
	if alias.InexactOverlap(tail, pkt) {
		panic("srtp: invalid buffer overlap")
	}
	s.unprotectMu.Lock()
	out, err := s.unprotect.DecryptRTCP(tail, pkt, &s.unprotectRTC)
	s.unprotectMu.Unlock()
	if err != nil {
		return nil, unprotectError("unprotect rtcp", err)
	}
	return finish(dst, head, tail, out), nil
}
