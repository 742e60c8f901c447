package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// An impairment is what -loss, -reorder, -dup and -jitter do to the relay's
// path towards each receiver, on every stream, and -seed the random numbers
// that decide it. Each packet the relay forwards is
//
//   - lost with probability loss; otherwise
//   - duplicated with probability dup (the copy follows the original at
//     once, as a link-layer retransmission would send it),
//   - held back with probability reorder, behind the next 1 to 3 packets
//     of its stream (or at most maxHold, so that the last packets of a
//     stream are not held for ever), and
//   - delayed by a random time in [0, jitter].
type impairment struct {
	loss, reorder, dup float64
	jitter             time.Duration
	seed               uint64
}

// maxHold bounds, in wall time, how long a packet held back for -reorder
// waits for later packets of its stream to overtake it.
const maxHold = 20 * time.Millisecond

func (im impairment) on() bool {
	return im.loss > 0 || im.reorder > 0 || im.dup > 0 || im.jitter > 0
}

func (im impairment) String() string {
	return fmt.Sprintf("-loss %g -reorder %g -dup %g -jitter %v -seed %d", im.loss, im.reorder, im.dup, im.jitter, im.seed)
}

func (im impairment) check() error {
	for _, p := range []struct {
		flag string
		v    float64
	}{{"-loss", im.loss}, {"-reorder", im.reorder}, {"-dup", im.dup}} {
		if !(p.v >= 0 && p.v < 1) {
			return fmt.Errorf("%s %v: must be a probability in [0, 1)", p.flag, p.v)
		}
	}
	if im.jitter < 0 || im.jitter > time.Second {
		return errors.New("-jitter: must be between 0 and 1s")
	}
	return nil
}

// maxDelay is the longest the path holds a packet, in wall time.
func (im impairment) maxDelay() time.Duration {
	d := im.jitter
	if im.reorder > 0 {
		d += maxHold
	}
	return d
}

// pathStats is what the impaired path did to one stream's packets.
type pathStats struct {
	arrived    int // packets the relay received and passed to the path
	lost       int // dropped by the path
	duplicated int // forwarded twice
	reordered  int // forwarded after a packet of the stream with a higher sequence number
	forwarded  int // packets put on the wire to the receiver, copies included
}

// An impairer applies an impairment to the relay's forward step (see
// forwardFunc). It is safe for concurrent use.
type impairer struct {
	impairment

	mu      sync.Mutex
	rng     [2]*rand.Rand // per direction: one direction's packets arrive in a fixed order, so its decisions follow from the seed
	streams map[viewKey]*pathStream
	closed  bool
	timers  sync.WaitGroup // delayed and held packets still to go
}

type pathStream struct {
	pathStats
	highest int64 // extended sequence number of the newest packet forwarded
	started bool
	held    []*heldPacket
}

type heldPacket struct {
	pkt      []byte
	copies   int
	wait     int // packets of the stream still to overtake it
	delay    time.Duration
	timer    *time.Timer
	released bool
}

func newImpairer(im impairment) *impairer {
	x := &impairer{impairment: im, streams: make(map[viewKey]*pathStream)}
	for d := range x.rng {
		x.rng[d] = rand.New(rand.NewPCG(im.seed, uint64(d)))
	}
	return x
}

// wrap returns next with the impairment applied to what it sends.
func (x *impairer) wrap(next forwardFunc) forwardFunc {
	return func(dir direction, pkt []byte, send func([]byte)) {
		next(dir, pkt, func(p []byte) { x.impair(dir, p, send) })
	}
}

func (x *impairer) impair(dir direction, pkt []byte, send func([]byte)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed || len(pkt) < 12 {
		return
	}
	st := x.streams[viewKey{dir, ssrcOf(pkt)}]
	if st == nil {
		st = new(pathStream)
		x.streams[viewKey{dir, ssrcOf(pkt)}] = st
	}
	st.arrived++
	// Every packet draws the same numbers, so that one decision does not
	// shift the ones after it.
	r := x.rng[dir]
	lose, dup, hold := r.Float64() < x.loss, r.Float64() < x.dup, r.Float64() < x.reorder
	wait, delay := 1+r.IntN(3), time.Duration(r.Int64N(int64(x.jitter)+1))
	if lose {
		st.lost++
		return
	}
	h := &heldPacket{pkt: slices.Clone(pkt), copies: 1, wait: wait, delay: delay} // the relay reuses pkt
	if dup {
		h.copies = 2
		st.duplicated++
	}
	if hold {
		x.timers.Add(1)
		h.timer = time.AfterFunc(maxHold, func() {
			defer x.timers.Done()
			x.mu.Lock()
			defer x.mu.Unlock()
			x.release(st, h, send)
		})
		st.held = append(st.held, h)
		return
	}
	x.release(st, h, send)
	for _, held := range slices.Clone(st.held) {
		if held.wait--; held.wait == 0 && held.timer.Stop() {
			x.timers.Done()
			x.release(st, held, send)
		}
	}
}

// release forwards h after its jitter delay. x.mu is held.
func (x *impairer) release(st *pathStream, h *heldPacket, send func([]byte)) {
	if h.released || x.closed {
		return
	}
	h.released = true
	st.held = slices.DeleteFunc(st.held, func(o *heldPacket) bool { return o == h })
	if h.delay == 0 {
		x.sendNow(st, h, send)
		return
	}
	x.timers.Add(1)
	time.AfterFunc(h.delay, func() {
		defer x.timers.Done()
		x.mu.Lock()
		defer x.mu.Unlock()
		if !x.closed {
			x.sendNow(st, h, send)
		}
	})
}

// sendNow puts h on the wire and notes whether it overtook nothing: a
// packet sent after one with a higher sequence number (extended past the
// 16-bit wrap, RFC 3550, Appendix A.1) is reordered. x.mu is held.
func (x *impairer) sendNow(st *pathStream, h *heldPacket, send func([]byte)) {
	seq := uint16(h.pkt[2])<<8 | uint16(h.pkt[3])
	e := int64(seq)
	if st.started {
		e = st.highest + int64(int16(seq-uint16(st.highest)))
	}
	if st.started && e < st.highest {
		st.reordered++
	} else {
		st.highest, st.started = e, true
	}
	for range h.copies {
		send(h.pkt)
	}
	st.forwarded += h.copies
}

// close drops the packets still held or delayed and waits for their timers.
func (x *impairer) close() {
	x.mu.Lock()
	x.closed = true
	x.mu.Unlock()
	x.timers.Wait()
}

// stats returns what the path did to the stream ssrc travelling in dir.
func (x *impairer) stats(dir direction, ssrc uint32) pathStats {
	x.mu.Lock()
	defer x.mu.Unlock()
	if st := x.streams[viewKey{dir, ssrc}]; st != nil {
		return st.pathStats
	}
	return pathStats{}
}
