//go:build race

package verify

// raceEnabled scales down the slowest tests under the race detector.
const raceEnabled = true
