package e2ee

// replayWindow is a sliding-window replay filter over SFrame counters (the
// counter-based anti-replay RFC 9605, Section 9.3 leaves to the application)
// in the manner of RFC 6479: a ring of 64-bit words, of which one more than the
// window needs is kept so that advancing the window clears whole words.
//
// A counter is accepted if it is newer than every accepted counter, or if it
// is less than size behind the newest and not yet seen. The zero value is not
// usable; a replayWindow is not safe for concurrent use (recvKey guards it).
//
// Open consults it once, after authentication, under recvKey's mutex: a
// forged packet never reaches it, and a replayed packet costs one
// decryption, like any other packet that is rejected. (A lock-free check
// before decryption would need atomic bitmap updates, which cost more on
// every genuine packet than they save on replays.)
type replayWindow struct {
	size   uint64   // window in packets
	top    uint64   // newest accepted counter, valid if seen
	seen   bool     // whether any counter was accepted
	bitmap []uint64 // ring of ceil(size/64)+1 words, bit c%64 of word (c/64)%len
}

func newReplayWindow(size int) replayWindow {
	return replayWindow{size: uint64(size), bitmap: make([]uint64, (size+63)/64+1)}
}

// check reports whether ctr may be accepted, without changing the window.
func (w *replayWindow) check(ctr uint64) error {
	if !w.seen || ctr > w.top {
		return nil
	}
	if w.top-ctr >= w.size {
		return errTooOld
	}
	if w.bitmap[(ctr/64)%uint64(len(w.bitmap))]&(1<<(ctr%64)) != 0 {
		return errDuplicate
	}
	return nil
}

// accept records ctr, which check must have just allowed.
func (w *replayWindow) accept(ctr uint64) {
	n := uint64(len(w.bitmap))
	switch {
	case !w.seen:
		w.seen, w.top = true, ctr
	case ctr > w.top:
		cur, next := w.top/64, ctr/64
		if next-cur >= n {
			clear(w.bitmap)
		} else {
			for i := cur + 1; i <= next; i++ {
				w.bitmap[i%n] = 0
			}
		}
		w.top = ctr
	}
	w.bitmap[(ctr/64)%n] |= 1 << (ctr % 64)
}

// reset forgets every accepted counter.
func (w *replayWindow) reset() {
	clear(w.bitmap)
	w.seen, w.top = false, 0
}
