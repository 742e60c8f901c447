package pionframe

import (
	"errors"
	"sync/atomic"

	"github.com/callseal/callseal/e2ee"
)

// Stats counts what a Frames' tracks and readers did, in frames. The
// counters mirror those of e2ee/pioninterceptor.Stats, per frame.
type Stats struct {
	Sealed     uint64 // frames sealed and handed to pion's packetizer
	Opened     uint64 // frames opened and returned by ReadSample
	NoSession  uint64 // frames dropped (either direction) because no session was set
	SealFailed uint64 // frames not sent: SealFrame failed
	Replayed   uint64 // received frames dropped as replays (e2ee.ErrReplay)
	Rejected   uint64 // received frames dropped for e2ee.ErrAuth, ErrUnknownKey or ErrMalformed
	Padding    uint64 // empty received frames, dropped
}

type counters struct {
	sealed, opened, noSession, sealFailed, replayed, rejected, padding atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Sealed:     c.sealed.Load(),
		Opened:     c.opened.Load(),
		NoSession:  c.noSession.Load(),
		SealFailed: c.sealFailed.Load(),
		Replayed:   c.replayed.Load(),
		Rejected:   c.rejected.Load(),
		Padding:    c.padding.Load(),
	}
}

// dropped counts a received frame that OpenFrame refused.
func (c *counters) dropped(err error) {
	if errors.Is(err, e2ee.ErrReplay) {
		c.replayed.Add(1)
	} else {
		c.rejected.Add(1)
	}
}
