package e2ee

import "time"

// clock schedules the erasure of superseded epochs. Tests replace it (see
// Config.clock in the tests) so that grace periods pass without sleeping.
type clock interface {
	AfterFunc(d time.Duration, f func())
}

type realClock struct{}

func (realClock) AfterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }
