package replay_test

import (
	"fmt"

	"github.com/callseal/callseal/internal/replay"
)

func Example() {
	w := replay.New(1024)
	for _, ctr := range []uint64{1, 3, 2, 3, 2000, 900} {
		v := w.Check(ctr)
		if v == replay.Fresh {
			w.Accept(ctr) // only after the packet authenticated
		}
		fmt.Println(ctr, v)
	}
	// Output:
	// 1 fresh
	// 3 fresh
	// 2 fresh
	// 3 duplicate
	// 2000 fresh
	// 900 too old
}
