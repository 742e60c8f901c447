package perf

import (
	"bytes"
	"testing"
)

// ringBytes bounds the memory a ring of protected packets takes, so that the
// ring stays in a core's L2 cache like the single buffer of the raw AES-GCM
// baseline does (packets fresh from the network are in cache too).
const ringBytes = 384 << 10 // bytes

// Ring lengths in packets. Every packet in a ring is distinct (increasing RTP
// sequence number and SFrame counter), so no receive benchmark ever presents
// the receiver with a replay.
const (
	minRing = 256
	maxRing = 1024
)

func ringLen(pktSize int) int {
	return min(max(ringBytes/pktSize, minRing), maxRing)
}

// ring hands out pre-protected packets to a receive benchmark. The replay
// windows of both layers accept each packet once, so when the ring is used
// up, reset replaces the receiver by a fresh one (same keys, empty replay
// state) and the ring starts over. The reset runs with the timer stopped:
// it is not part of the per-packet cost, and its allocations are not counted.
type ring struct {
	pkts  [][]byte
	pos   int
	reset func() error
	open  func(pkt []byte) ([]byte, error)
}

// newRing protects n packets with gen, which returns the protected packet
// and the plaintext RTP packet the receiver must get back. It creates the
// receiver with reset, checks with open that every packet of the ring opens
// to its plaintext (untimed), and resets the receiver again for the
// measurement.
//
// After each reset the first packet of the ring is opened untimed: a
// receiver creates some per-stream state on the first packet of a stream
// (pion/srtp its per-SSRC context), which a long-lived receiver does once
// per call, not once per ring.
func newRing(b *testing.B, n int, gen func(i int) (protected, plain []byte, err error),
	reset func() error, open func(pkt []byte) ([]byte, error)) *ring {
	b.Helper()
	r := &ring{pkts: make([][]byte, n), reset: reset, open: open}
	plains := make([][]byte, n)
	for i := range r.pkts {
		p, plain, err := gen(i)
		if err != nil {
			b.Fatalf("protect packet %d for the ring: %v", i, err)
		}
		r.pkts[i], plains[i] = p, bytes.Clone(plain)
	}
	if err := reset(); err != nil {
		b.Fatalf("create receiver: %v", err)
	}
	for i, p := range r.pkts {
		got, err := open(p)
		if err != nil {
			b.Fatalf("ring packet %d does not open: %v", i, err)
		}
		if !bytes.Equal(got, plains[i]) {
			b.Fatalf("ring packet %d opens to other bytes than were sent", i)
		}
	}
	r.restart(b)
	return r
}

// restart replaces the receiver and opens the first packet of the ring.
func (r *ring) restart(b *testing.B) {
	if err := r.reset(); err != nil {
		b.Fatalf("reset receiver: %v", err)
	}
	if _, err := r.open(r.pkts[0]); err != nil {
		b.Fatalf("ring packet 0 does not open after a reset: %v", err)
	}
	r.pos = 1
}

// next returns the next packet, resetting the receiver first (untimed) when
// every packet of the ring has been received.
func (r *ring) next(b *testing.B) []byte {
	if r.pos == len(r.pkts) {
		b.StopTimer()
		r.restart(b)
		b.StartTimer()
	}
	p := r.pkts[r.pos]
	r.pos++
	return p
}
