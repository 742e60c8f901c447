package attack

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/callseal/callseal/e2ee"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

// stream is one RTP stream a party sends. The three kinds have the packet
// layouts real calls have: audio with a one-byte header extension (the
// audio level of RFC 6464, which relays read and rewrite), video with a
// bare fixed header, screen share with a CSRC list.
type stream struct {
	kind e2ee.MediaKind
	ssrc uint32
	pt   uint8
	csrc []uint32
	ext  []byte // payload of one-byte header extension ID 1, or nil
	size int    // payload bytes
	seq  uint16 // next sequence number
	ts   uint32
}

// streamsOf returns the streams of party 0 (alice) or 1 (bob). The SSRCs
// differ from each other in many bits, so that no single bit flip turns one
// stream's packet into another's; the sequence numbers of the three streams
// are far apart and stay below 2^15 (see srtpRx).
func streamsOf(party int) []*stream {
	base := uint32(party) * 0x01010101
	return []*stream{
		{kind: e2ee.Audio, ssrc: 0x1a2b3c4d ^ base, pt: 111, ext: []byte{0x85}, size: 40, seq: 20000},
		{kind: e2ee.Video, ssrc: 0x5e6f7081 ^ base, pt: 96, size: 96, seq: 1000},
		{kind: e2ee.ScreenShare, ssrc: 0x92a3b4c5 ^ base, pt: 97, csrc: []uint32{0x01020304}, size: 64, seq: 10000},
	}
}

// next returns the stream's next RTP packet, marshalled by pion/rtp
// (independent of the parsers under attack).
func (s *stream) next(t testing.TB) []byte {
	t.Helper()
	p := rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			Marker:         s.seq%4 == 0,
			PayloadType:    s.pt,
			SequenceNumber: s.seq,
			Timestamp:      s.ts,
			SSRC:           s.ssrc,
			CSRC:           s.csrc,
		},
		Payload: make([]byte, s.size),
	}
	for i := range p.Payload {
		p.Payload[i] = byte(int(s.seq)*31 + i*7)
	}
	if s.ext != nil {
		require.NoError(t, p.Header.SetExtension(1, s.ext))
	}
	s.seq++
	s.ts += 960
	b, err := p.Marshal()
	require.NoError(t, err)
	return b
}

// rtpLayout locates the parts of an RTP packet: pkt[:metaEnd] is the fixed
// header and CSRC list, pkt[metaEnd:payloadOff] the header extension.
type rtpLayout struct {
	metaEnd, payloadOff int
}

var errModelMalformed = errors.New("model: malformed")

// parseRTP is the harness's own reading of an RTP header (RFC 3550,
// Section 5.1), with the rules package e2ee documents: version 2, no
// padding, complete CSRC list and extension.
func parseRTP(pkt []byte) (rtpLayout, error) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 || pkt[0]&0x20 != 0 {
		return rtpLayout{}, errModelMalformed
	}
	meta := 12 + 4*int(pkt[0]&0x0f)
	off := meta
	if len(pkt) < off {
		return rtpLayout{}, errModelMalformed
	}
	if pkt[0]&0x10 != 0 {
		if len(pkt) < off+4 {
			return rtpLayout{}, errModelMalformed
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:]))
		if len(pkt) < off {
			return rtpLayout{}, errModelMalformed
		}
	}
	return rtpLayout{metaEnd: meta, payloadOff: off}, nil
}

// parseSFrameHeader is the harness's own reading of an SFrame header (RFC
// 9605, Section 4.3): config byte |X|K|Y|C|, then the KID and CTR, each in
// the config byte when below 8 and otherwise in K+1 / C+1 bytes, which must
// be the minimal encoding (a value below 8 in extended form, or with a
// leading zero byte, is rejected). It returns the KID, CTR and header size.
func parseSFrameHeader(b []byte) (kid, ctr uint64, n int, err error) {
	if len(b) < 1 {
		return 0, 0, 0, errModelMalformed
	}
	cfg := b[0]
	n = 1
	field := func(ext bool, v byte) (uint64, error) {
		if !ext {
			return uint64(v), nil
		}
		l := int(v) + 1
		if len(b) < n+l {
			return 0, errModelMalformed
		}
		var x uint64
		for _, c := range b[n : n+l] {
			x = x<<8 | uint64(c)
		}
		if x < 8 || (l > 1 && b[n] == 0) {
			return 0, errModelMalformed
		}
		n += l
		return x, nil
	}
	if kid, err = field(cfg&0x80 != 0, cfg>>4&7); err != nil {
		return 0, 0, 0, err
	}
	if ctr, err = field(cfg&0x08 != 0, cfg&7); err != nil {
		return 0, 0, 0, err
	}
	return kid, ctr, n, nil
}
