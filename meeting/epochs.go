package meeting

import "time"

// epochs holds the current epoch's keys and the previous epoch's during its
// grace period (PROTOCOL.md, "Grace period"): one code path for the Leader
// and the Member. Not safe for concurrent use; its owner's lock guards it.
type epochs struct {
	cur, prev *EpochKeys
	prevUntil time.Time // when prev is erased
	grace     time.Duration
	now       func() time.Time
}

// advance makes next the current epoch; the current one becomes the
// previous, kept for the grace period, and an older previous is erased at
// once.
func (e *epochs) advance(next *EpochKeys) {
	e.prev.erase()
	e.prev, e.cur = e.cur, next
	if e.grace < 0 {
		e.prev.erase()
		e.prev = nil
		return
	}
	e.prevUntil = e.now().Add(e.grace)
}

// expire erases the previous epoch once its grace period is over.
func (e *epochs) expire() {
	if e.prev != nil && !e.now().Before(e.prevUntil) {
		e.prev.erase()
		e.prev = nil
	}
}

// current returns the current epoch's number, or 0 and false before the
// first one.
func (e *epochs) current() (uint32, bool) {
	if e.cur == nil {
		return 0, false
	}
	return e.cur.epoch, true
}

func (e *epochs) eraseAll() {
	e.cur.erase()
	e.prev.erase()
	e.cur, e.prev = nil, nil
}
