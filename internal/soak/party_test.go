package soak

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callseal/callseal"
)

// failures reports what goes wrong in the goroutines of all calls: the first
// maxReported with t.Errorf, the rest only counted, so that one systematic
// fault does not print a million lines.
type failures struct {
	t *testing.T
	n atomic.Int64
}

const maxReported = 20

func (f *failures) errorf(format string, args ...any) {
	if f.n.Add(1) <= maxReported {
		f.t.Errorf(format, args...)
	}
}

// send writes the packets of one stream of party p, a frame every
// interval, until stop is closed.
func (p *party) send(f *failures, id streamID, interval time.Duration, stop <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	buf := make([]byte, 0, 1500)
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for range mediaPlan[id.stream].packets {
			var ok bool
			if buf, ok = p.writeNext(f, id, buf); !ok {
				return
			}
		}
	}
}

// writeNext builds the next packet of stream id in buf and writes it. It
// reports false after a failure it reported.
func (p *party) writeNext(f *failures, id streamID, buf []byte) ([]byte, bool) {
	n := p.next[id.stream]
	p.next[id.stream]++
	buf = appendPacket(buf[:0], id, n)
	var err error
	if id.stream == rtcpStream {
		err = p.s.WriteRTCP(buf)
	} else {
		err = p.s.Stream(callseal.MediaKind(id.stream)).WriteRTP(buf)
	}
	var opErr *net.OpError
	switch {
	case err == nil:
		p.sent[id.stream].Add(1)
	case errors.As(err, &opErr) && !errors.Is(err, net.ErrClosed):
		// The socket refused the datagram (ENOBUFS and the like): lost,
		// as it would be on a network.
		p.sendErrs[id.stream].Add(1)
	default:
		f.errorf("%v: write packet %d: %v", id, n, err)
		return buf, false
	}
	return buf, true
}

// fill writes packets of stream id until the peer's receive queue for it
// holds queue packets, before any reader runs. A Session allocates a
// stream's receive buffers as its queue first grows that deep and then
// reuses them (callseal.Config.QueueLength bounds them), so filling every
// queue once gives each its full set: a queue that grows deeper during the
// run, because its reader stalled for a moment, cannot raise the heap, and
// that would be growth that is no leak.
func (p *party) fill(f *failures, peer *party, id streamID, queue int) error {
	received := func() uint64 {
		st := peer.s.Stats()
		if id.stream == rtcpStream {
			return st.RTCP.Received.Packets
		}
		return st.Stream(callseal.MediaKind(id.stream)).Received.Packets
	}
	full := func() bool { return received() >= uint64(queue) }
	buf := make([]byte, 0, 1500)
	for range 10 {
		for n := received(); n < uint64(queue); n++ {
			var ok bool
			if buf, ok = p.writeNext(f, id, buf); !ok {
				return fmt.Errorf("%v: filling the receive queue failed", id)
			}
		}
		// Wait for the packets in flight; those not in after a second
		// without progress were lost, and are made up for.
		for last, quiet := received(), time.Now(); !full() && time.Since(quiet) < time.Second; {
			time.Sleep(time.Millisecond)
			if n := received(); n != last {
				last, quiet = n, time.Now()
			}
		}
		if full() {
			return nil
		}
	}
	return fmt.Errorf("%v: the receive queue did not fill: %d of %d packets", id, received(), queue)
}

// read reads stream id's packets on party p until the Session is closed,
// and checks each: it must be byte-identical to the packet the peer built
// under the number it carries, and must not have arrived before.
func (p *party) read(f *failures, id streamID) {
	read := p.s.ReadRTCP
	if id.stream != rtcpStream {
		read = p.s.Stream(callseal.MediaKind(id.stream)).ReadRTP
	}
	buf := make([]byte, 0, 1500)
	want := make([]byte, 0, 1500)
	var w window
	for {
		pkt, err := read(buf[:0])
		if err != nil {
			if !errors.Is(err, callseal.ErrClosed) {
				f.errorf("%v: read: %v", id, err)
			}
			return
		}
		buf = pkt[:0]
		n, ok := packetNumber(id.stream, pkt)
		if !ok {
			p.bad.Add(1)
			f.errorf("%v: a %d-byte packet, too short to be one sent: %x", id, len(pkt), pkt)
			continue
		}
		if want = appendPacket(want[:0], id, n); !bytes.Equal(pkt, want) {
			p.bad.Add(1)
			f.errorf("%v: packet (number %d) is not the one sent:\n got %x\nwant %x", id, n, pkt, want)
			continue
		}
		newest := w.newest
		switch dup, late := w.add(n); {
		case dup:
			p.bad.Add(1)
			f.errorf("%v: packet %d arrived twice", id, n)
			continue
		case late:
			p.late[id.stream].Add(1)
		case n < newest:
			p.reorder[id.stream].Add(1)
		}
		p.recv[id.stream].Add(1)
		if p.leakPerPacket != 0 {
			p.leaked[id.stream] = append(p.leaked[id.stream], make([]byte, p.leakPerPacket))
		}
	}
}

// rekey calls Rekey on party p, which the failures call name, at
// intervals drawn uniformly from [lo, hi), until stop is closed.
func (p *party) rekey(f *failures, name string, rng *rand.Rand, lo, hi time.Duration, stop <-chan struct{}) {
	next := func() time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo))) }
	timer := time.NewTimer(next())
	defer timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		if err := p.s.Rekey(); err != nil {
			f.errorf("%s: Rekey: %v", name, err)
			return
		}
		p.rekeys.Add(1)
		timer.Reset(next())
	}
}
