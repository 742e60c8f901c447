package e2ee

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzCommonRTPPayload checks the per-packet paths' inline header check
// against parseRTP on arbitrary bytes: where commonRTPPayload accepts a
// header, parseRTP must accept it with the same payload offset and the
// 12-byte fixed header as metadata; where parseRTP finds such a header (no
// CSRCs) in a packet of at least 16 bytes, commonRTPPayload must find it too.
func FuzzCommonRTPPayload(f *testing.F) {
	for _, shape := range rtpShapes {
		f.Add(makeRTP(f, payloadOf(20), shape))
	}
	f.Add([]byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}) // extension longer than the packet
	f.Add([]byte{0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})       // padding
	f.Fuzz(func(t *testing.T, pkt []byte) {
		off := commonRTPPayload(pkt)
		layout, err := parseRTP(pkt)
		if off > 0 {
			require.NoError(t, err)
			require.Equal(t, rtpLayout{metaEnd: rtpFixedHeaderSize, payloadOff: off}, layout)
			return
		}
		if err == nil && layout.metaEnd == rtpFixedHeaderSize && len(pkt) >= rtpFixedHeaderSize+rtpExtHeaderSize {
			t.Fatalf("commonRTPPayload missed a header without CSRCs: %x (layout %+v)", pkt[:rtpFixedHeaderSize], layout)
		}
	})
}

func TestCommonRTPPayload(t *testing.T) {
	for name, shape := range rtpShapes {
		pkt := makeRTP(t, payloadOf(20), shape)
		layout, err := parseRTP(pkt)
		require.NoError(t, err)
		want := 0
		if len(shape.csrc) == 0 {
			want = layout.payloadOff
		}
		require.Equal(t, want, commonRTPPayload(pkt), name)
	}
}
