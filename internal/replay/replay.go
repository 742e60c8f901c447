// Package replay implements the sliding-window replay filter shared by the
// two layers: e2ee's per-key window over SFrame counters and srtp's per-SSRC
// window over SRTP packet indices (RFC 3711, Section 3.3.2), in the manner
// of RFC 6479: a ring of 64-bit words, at least one more than the window
// needs so that advancing the window clears whole words instead of shifting
// the bitmap, and a power of two so that a counter's word is found with a
// mask. Check and Accept cost O(1) whatever the window size.
package replay

import "math/bits"

// Verdict is the outcome of Window.Check.
type Verdict uint8

// Verdicts of Window.Check.
const (
	Fresh     Verdict = iota // never accepted and inside or ahead of the window
	Duplicate                // already accepted
	TooOld                   // size or more behind the newest accepted counter
)

// Window is a replay window of a fixed size in packets. A counter passes
// Check if it is newer than every accepted counter, or less than size behind
// the newest and not yet accepted; Accept records a counter that passed.
// Callers record a counter only after its packet authenticated, so that a
// forged packet never moves the window.
//
// The zero value is not usable: make one with New. A Window is not safe for
// concurrent use; its owner serializes Check and Accept.
type Window struct {
	size   uint64   // window in packets
	top    uint64   // newest accepted counter if seen, else noTop
	seen   bool     // whether any counter was accepted
	mask   uint64   // len(bitmap) - 1
	bitmap []uint64 // ring of 2^k ≥ ceil(size/64)+1 words, bit c%64 of word (c/64)&mask
}

// noTop is top before any counter was accepted: no counter is greater, so
// Accept's fast path never takes a first counter.
const noTop = ^uint64(0)

// New returns an empty Window of size packets (size ≥ 1). Its bitmap takes
// 8·2^k bytes, the smallest power of two of 64-bit words above size/64: 32
// words (256 bytes) for 1024 packets.
func New(size int) Window {
	if size < 1 {
		panic("replay: window size < 1")
	}
	n := 1 << bits.Len(uint((size+63)/64)) // a power of two > ceil(size/64)
	return Window{size: uint64(size), top: noTop, mask: uint64(n - 1), bitmap: make([]uint64, n)}
}

// Words returns the number of 64-bit words in the window's bitmap.
func (w *Window) Words() int { return len(w.bitmap) }

// Check reports whether ctr may be accepted, without changing the window.
func (w *Window) Check(ctr uint64) Verdict {
	if !w.seen || ctr > w.top {
		return Fresh
	}
	if w.top-ctr >= w.size {
		return TooOld
	}
	if w.bitmap[(ctr/64)&w.mask]&(1<<(ctr%64)) != 0 {
		return Duplicate
	}
	return Fresh
}

// Accept records ctr, for which Check must have just returned Fresh, and
// reports whether ctr is now the newest accepted counter.
func (w *Window) Accept(ctr uint64) (newest bool) {
	// The common case first: in order, within the newest word (with
	// top = noTop before the first counter, never true).
	if ctr > w.top && ctr^w.top < 64 {
		w.top = ctr
		w.bitmap[(ctr/64)&w.mask] |= 1 << (ctr % 64)
		return true
	}
	return w.acceptSlow(ctr)
}

// acceptSlow is Accept for a first, older or word-crossing counter.
//
//go:noinline
func (w *Window) acceptSlow(ctr uint64) (newest bool) {
	switch {
	case !w.seen:
		w.seen, w.top = true, ctr
		newest = true
	case ctr > w.top:
		cur, next := w.top/64, ctr/64
		if next-cur > w.mask {
			clear(w.bitmap)
		} else {
			for i := cur + 1; i <= next; i++ {
				w.bitmap[i&w.mask] = 0
			}
		}
		w.top = ctr
		newest = true
	}
	w.bitmap[(ctr/64)&w.mask] |= 1 << (ctr % 64)
	return newest
}

// Reset forgets every accepted counter.
func (w *Window) Reset() {
	clear(w.bitmap)
	w.seen, w.top = false, noTop
}

// String returns "fresh", "duplicate" or "too old".
func (v Verdict) String() string {
	switch v {
	case Fresh:
		return "fresh"
	case Duplicate:
		return "duplicate"
	case TooOld:
		return "too old"
	}
	return "invalid verdict"
}
