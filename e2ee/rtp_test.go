package e2ee

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/internal/rtpheader"
)

// FuzzCommonRTPPayload checks the per-packet paths' inline header check
// against parseRTP on arbitrary bytes: where commonRTPPayload accepts a
// header, parseRTP must accept it with the same payload offset and the
// 12-byte fixed header as metadata; where parseRTP finds such a header (no
// CSRCs) in a packet of at least 16 bytes, commonRTPPayload must find it too.
// parseRTP accepts exactly what rtpheader.Parse accepts without padding.
func FuzzCommonRTPPayload(f *testing.F) {
	for _, shape := range rtpShapes {
		f.Add(makeRTP(f, payloadOf(20), shape))
	}
	f.Add([]byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}) // extension longer than the packet
	f.Add([]byte{0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})       // padding
	f.Add([]byte{0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})       // padding, valid count
	f.Fuzz(func(t *testing.T, pkt []byte) {
		off := commonRTPPayload(pkt)
		layout, err := parseRTP(pkt)
		l, perr := rtpheader.Parse(pkt)
		if perr == nil && l.PayloadEnd == len(pkt) {
			require.NoError(t, err)
			require.Equal(t, rtpLayout{metaEnd: l.MetaEnd, payloadOff: l.PayloadOff}, layout)
		} else {
			require.ErrorIs(t, err, ErrMalformed)
		}
		if off > 0 {
			require.NoError(t, err)
			require.Equal(t, rtpLayout{metaEnd: rtpFixedHeaderSize, payloadOff: off}, layout)
			return
		}
		if err == nil && layout.metaEnd == rtpFixedHeaderSize && len(pkt) >= rtpFixedHeaderSize+rtpheader.ExtHeaderSize {
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

// TestParseRTPErrors: parseRTP keeps Seal's and Open's RTP rules: version 2
// only, no padding (a valid padding count included), complete CSRC list and
// extension, each with its own error wrapping ErrMalformed.
func TestParseRTPErrors(t *testing.T) {
	good := makeRTP(t, payloadOf(20), rtpShapes["plain"])
	with := func(b0 byte, tail ...byte) []byte {
		pkt := append([]byte{b0}, good[1:]...)
		return append(pkt, tail...)
	}
	for name, c := range map[string]struct {
		pkt  []byte
		want error
	}{
		"empty":                  {nil, errShortRTP},
		"11 bytes":               {good[:11], errShortRTP},
		"version 1":              {with(0x40), errRTPVersion},
		"version 3, short":       {[]byte{0xc0}, errShortRTP},
		"padding, valid count":   {with(0xa0, 0, 2), errRTPPadding},
		"padding, count 0":       {with(0xa0, 0), errRTPPadding},
		"padding, count too big": {with(0xa0, 40), errRTPPadding},
		"CSRCs cut":              {with(0x82)[:19], errShortRTP},
		"extension header cut":   {with(0x90)[:15], errShortRTP},
		"extension cut":          {append(with(0x90)[:12], 0, 0, 0, 9), errShortRTP},
	} {
		_, err := parseRTP(c.pkt)
		require.ErrorIs(t, err, c.want, name)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
	layout, err := parseRTP(bytes.Clone(good))
	require.NoError(t, err)
	require.Equal(t, rtpLayout{metaEnd: rtpFixedHeaderSize, payloadOff: rtpFixedHeaderSize}, layout)
}
