//go:build race

package e2ee

const raceEnabled = true
