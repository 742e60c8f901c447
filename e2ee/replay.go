package e2ee

import "math/bits"

// replayWindow is a sliding-window replay filter over SFrame counters (the
// counter-based anti-replay RFC 9605, Section 9.3 leaves to the application)
// in the manner of RFC 6479: a ring of 64-bit words, at least one more than
// the window needs so that advancing the window clears whole words, and a
// power of two so that a counter's word is found with a mask.
//
// A counter is accepted if it is newer than every accepted counter, or if it
// is less than size behind the newest and not yet seen. The zero value is not
// usable; a replayWindow is not safe for concurrent use (recvKey guards it).
//
// Open holds recvKey's mutex across check, decryption and accept: a
// replayed packet is rejected before decryption, and only an authenticated
// packet's counter is recorded, so a forged packet never moves the window.
type replayWindow struct {
	size   uint64   // window in packets
	top    uint64   // newest accepted counter, valid if seen
	seen   bool     // whether any counter was accepted
	mask   uint64   // len(bitmap) - 1
	bitmap []uint64 // ring of 2^k ≥ ceil(size/64)+1 words, bit c%64 of word (c/64)&mask
}

func newReplayWindow(size int) replayWindow {
	n := 1 << bits.Len(uint((size+63)/64)) // a power of two > ceil(size/64)
	return replayWindow{size: uint64(size), mask: uint64(n - 1), bitmap: make([]uint64, n)}
}

// check reports whether ctr may be accepted, without changing the window.
func (w *replayWindow) check(ctr uint64) error {
	if !w.seen || ctr > w.top {
		return nil
	}
	if w.top-ctr >= w.size {
		return errTooOld
	}
	if w.bitmap[(ctr/64)&w.mask]&(1<<(ctr%64)) != 0 {
		return errDuplicate
	}
	return nil
}

// accept records ctr, which check must have just allowed.
func (w *replayWindow) accept(ctr uint64) {
	if ctr > w.top && ctr^w.top < 64 && w.seen {
		// In order, within the newest word: the common case.
		w.top = ctr
		w.bitmap[(ctr/64)&w.mask] |= 1 << (ctr % 64)
		return
	}
	w.acceptSlow(ctr)
}

// acceptSlow is accept for a first, older or word-crossing counter.
func (w *replayWindow) acceptSlow(ctr uint64) {
	switch {
	case !w.seen:
		w.seen, w.top = true, ctr
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
	}
	w.bitmap[(ctr/64)&w.mask] |= 1 << (ctr % 64)
}

// reset forgets every accepted counter.
func (w *replayWindow) reset() {
	clear(w.bitmap)
	w.seen, w.top = false, 0
}
