package perf

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/srtp"
)

// ScalingSize is the payload size in bytes of the scaling benchmark: a video
// packet.
const ScalingSize = 1200 // bytes

// call is one 1:1 call's media path in both layers, used by one goroutine:
// alice sends, bob receives.
type call struct {
	kind   e2ee.MediaKind
	ae, be *e2ee.Session
	as, bs *srtp.Session
	pkt    []byte // alice's plaintext RTP packet, re-sent with a new sequence number
	buf    []byte // the one buffer every step works in
	seq    uint16
}

func newCall(n int) (*call, error) {
	c := &call{kind: KindFor(n)}
	var err error
	if c.ae, err = e2eeAlice(DefaultSuite); err != nil {
		return nil, err
	}
	if c.be, err = e2eeBob(DefaultSuite); err != nil {
		return nil, err
	}
	if c.as, err = srtpAlice(DefaultProfile); err != nil {
		return nil, err
	}
	if c.bs, err = srtpBob(DefaultProfile); err != nil {
		return nil, err
	}
	c.pkt = rtpPacket(c.kind, n, 0)
	c.buf = make([]byte, 0, len(c.pkt)+c.ae.Overhead()+DefaultProfile.RTPOverhead())
	return c, nil
}

// roundTrip sends one packet through the full two-layer send path and
// receives it through the full receive path, all in c.buf.
func (c *call) roundTrip() error {
	c.seq++
	setSeq(c.pkt, c.seq)
	sealed, err := c.ae.Seal(c.buf[:0], c.pkt, c.kind)
	if err != nil {
		return err
	}
	wire, err := c.as.ProtectRTP(sealed[:0], sealed)
	if err != nil {
		return err
	}
	rtpPkt, err := c.bs.UnprotectRTP(wire[:0], wire)
	if err != nil {
		return err
	}
	_, _, err = c.be.Open(rtpPkt[:0], rtpPkt)
	return err
}

// RoundTrip is the one-core measure of the scaling benchmark: one goroutine,
// one call, each operation a full send and a full receive of one packet of n
// payload bytes.
func RoundTrip(n int) func(*testing.B) {
	return func(b *testing.B) {
		c, err := newCall(n)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(n))
		for b.Loop() {
			if err := c.roundTrip(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// RoundTripParallel is RoundTrip on every core: b.RunParallel with one
// goroutine per GOMAXPROCS, each with its own call, as a server or a
// multi-call client spreads calls over cores. Its ns/op is wall time per
// round trip of all goroutines together, so RoundTrip's ns/op divided by it
// is the speed-up.
func RoundTripParallel(n int) func(*testing.B) {
	return func(b *testing.B) {
		calls := make([]*call, runtime.GOMAXPROCS(0))
		for i := range calls {
			c, err := newCall(n)
			if err != nil {
				b.Fatal(err)
			}
			calls[i] = c
		}
		var next atomic.Int32
		b.ReportAllocs()
		b.SetBytes(int64(n))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var c *call
			if i := int(next.Add(1) - 1); i < len(calls) {
				c = calls[i]
			} else { // more goroutines than GOMAXPROCS (SetParallelism)
				var err error
				if c, err = newCall(n); err != nil {
					b.Error(err)
					return
				}
			}
			for pb.Next() {
				if err := c.roundTrip(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
}
