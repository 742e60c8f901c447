package e2ee

import (
	"math/rand/v2"
	"testing"
)

// TestReplayWindowModel checks replayWindow against a map of every accepted
// counter: a counter is accepted if it is newer than all accepted so far,
// or less than size behind the newest and not yet accepted.
func TestReplayWindowModel(t *testing.T) {
	for _, size := range []int{1, 2, 63, 64, 65, 100, 128, 1024, 1025, MaxReplayWindow} {
		w := newReplayWindow(size)
		if n := len(w.bitmap); n&(n-1) != 0 || n < (size+63)/64+1 {
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
			want := len(seen) == 0 || ctr > top || (top-ctr < uint64(size) && !seen[ctr])
			if got := w.check(ctr) == nil; got != want {
				t.Fatalf("size %d, step %d: check(%d) with top %d = %v, want %v", size, i, ctr, top, got, want)
			}
			if want {
				w.accept(ctr)
				seen[ctr] = true
				top = max(top, ctr)
			}
		}
	}
}
