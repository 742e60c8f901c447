//go:build !unix

package perf

import (
	"errors"
	"time"
)

var errNoRusage = errors.New("perf: CPU time (getrusage) is not measured on this platform")

func processCPU() (time.Duration, error) { return 0, errNoRusage }
func threadCPU() (time.Duration, error)  { return 0, errNoRusage }
