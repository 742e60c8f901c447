package callseal

import (
	"testing"

	"github.com/callseal/callseal/e2ee"
)

// TestEpochsAhead: the stats count every jump an e2ee receiver follows, up
// to e2ee.MaxEpochAhead epochs, across the wrap of the KID's epoch bits,
// and nothing for the same or an older epoch.
func TestEpochsAhead(t *testing.T) {
	const mod = 1 << e2ee.EpochBits
	for _, c := range []struct{ last, e, want uint64 }{
		{0, 0, 0},
		{0, 1, 1},
		{5, 5 + e2ee.MaxEpochAhead, e2ee.MaxEpochAhead},
		{mod - 1, e2ee.MaxEpochAhead - 1, e2ee.MaxEpochAhead},
		{5, 6 + e2ee.MaxEpochAhead, 0}, // an older epoch, mod - MaxEpochAhead - 1 behind
		{1, 0, 0},
	} {
		if got := epochsAhead(c.last, c.e%mod); got != c.want {
			t.Errorf("epochsAhead(%d, %d) = %d, want %d", c.last, c.e%mod, got, c.want)
		}
	}
}
