package rtpheader

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

// shape is the header of a test packet: CSRCs, extension words (-1 for no
// extension), payload bytes and padding bytes.
type shape struct {
	csrcs, extWords, payload, padding int
	profile                           uint16
}

var shapes = []shape{
	{extWords: -1, payload: 20},
	{extWords: -1},
	{csrcs: 1, extWords: -1, payload: 20},
	{csrcs: MaxCSRCs, extWords: -1, payload: 3},
	{extWords: 0, payload: 20, profile: 0x1234},
	{extWords: 2, payload: 20, profile: 0xbede},
	{extWords: 1, payload: 1, profile: 0x1000},
	{csrcs: 2, extWords: 3, payload: 20, profile: 0xbede},
	{extWords: -1, payload: 20, padding: 1},
	{extWords: -1, payload: 0, padding: 4},
	{csrcs: 3, extWords: 2, payload: 7, padding: 255, profile: 0xbede},
}

// build marshals a packet of shape sh by hand (RFC 3550, Section 5.1), so
// that the tests do not rely on the parser or on pion to write it. An
// RFC 8285 extension (profile 0xBEDE or 0x1000) holds one element with a
// 1-byte value, then padding.
func build(sh shape) []byte {
	b0 := byte(Version<<6 | sh.csrcs)
	if sh.extWords >= 0 {
		b0 |= ExtensionBit
	}
	if sh.padding > 0 {
		b0 |= PaddingBit
	}
	pkt := []byte{b0, 0x80 | 111, 0x12, 0x34, 1, 2, 3, 4, 0xca, 0xfe, 0xba, 0xbe}
	for i := range sh.csrcs {
		pkt = binary.BigEndian.AppendUint32(pkt, uint32(0x100+i))
	}
	if sh.extWords >= 0 {
		pkt = binary.BigEndian.AppendUint16(pkt, sh.profile)
		pkt = binary.BigEndian.AppendUint16(pkt, uint16(sh.extWords))
		ext := make([]byte, 4*sh.extWords)
		switch {
		case sh.extWords == 0:
		case sh.profile == rtp.ExtensionProfileOneByte:
			copy(ext, []byte{0x10, 0xff}) // ID 1, 1 byte (RFC 8285, Section 4.2)
		case sh.profile == rtp.ExtensionProfileTwoByte:
			copy(ext, []byte{1, 1, 0xff}) // ID 1, 1 byte (RFC 8285, Section 4.3)
		}
		pkt = append(pkt, ext...)
	}
	for i := range sh.payload {
		pkt = append(pkt, byte(0x40+i))
	}
	if sh.padding > 0 {
		pkt = append(pkt, make([]byte, sh.padding-1)...)
		pkt = append(pkt, byte(sh.padding))
	}
	return pkt
}

func (sh shape) layout() Layout {
	meta := FixedHeaderSize + CSRCSize*sh.csrcs
	off := meta
	if sh.extWords >= 0 {
		off += ExtHeaderSize + 4*sh.extWords
	}
	return Layout{MetaEnd: meta, PayloadOff: off, PayloadEnd: off + sh.payload}
}

func TestParse(t *testing.T) {
	for _, sh := range shapes {
		t.Run(fmt.Sprintf("%+v", sh), func(t *testing.T) {
			pkt := build(sh)
			l, err := Parse(pkt)
			require.NoError(t, err)
			require.Equal(t, sh.layout(), l)
			require.Equal(t, sh.csrcs, l.CSRCs())
			require.Equal(t, uint32(0xcafebabe), SSRC(pkt))
			require.Equal(t, uint8(111), PayloadType(pkt))
			matchPion(t, pkt, l)
		})
	}
}

