//go:build race

package srtp

// raceEnabled reports whether the race detector is on; it adds allocations.
const raceEnabled = true
