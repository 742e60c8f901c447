//go:build !race

// Allocation counts: the race detector allocates, so these tests are built
// only without it (CI runs the tests both with and without -race).

package sframe

import (
	"testing"
)

func TestKeyZeroAllocs(t *testing.T) {
	for _, suite := range []CipherSuite{AES_128_GCM_SHA256_128, AES_256_GCM_SHA512_128} {
		k := newTestKey(t, suite, 2)
		meta := make([]byte, 12)
		pt := make([]byte, 1200)
		out := make([]byte, 0, 1300)
		back := make([]byte, 0, 1300)
		var ctr uint64
		if a := testing.AllocsPerRun(100, func() {
			ctr++
			sealed := k.Seal(out[:0], ctr, meta, pt)
			if _, _, err := k.Open(back[:0], sealed, meta); err != nil {
				panic(err)
			}
		}); a != 0 {
			t.Errorf("%v: %v allocations per Seal+Open, want 0", suite, a)
		}
	}
}
