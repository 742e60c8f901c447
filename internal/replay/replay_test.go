package replay

import (
	"math/rand/v2"
	"testing"
)

// TestWindowModel checks Window against a map of every accepted counter: a
// counter is accepted if it is newer than all accepted so far, or less than
// size behind the newest and not yet accepted; a rejected one is Duplicate
// if it was accepted, else TooOld.
func TestWindowModel(t *testing.T) {
	for _, size := range []int{1, 2, 63, 64, 65, 100, 128, 1024, 1025, 1 << 16} { // up to e2ee.MaxReplayWindow
		w := New(size)
		if n := w.Words(); n&(n-1) != 0 || n < (size+63)/64+1 {
			t.Fatalf("size %d: %d bitmap words", size, n)
		}
		rng := rand.New(rand.NewPCG(uint64(size), 1))
		seen := map[uint64]bool{}
		var top uint64
		for i := range 20000 {
			var ctr uint64
			switch r := rng.IntN(10); {
			case r < 5: // in order, sometimes skipping ahead
				ctr = top + 1 + uint64(rng.IntN(3))
			case r < 6: // a jump
				ctr = top + uint64(rng.IntN(4*size+130))
			default: // late, duplicate or too old
				ctr = top - min(top, uint64(rng.IntN(size+70)))
			}
			fresh := len(seen) == 0 || ctr > top || (top-ctr < uint64(size) && !seen[ctr])
			want := Fresh
			switch {
			case fresh:
			case seen[ctr] && top-ctr < uint64(size):
				want = Duplicate
			default:
				want = TooOld
			}
			if got := w.Check(ctr); got != want {
				t.Fatalf("size %d, step %d: Check(%d) with top %d = %v, want %v", size, i, ctr, top, got, want)
			}
			if fresh {
				newest := len(seen) == 0 || ctr > top
				if got := w.Accept(ctr); got != newest {
					t.Fatalf("size %d, step %d: Accept(%d) with top %d reported newest=%v", size, i, ctr, top, got)
				}
				seen[ctr] = true
				top = max(top, ctr)
			}
		}
	}
}

func TestReset(t *testing.T) {
	w := New(64)
	w.Accept(5)
	if w.Check(5) != Duplicate {
		t.Fatal("5 not a duplicate after Accept")
	}
	w.Reset()
	if w.Check(5) != Fresh || w.Check(0) != Fresh {
		t.Fatal("counters still rejected after Reset")
	}
}

func TestNewPanicsOnZeroSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New(0) did not panic")
		}
	}()
	New(0)
}

func BenchmarkInOrder(b *testing.B) {
	for _, size := range []int{128, 1024} {
		b.Run(map[int]string{128: "128", 1024: "1024"}[size], func(b *testing.B) {
			w := New(size)
			b.ReportAllocs()
			var ctr uint64
			for b.Loop() {
				if w.Check(ctr) != Fresh {
					b.Fatal("in-order counter rejected")
				}
				w.Accept(ctr)
				ctr++
			}
		})
	}
}
