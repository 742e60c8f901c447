package e2ee

import (
	"fmt"
	"time"

	"github.com/callseal/callseal/e2ee/sframe"
)

// Tuning defaults and limits.
const (
	// DefaultCipherSuite is the SFrame cipher suite used unless
	// WithCipherSuite says otherwise.
	DefaultCipherSuite = sframe.AES_128_GCM_SHA256_128

	// DefaultReplayWindow is the default replay window in packets: a packet
	// may arrive up to this many counter values behind the newest packet of
	// its key and still be accepted once.
	DefaultReplayWindow = 1024 // packets

	// MaxReplayWindow is the largest replay window WithReplayWindow accepts,
	// in packets (an 8 KiB bitmap per receive key).
	MaxReplayWindow = 1 << 16 // packets
)

type config struct {
	suite        sframe.CipherSuite
	window       int
	graceTime    time.Duration
	gracePackets uint64
	perSSRC      bool
	sendStreams  []RTPStream
	recvStreams  []RTPStream
	clock        clock // nil: the real clock
	err          error
}

// Option configures NewSession and NewSessionFromSecrets.
type Option func(*config)

// WithCipherSuite selects the SFrame cipher suite (default
// AES_128_GCM_SHA256_128). Both parties must choose the same suite. An
// unsupported suite makes NewSession fail with an error wrapping
// sframe.ErrUnsupportedSuite.
func WithCipherSuite(s sframe.CipherSuite) Option {
	return func(c *config) {
		if !s.Supported() {
			c.err = fmt.Errorf("e2ee: %w: %v", sframe.ErrUnsupportedSuite, s)
			return
		}
		c.suite = s
	}
}

// WithReplayWindow sets the replay window in packets, 1 to MaxReplayWindow
// (default 1024). Packets more than this many counter values older than the
// newest accepted packet of the same key are rejected with ErrReplay.
func WithReplayWindow(packets int) Option {
	return func(c *config) {
		if packets < 1 || packets > MaxReplayWindow {
			c.err = fmt.Errorf("e2ee: replay window %d outside 1..%d packets", packets, MaxReplayWindow)
			return
		}
		c.window = packets
	}
}

// WithEpochGrace sets how long a receiver keeps the keys of a superseded
// epoch for late or reordered packets of that epoch: until d has passed since
// a packet of a newer epoch first authenticated, or until packets packets of
// the newer epoch have been accepted on that stream, whichever comes first
// (default DefaultGraceTime, DefaultGracePackets). Then the old keys are
// erased and their packets fail with ErrUnknownKey. d and packets must be
// positive.
func WithEpochGrace(d time.Duration, packets int) Option {
	return func(c *config) {
		if d <= 0 || packets <= 0 {
			c.err = fmt.Errorf("e2ee: epoch grace %v / %d packets must be positive", d, packets)
			return
		}
		c.graceTime, c.gracePackets = d, uint64(packets)
	}
}
