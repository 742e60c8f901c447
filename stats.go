package callseal

import (
	"errors"
	"sync/atomic"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/srtp"
)

// Stats is a snapshot of a Session's counters, all since New.
type Stats struct {
	// E2EE reports whether the call is end-to-end encrypted.
	E2EE bool
	// Streams holds each media kind's counters, indexed by MediaKind.
	Streams [NumKinds]StreamStats
	// RTCP counts RTCP packets, which only transport SRTP protects.
	RTCP StreamStats
	// Unattributed counts received packets dropped before their stream was
	// known: not RTP (a stray STUN or DTLS packet), or failing transport
	// SRTP or E2EE on an SSRC no good packet has come from yet.
	Unattributed StreamStats
}

// Stream returns the counters of kind's stream.
func (s Stats) Stream(kind MediaKind) StreamStats { return s.Streams[kind] }

// StreamStats counts one stream's packets both ways.
type StreamStats struct {
	Sent, Received Counters

	// Rejected received packets, by why. Each was dropped.
	TransportAuthFailures uint64 // transport SRTP authentication failed (srtp.ErrAuth)
	E2EEAuthFailures      uint64 // E2EE authentication failed (e2ee.ErrAuth)
	Replays               uint64 // refused by a replay window (srtp.ErrReplay, e2ee.ErrReplay)
	Malformed             uint64 // not parseable, or an unknown or expired E2EE key
	Overflows             uint64 // the stream's receive queue was full

	// Rekeys counts E2EE epoch changes, as the E2EE layer reports them
	// (e2ee.Session.Epochs): RekeysSent of this party's send key for the
	// stream (Rekey, or automatic before the key's usage limit), counted
	// when the key moves; RekeysReceived of the peer's, counted when a
	// packet of the new epoch authenticates (epochs whose packets were all
	// lost included). Zero for RTCP, Unattributed and calls without E2EE.
	RekeysSent, RekeysReceived uint64
}

// AuthFailures returns the received packets that failed authentication in
// either layer.
func (s StreamStats) AuthFailures() uint64 { return s.TransportAuthFailures + s.E2EEAuthFailures }

// Counters count packets and bytes in one direction.
type Counters struct {
	Packets uint64
	// Bytes counts RTP (or RTCP) bytes as the app wrote or read them:
	// without either layer's overhead.
	Bytes uint64
	// SealedBytes counts the packets between the layers: Bytes plus the
	// E2EE overhead (equal to Bytes when E2EE is off, and for RTCP).
	SealedBytes uint64
	// WireBytes counts the datagrams on the transport: SealedBytes plus
	// the SRTP overhead.
	WireBytes uint64
}

// Overhead returns the bytes both layers added: WireBytes - Bytes.
func (c Counters) Overhead() uint64 { return c.WireBytes - c.Bytes }

// E2EEOverhead returns the bytes the E2EE layer added (SFrame headers and
// tags): SealedBytes - Bytes.
func (c Counters) E2EEOverhead() uint64 { return c.SealedBytes - c.Bytes }

// SRTPOverhead returns the bytes transport SRTP added (tags, SRTCP
// indexes): WireBytes - SealedBytes.
func (c Counters) SRTPOverhead() uint64 { return c.WireBytes - c.SealedBytes }

// streamCounters is the live, atomic form of StreamStats.
type streamCounters struct {
	sentPackets, sentBytes, sentSealed, sentWire atomic.Uint64
	recvPackets, recvBytes, recvSealed, recvWire atomic.Uint64
	transportAuth, e2eeAuth, replays, bad        atomic.Uint64
	overflows                                    atomic.Uint64
}

func (c *streamCounters) sent(bytes, sealed, wire int) {
	c.sentPackets.Add(1)
	c.sentBytes.Add(uint64(bytes))
	c.sentSealed.Add(uint64(sealed))
	c.sentWire.Add(uint64(wire))
}

func (c *streamCounters) received(bytes, sealed, wire int) {
	c.recvPackets.Add(1)
	c.recvBytes.Add(uint64(bytes))
	c.recvSealed.Add(uint64(sealed))
	c.recvWire.Add(uint64(wire))
}

// drop counts a received packet rejected with err.
func (c *streamCounters) drop(err error) {
	switch {
	case errors.Is(err, srtp.ErrAuth):
		c.transportAuth.Add(1)
	case errors.Is(err, e2ee.ErrAuth):
		c.e2eeAuth.Add(1)
	case errors.Is(err, srtp.ErrReplay), errors.Is(err, e2ee.ErrReplay):
		c.replays.Add(1)
	default:
		c.bad.Add(1)
	}
}

// stats returns the stream's counters, with the rekey counts of the E2EE
// layer (e2ee.Session.Epochs: it takes the key chains' locks briefly).
func (st *Stream) stats() StreamStats {
	c := st.counters.snapshot()
	if in := st.s.inner; in != nil {
		c.RekeysSent, c.RekeysReceived = in.Epochs(st.kind)
	}
	return c
}

func (c *streamCounters) snapshot() StreamStats {
	return StreamStats{
		Sent:                  Counters{c.sentPackets.Load(), c.sentBytes.Load(), c.sentSealed.Load(), c.sentWire.Load()},
		Received:              Counters{c.recvPackets.Load(), c.recvBytes.Load(), c.recvSealed.Load(), c.recvWire.Load()},
		TransportAuthFailures: c.transportAuth.Load(),
		E2EEAuthFailures:      c.e2eeAuth.Load(),
		Replays:               c.replays.Load(),
		Malformed:             c.bad.Load(),
		Overflows:             c.overflows.Load(),
	}
}
