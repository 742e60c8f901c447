package srtp

import (
	"github.com/pion/transport/v5/replaydetector"

	"github.com/callseal/callseal/internal/replay"
)

// maxSRTPIndex is the largest SRTP packet index: 48 bits, the 32-bit
// rollover counter and the 16-bit sequence number (RFC 3711, Section 3.3.1).
const maxSRTPIndex = 1<<48 - 1

// srtpReplay is the replay detector of received SRTP packets, one per SSRC,
// handed to pion/srtp with SRTPReplayDetectorFactory: internal/replay's
// window over the packet index pion computes (RFC 3711, Section 3.3.2).
// pion's own detector (SRTPReplayProtection) shifts its whole bitmap on
// every new packet, which at a 1024-packet window cost about 60 ns per
// received packet (docs/BENCHMARKS.md); this one costs the same at any
// window size. Its verdicts are the same: a new index ahead of the window
// passes, an index less than the window behind the newest passes once, an
// older one never; pion checks before decrypting and accepts only after the
// packet authenticated.
//
// pion calls it under Session.unprotectMu, so it needs no lock of its own.
type srtpReplay struct {
	w replay.Window
}

func newSRTPReplay(window int) replaydetector.ReplayDetector {
	return &srtpReplay{w: replay.New(window)}
}

// CheckSeq implements replaydetector.CheckAccepter, which pion prefers.
func (d *srtpReplay) CheckSeq(index uint64) replaydetector.Token {
	if index > maxSRTPIndex || d.w.Check(index) != replay.Fresh {
		return replaydetector.Rejected(index)
	}
	return replaydetector.Passed(index)
}

// Accept implements replaydetector.CheckAccepter: it records the index of a
// passed token, and reports whether it is the newest index accepted.
func (d *srtpReplay) Accept(tok replaydetector.Token) bool {
	if !tok.Passed() {
		return false
	}
	return d.w.Accept(tok.Seq())
}

// Check implements replaydetector.ReplayDetector (the older interface,
// which pion uses only for a detector without CheckSeq).
func (d *srtpReplay) Check(index uint64) (accept func() bool, ok bool) {
	tok := d.CheckSeq(index)
	if !tok.Passed() {
		return func() bool { return false }, false
	}
	return func() bool { return d.Accept(tok) }, true
}
