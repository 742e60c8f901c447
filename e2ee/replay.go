package e2ee

import "github.com/callseal/callseal/internal/replay"

// replayError maps the verdict of a key's replay window (a sliding window
// over SFrame counters, the counter-based anti-replay RFC 9605, Section 9.3
// leaves to the application; internal/replay) to the package's errors.
//
// Open holds recvKey's mutex across the check, decryption and accept: a
// replayed packet is rejected before decryption, and only an authenticated
// packet's counter is recorded, so a forged packet never moves the window.
func replayError(v replay.Verdict) error {
	switch v {
	case replay.Fresh:
		return nil
	case replay.Duplicate:
		return errDuplicate
	default:
		return errTooOld
	}
}
