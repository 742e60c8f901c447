//go:build race

package attack

// raceEnabled scales the bit-flip attacks down under the race detector:
// one bit of every byte instead of all eight (see flipPositions).
const raceEnabled = true