// TestParseTruncated: every cut inside the header fails with ErrShort;
// a cut inside the payload leaves a packet with a shorter payload, or with
// a bad padding count if the packet was padded.
func TestParseTruncated(t *testing.T) {
	for _, sh := range shapes {
		pkt := build(sh)
		off := sh.layout().PayloadOff
		for n := range off {
			_, err := Parse(pkt[:n])
			require.ErrorIs(t, err, ErrShort, "%+v cut to %d bytes", sh, n)
		}
		for n := off; n < len(pkt); n++ {
			l, err := Parse(pkt[:n])
			switch {
			case sh.padding == 0:
				require.NoError(t, err)
				require.Equal(t, Layout{MetaEnd: sh.layout().MetaEnd, PayloadOff: off, PayloadEnd: n}, l)
			case err == nil:
				require.Less(t, l.PayloadEnd, n, "%+v cut to %d bytes", sh, n)
			default:
				require.ErrorIs(t, err, ErrPadding, "%+v cut to %d bytes", sh, n)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	valid := build(shape{extWords: -1, payload: 20})
	for _, c := range []struct {
		name string
		pkt  []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"11 bytes", valid[:11], ErrShort},
		{"version 0", append([]byte{0x00}, valid[1:]...), ErrVersion},
		{"version 1", append([]byte{0x40}, valid[1:]...), ErrVersion},
		{"version 3", append([]byte{0xc0}, valid[1:]...), ErrVersion},
		{"version 1 short", []byte{0x40, 0, 0}, ErrShort},
		{"CSRCs missing", append([]byte{0x81}, valid[1:12]...), ErrShort},
		{"extension header missing", append([]byte{0x90}, valid[1:15]...), ErrShort},
		{"extension longer than the packet", append([]byte{0x90}, append(append([]byte{}, valid[1:12]...), 0, 0, 0xff, 0xff)...), ErrShort},
		{"padding count 0", append(append([]byte{0xa0}, valid[1:]...), 0), ErrPadding},
		{"padding into the header", append(append([]byte{0xa0}, valid[1:]...), 22), ErrPadding},
		{"padding only, count 1, no room", append([]byte{0xa0}, valid[1:12]...), ErrPadding},
	} {
		_, err := Parse(c.pkt)
		require.ErrorIs(t, err, c.want, c.name)
		require.Zero(t, CommonPayloadOffset(c.pkt), c.name)
	}
	_, err := Parse(append(append([]byte{0xa0}, valid[1:]...), 21)) // padding takes the whole payload
	require.NoError(t, err)
}

func TestCommonPayloadOffset(t *testing.T) {
	for _, sh := range shapes {
		pkt := build(sh)
		want := 0
		if sh.csrcs == 0 && sh.padding == 0 && len(pkt) >= FixedHeaderSize+ExtHeaderSize {
			want = sh.layout().PayloadOff
		}
		require.Equal(t, want, CommonPayloadOffset(pkt), "%+v", sh)
	}
}

// matchPion checks Parse's reading of a packet pion accepts against pion's.
func matchPion(t *testing.T, pkt []byte, l Layout) {
	t.Helper()
	var h rtp.Header
	n, err := h.Unmarshal(pkt)
	require.NoError(t, err)
	var p rtp.Packet
	require.NoError(t, p.Unmarshal(pkt))
	require.Equal(t, n, l.PayloadOff, "payload offset")
	require.Equal(t, l.PayloadEnd-l.PayloadOff, len(p.Payload), "payload size")
	require.Equal(t, len(h.CSRC), l.CSRCs(), "CSRC count")
	require.Equal(t, h.SSRC, SSRC(pkt), "SSRC")
	require.Equal(t, h.PayloadType, PayloadType(pkt), "payload type")
	require.Equal(t, len(pkt)-int(p.PaddingSize), l.PayloadEnd, "padding")
}

// pionProfile reports whether pion parses the contents of the extension
// with this profile (RFC 8285 one- and two-byte headers), and so rejects
// headers whose extension elements overrun the extension.
func pionProfile(profile uint16) bool {
	return profile == rtp.ExtensionProfileOneByte || profile == rtp.ExtensionProfileTwoByte
}

// FuzzParse checks Parse on arbitrary bytes: it never panics; a layout it
// returns is ordered and within the packet; CommonPayloadOffset agrees with
// it; and it agrees with pion/rtp's Packet.Unmarshal, which checks the same
// RFC 3550 rules except the version, and also parses RFC 8285 extension
// elements.
func FuzzParse(f *testing.F) {
	for _, sh := range shapes {
		f.Add(build(sh))
	}
	f.Add([]byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}) // extension longer than the packet
	f.Add([]byte{0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})       // padding count 0
	f.Add([]byte{0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})                   // 15 CSRCs missing
	f.Fuzz(func(t *testing.T, pkt []byte) {
		l, err := Parse(pkt)
		if err == nil {
			require.True(t, FixedHeaderSize <= l.MetaEnd && l.MetaEnd <= l.PayloadOff && l.PayloadOff <= l.PayloadEnd && l.PayloadEnd <= len(pkt), "%+v", l)
			require.Equal(t, l.PayloadEnd != len(pkt), pkt[0]&PaddingBit != 0, "PayloadEnd < len(pkt) exactly with P")
		} else if !errors.Is(err, ErrShort) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrPadding) {
			t.Fatalf("untyped error %v", err)
		}
		if off := CommonPayloadOffset(pkt); off > 0 {
			require.NoError(t, err)
			require.Equal(t, Layout{MetaEnd: FixedHeaderSize, PayloadOff: off, PayloadEnd: len(pkt)}, l)
		} else if err == nil && l.MetaEnd == FixedHeaderSize && l.PayloadEnd == len(pkt) && len(pkt) >= FixedHeaderSize+ExtHeaderSize {
			t.Fatalf("CommonPayloadOffset missed a header without CSRCs or padding: %x", pkt[:FixedHeaderSize])
		}

		var p rtp.Packet
		perr := p.Unmarshal(pkt)
		switch {
		case len(pkt) > 0 && pkt[0]>>6 != Version:
			require.Error(t, err)
		case perr == nil:
			require.NoError(t, err)
			matchPion(t, pkt, l)
		case err == nil:
			// pion rejected what Parse accepts: only for RFC 8285
			// extension elements, whose contents Parse does not read.
			require.True(t, pkt[0]&ExtensionBit != 0 && pionProfile(binary.BigEndian.Uint16(pkt[l.MetaEnd:])), "pion: %v", perr)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	benchShapes(b, func(b *testing.B, pkt []byte) {
		for b.Loop() {
			if _, err := Parse(pkt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPionHeaderUnmarshal is the alternative the package replaces:
// pion/rtp's Header.Unmarshal, which allocates for CSRCs and extensions.
func BenchmarkPionHeaderUnmarshal(b *testing.B) {
	benchShapes(b, func(b *testing.B, pkt []byte) {
		for b.Loop() {
			var h rtp.Header
			if _, err := h.Unmarshal(pkt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchShapes runs loop as a sub-benchmark for a plain header, one with an
// extension, and one with CSRCs and an extension.
func benchShapes(b *testing.B, loop func(b *testing.B, pkt []byte)) {
	for _, sh := range []shape{shapes[0], shapes[5], shapes[7]} {
		pkt := build(sh)
		b.Run(fmt.Sprintf("csrcs=%d,ext=%d", sh.csrcs, sh.extWords), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(pkt)))
			loop(b, pkt)
		})
	}
}
