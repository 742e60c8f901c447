//go:build !race

package sframe

const raceEnabled = false
