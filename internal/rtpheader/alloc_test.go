//go:build !race

package rtpheader

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseAllocs: the parser is on per-packet paths and allocates nothing,
// for any header shape or error.
func TestParseAllocs(t *testing.T) {
	pkts := [][]byte{nil, {0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}
	for _, sh := range shapes {
		pkts = append(pkts, build(sh))
	}
	for _, pkt := range pkts {
		allocs := testing.AllocsPerRun(100, func() {
			_, _ = Parse(pkt)
			_ = CommonPayloadOffset(pkt)
		})
		require.Zero(t, allocs, "%x", pkt)
	}
}
