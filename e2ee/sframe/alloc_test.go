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

func TestKeyScratchZeroAllocs(t *testing.T) {
	for _, suite := range []CipherSuite{AES_128_GCM_SHA256_128, AES_256_GCM_SHA512_128} {
		k := newTestKey(t, suite, 2)
		s := new(Scratch)
		for _, mlen := range []int{12, 72, 200} {
			meta := make([]byte, mlen)
			pt := make([]byte, 1200)
			out := make([]byte, 0, 1300)
			back := make([]byte, 0, 1300)
			var ctr uint64
			k.SealWith(s, out[:0], ctr, meta, pt) // grows s for 200 B of metadata
			if a := testing.AllocsPerRun(100, func() {
				ctr++
				sealed := k.SealWith(s, out[:0], ctr, meta, pt)
				h, hlen, err := ParseHeader(sealed)
				if err != nil {
					panic(err)
				}
				if _, err := k.OpenParsed(s, back[:0], sealed, meta, h, hlen); err != nil {
					panic(err)
				}
			}); a != 0 {
				t.Errorf("%v, %d B metadata: %v allocations per SealWith+OpenParsed, want 0", suite, mlen, a)
			}
		}
	}
}
