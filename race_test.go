//go:build race

package callseal

const raceEnabled = true
