package e2ee

import (
	"fmt"
	"time"

	"github.com/callseal/callseal/e2ee/sframe"
)

// Tuning defaults and limits.
const (
	// DefaultCipherSuite is the SFrame cipher suite used unless
	// Config.CipherSuite says otherwise.
	DefaultCipherSuite = sframe.AES_128_GCM_SHA256_128

	// DefaultReplayWindow is the default replay window in packets: a packet
	// may arrive up to this many counter values behind the newest packet of
	// its key and still be accepted once.
	DefaultReplayWindow = 1024 // packets

	// MaxReplayWindow is the largest Config.ReplayWindow, in packets (an
	// 8 KiB bitmap per receive key).
	MaxReplayWindow = 1 << 16 // packets
)

// Config configures NewSession and NewSessionFromSecrets. The zero Config
// is the default: every zero field means the documented default. Both
// parties must use the same CipherSuite and matching stream lists; the
// other fields are each party's own. A Config is a plain value: it is
// copied on use and may be shared.
//
// A Config that cannot be used makes the constructor fail with an error
// wrapping ErrInvalidConfig (and sframe.ErrUnsupportedSuite for an
// unsupported CipherSuite).
type Config struct {
	// CipherSuite is the SFrame cipher suite (RFC 9605, Section 4.5);
	// 0 means DefaultCipherSuite (AES_128_GCM_SHA256_128).
	CipherSuite sframe.CipherSuite

	// ReplayWindow is the replay window in packets, 1 to MaxReplayWindow;
	// 0 means DefaultReplayWindow (1024). Packets more than this many
	// counter values older than the newest accepted packet of the same key
	// are rejected with ErrReplay.
	ReplayWindow int

	// EpochGraceTime and EpochGracePackets say how long a receiver keeps
	// the keys of a superseded epoch for late or reordered packets of that
	// epoch: until EpochGraceTime has passed since a packet of a newer
	// epoch first authenticated, or until EpochGracePackets packets of the
	// newer epoch have been accepted on that stream, whichever comes
	// first. Then the old keys are erased and their packets fail with
	// ErrUnknownKey. 0 means DefaultGraceTime (5 s) and
	// DefaultGracePackets (4096 packets); negative values are invalid.
	EpochGraceTime    time.Duration
	EpochGracePackets int

	// SendStreams and RecvStreams, when either is non-empty, derive a
	// separate key chain for every RTP stream, with the per-SSRC key
	// derivation of draft-ietf-avtcore-rtp-sframe ("SFrame SDP RTP Key
	// Management"):
	//
	//	ssrc_key = HKDF-Expand(HKDF-Extract(SSRC, base_key), "SFrame 1.0 RTP Stream", Nh)
	//
	// from the base key of the stream's media kind. As the draft requires,
	// this is done once, when the session is created, for the streams the
	// signaling announced (SendStreams: the SSRCs this party sends;
	// RecvStreams: the SSRCs the peer sends, the peer's SendStreams), and
	// each stream's key is then ratcheted on its own. All streams of a kind
	// share the KID; each has its own key, CTR and replay window. Seal and
	// Open then reject packets of any other SSRC, or of an SSRC under
	// another kind than it was announced with, with ErrUnknownKey.
	//
	// Both empty (the default): one key chain per media kind. An SSRC
	// listed twice in one list, or a Kind that is not a MediaKind, is
	// invalid. The constructors copy what they need.
	SendStreams []RTPStream
	RecvStreams []RTPStream

	// clock schedules the erasure of superseded epochs; nil is the real
	// clock. Tests in this package set it.
	clock clock
}

// config is a Config with the defaults filled in, checked.
type config struct {
	suite        sframe.CipherSuite
	window       int
	graceTime    time.Duration
	gracePackets uint64
	perSSRC      bool
	sendStreams  []RTPStream
	recvStreams  []RTPStream
	clock        clock
}

// resolve checks the optional Config argument of the constructors (at most
// one) and fills in the defaults. Errors wrap ErrInvalidConfig.
func resolve(cfgs []Config) (config, error) {
	var c Config
	switch len(cfgs) {
	case 0:
	case 1:
		c = cfgs[0]
	default:
		return config{}, fmt.Errorf("%w: %d Configs given, at most one is allowed", ErrInvalidConfig, len(cfgs))
	}
	r := config{
		suite: DefaultCipherSuite, window: DefaultReplayWindow,
		graceTime: DefaultGraceTime, gracePackets: DefaultGracePackets,
		clock: c.clock,
	}
	if r.clock == nil {
		r.clock = realClock{}
	}
	if c.CipherSuite != 0 {
		if !c.CipherSuite.Supported() {
			return config{}, fmt.Errorf("%w: %w: %v", ErrInvalidConfig, sframe.ErrUnsupportedSuite, c.CipherSuite)
		}
		r.suite = c.CipherSuite
	}
	switch {
	case c.ReplayWindow < 0 || c.ReplayWindow > MaxReplayWindow:
		return config{}, fmt.Errorf("%w: replay window %d outside 1..%d packets", ErrInvalidConfig, c.ReplayWindow, MaxReplayWindow)
	case c.ReplayWindow > 0:
		r.window = c.ReplayWindow
	}
	if c.EpochGraceTime < 0 || c.EpochGracePackets < 0 {
		return config{}, fmt.Errorf("%w: epoch grace %v / %d packets is negative", ErrInvalidConfig, c.EpochGraceTime, c.EpochGracePackets)
	}
	if c.EpochGraceTime > 0 {
		r.graceTime = c.EpochGraceTime
	}
	if c.EpochGracePackets > 0 {
		r.gracePackets = uint64(c.EpochGracePackets)
	}
	if len(c.SendStreams) > 0 || len(c.RecvStreams) > 0 {
		for _, list := range [][]RTPStream{c.SendStreams, c.RecvStreams} {
			seen := make(map[uint32]bool, len(list))
			for _, st := range list {
				if st.Kind >= numKinds {
					return config{}, fmt.Errorf("%w: SSRC %#x: invalid media kind %v", ErrInvalidConfig, st.SSRC, st.Kind)
				}
				if seen[st.SSRC] {
					return config{}, fmt.Errorf("%w: SSRC %#x listed twice", ErrInvalidConfig, st.SSRC)
				}
				seen[st.SSRC] = true
			}
		}
		r.perSSRC = true
		r.sendStreams, r.recvStreams = c.SendStreams, c.RecvStreams
	}
	return r, nil
}
