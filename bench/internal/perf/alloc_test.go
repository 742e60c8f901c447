//go:build !race

// Allocation counts: the race detector allocates, so these tests are built
// only without it (CI runs the tests both with and without -race).

package perf

import (
	"testing"
)

// The per-packet path of a call allocates nothing once its streams exist.
func TestRoundTripDoesNotAllocate(t *testing.T) {
	for _, n := range Sizes {
		c, err := newCall(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.roundTrip(); err != nil { // creates per-stream state
			t.Fatal(err)
		}
		var failed error
		allocs := testing.AllocsPerRun(1000, func() {
			if err := c.roundTrip(); err != nil {
				failed = err
			}
		})
		if failed != nil {
			t.Fatalf("%d B: %v", n, failed)
		}
		if allocs != 0 {
			t.Errorf("%d B: full send + receive allocates %.1f times per packet, want 0", n, allocs)
		}
	}
}
