//go:build unix

package perf

import (
	"runtime"
	"syscall"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's usage.
const rusageThread = 1

// processCPU returns the user and system CPU time of the whole process.
func processCPU() (time.Duration, error) { return rusage(syscall.RUSAGE_SELF) }

// threadCPU returns the CPU time of the calling OS thread (on Linux; the
// whole process elsewhere). The caller locks its goroutine to the thread.
func threadCPU() (time.Duration, error) {
	if runtime.GOOS == "linux" {
		return rusage(rusageThread)
	}
	return processCPU()
}

func rusage(who int) (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
