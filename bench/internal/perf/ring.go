package perf

import (
	"bytes"
	"testing"
)

// ringBytes bounds the memory a ring of protected packets takes, so that the
// ring stays in a core's L2 cache (packets fresh from the network are in
// cache too).
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

// ring hands out protected packets to a receive benchmark, whose receiver
// lives as long as the benchmark, as in a call. When the ring is used up,
// refill protects the next len(pkts) packets of the stream (later sequence
// numbers and counters, so the receiver's replay windows accept them) into
// the same buffers, with the timer stopped: the sender's work is not part of
// the per-packet cost, and nothing is allocated, so no garbage collection
// runs during the timed packets.
type ring struct {
	pkts [][]byte
	pos  int
	sent int // packets protected so far
	gen  func(seq int, dst []byte) (protected, plain []byte, err error)
}

// newRing makes a ring of n packets, each in a buffer of capacity bytes, from
// gen, which protects packet number seq (1, 2, …) of the stream, appending
// it to dst (a buffer of the ring, emptied), and returns it and the
// plaintext RTP packet the receiver must get back. It checks with open,
// untimed, that a first ring of packets opens to the plaintexts (which the
// receiver has then seen, so it also creates its per-stream state then),
// and refills the ring for the measurement.
func newRing(b *testing.B, n, capacity int, gen func(seq int, dst []byte) (protected, plain []byte, err error),
	open func(pkt []byte) ([]byte, error)) *ring {
	b.Helper()
	r := &ring{pkts: make([][]byte, n), gen: gen}
	plains := make([][]byte, n)
	for i := range r.pkts {
		r.sent++
		p, plain, err := gen(r.sent, make([]byte, 0, capacity))
		if err != nil {
			b.Fatalf("protect packet %d for the ring: %v", i, err)
		}
		r.pkts[i], plains[i] = p, bytes.Clone(plain)
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
	r.refill(b)
	return r
}

// refill protects the next len(r.pkts) packets into the ring's buffers.
func (r *ring) refill(b *testing.B) {
	for i, old := range r.pkts {
		r.sent++
		p, _, err := r.gen(r.sent, old[:0])
		if err != nil {
			b.Fatalf("protect packet %d for the ring: %v", r.sent, err)
		}
		if &p[0] != &old[0] {
			b.Fatalf("packet %d outgrew its ring buffer of %d bytes", r.sent, cap(old))
		}
		r.pkts[i] = p
	}
	r.pos = 0
}

// next returns the next packet, refilling the ring first (untimed) when
// every packet of it has been received.
func (r *ring) next(b *testing.B) []byte {
	if r.pos == len(r.pkts) {
		b.StopTimer()
		r.refill(b)
		b.StartTimer()
	}
	p := r.pkts[r.pos]
	r.pos++
	return p
}
