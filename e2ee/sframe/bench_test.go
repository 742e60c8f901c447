package sframe

import (
	"fmt"
	"testing"
)

func BenchmarkKey(b *testing.B) {
	for _, suite := range allSuites {
		k := newTestKey(b, suite, 2)
		meta := make([]byte, 12)
		for _, n := range []int{160, 1200} {
			pt := make([]byte, n)
			out := make([]byte, 0, n+k.Overhead(1<<40))
			b.Run(fmt.Sprintf("Seal/%v/%dB", suite, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				var ctr uint64
				for b.Loop() {
					ctr++
					k.Seal(out[:0], ctr, meta, pt)
				}
			})
			ct := k.Seal(nil, 1000, meta, pt)
			back := make([]byte, 0, n)
			b.Run(fmt.Sprintf("Open/%v/%dB", suite, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					if _, _, err := k.Open(back[:0], ct, meta); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
