package pioninterceptor

import (
	"errors"
	"sync/atomic"

	"github.com/callseal/callseal/e2ee"
)

// Stats counts what a Factory's interceptors did with RTP packets, in
// packets.
type Stats struct {
	Sealed     uint64 // outgoing packets sealed and passed on
	Opened     uint64 // incoming packets opened and delivered, RTX included
	OpenedRTX  uint64 // of Opened, RTX retransmissions
	NoSession  uint64 // packets dropped (either direction) because no session was set
	SealFailed uint64 // outgoing packets not sent: Seal failed or ErrRegistrationOrder
	Replayed   uint64 // incoming packets dropped as replays (e2ee.ErrReplay)
	Rejected   uint64 // incoming packets dropped for e2ee.ErrAuth, ErrUnknownKey or ErrMalformed
	Padding    uint64 // padding-only packets: sent as they are, dropped on receive
}

type counters struct {
	sealed, opened, openedRTX, noSession, sealFailed, replayed, rejected, padding atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Sealed:     c.sealed.Load(),
		Opened:     c.opened.Load(),
		OpenedRTX:  c.openedRTX.Load(),
		NoSession:  c.noSession.Load(),
		SealFailed: c.sealFailed.Load(),
		Replayed:   c.replayed.Load(),
		Rejected:   c.rejected.Load(),
		Padding:    c.padding.Load(),
	}
}

// dropped counts an incoming packet that Open refused.
func (c *counters) dropped(err error) {
	if errors.Is(err, e2ee.ErrReplay) {
		c.replayed.Add(1)
	} else {
		c.rejected.Add(1)
	}
}
