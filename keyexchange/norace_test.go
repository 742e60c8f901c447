//go:build !race

package keyexchange

const raceEnabled = false
