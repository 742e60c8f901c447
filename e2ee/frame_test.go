package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

// vp8Frame returns an n-byte VP8-like frame: a key frame (P bit 0) or a
// delta frame (P bit 1), the rest filled with a pattern.
func vp8Frame(n int, key bool) []byte {
	b := payloadOf(n)
	b[0] &^= 1
	if !key {
		b[0] |= 1
	}
	return b
}

// frameCases are the codecs and frames every frame test runs over.
var frameCases = []struct {
	name  string
	codec FrameCodec
	kind  MediaKind
	frame []byte
	clear int // bytes kept in clear
}{
	{"opus", CodecOpus, Audio, payloadOf(160), 0},
	{"none", CodecNone, ScreenShare, payloadOf(1), 0},
	{"vp8-key", CodecVP8, Video, vp8Frame(10000, true), VP8KeyFrameHeaderSize},
	{"vp8-delta", CodecVP8, Video, vp8Frame(3000, false), VP8DeltaFrameHeaderSize},
	{"vp8-key-header-only", CodecVP8, Video, vp8Frame(10, true), VP8KeyFrameHeaderSize},
	{"vp8-delta-header-only", CodecVP8, Video, vp8Frame(3, false), VP8DeltaFrameHeaderSize},
}

// TestFrameRoundTrip seals and opens each frame for every suite, into a
// separate buffer and in place, and checks the wire format: the clear
// codec header first, then an SFrame header naming the kind.
func TestFrameRoundTrip(t *testing.T) {
	for _, suite := range allSuites {
		alice, bob := newPair(t, Config{CipherSuite: suite})
		for _, tc := range frameCases {
			name := fmt.Sprintf("%v/%s", suite, tc.name)
			sealed, err := alice.SealFrame(nil, tc.frame, tc.kind, tc.codec)
			require.NoError(t, err, name)
			require.LessOrEqual(t, len(sealed)-len(tc.frame), alice.FrameOverhead(), name)
			require.Equal(t, tc.frame[:tc.clear], sealed[:tc.clear], "%s: clear codec header", name)
			if len(tc.frame) > tc.clear {
				require.NotEqual(t, tc.frame[tc.clear:], sealed[tc.clear:len(tc.frame)], name)
			}
			h, _, err := sframe.ParseHeader(sealed[tc.clear:])
			require.NoError(t, err, name)
			require.Equal(t, uint64(tc.kind), h.KID&kindMask, name)

			got, kind, err := bob.OpenFrame(nil, sealed, tc.codec)
			require.NoError(t, err, name)
			require.Equal(t, tc.kind, kind, name)
			require.Equal(t, tc.frame, got, name)

			// In place, both ways.
			buf := make([]byte, len(tc.frame), len(tc.frame)+alice.FrameOverhead())
			copy(buf, tc.frame)
			sealed, err = alice.SealFrame(buf[:0], buf, tc.kind, tc.codec)
			require.NoError(t, err, name)
			require.Same(t, &buf[0], &sealed[0], name)
			got, _, err = bob.OpenFrame(sealed[:0], sealed, tc.codec)
			require.NoError(t, err, name)
			require.Equal(t, tc.frame, got, "%s: in place", name)
		}
	}
}

// TestFrameTamper flips every bit position's low bit of a sealed frame,
// including the clear codec header, and checks each copy is refused with a
// typed error and does not spoil the state: the genuine frame opens after.
func TestFrameTamper(t *testing.T) {
	alice, bob := newPair(t)
	for _, tc := range frameCases {
		frame := tc.frame
		if len(frame) > 64 {
			frame = frame[:64]
		}
		sealed, err := alice.SealFrame(nil, frame, tc.kind, tc.codec)
		require.NoError(t, err)
		for i := range sealed {
			bad := bytes.Clone(sealed)
			bad[i] ^= 1
			_, _, err := bob.OpenFrame(nil, bad, tc.codec)
			require.Error(t, err, "%s: byte %d", tc.name, i)
			require.True(t, isTyped(err), "%s: byte %d: %v", tc.name, i, err)
		}
		got, _, err := bob.OpenFrame(nil, sealed, tc.codec)
		require.NoError(t, err, tc.name)
		require.Equal(t, frame, got)
		_, _, err = bob.OpenFrame(nil, sealed, tc.codec)
		require.ErrorIs(t, err, ErrReplay, tc.name)
	}
}

func isTyped(err error) bool {
	for _, s := range []error{ErrAuth, ErrMalformed, ErrUnknownKey, ErrReplay} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// TestFrameErrors checks the typed errors of frame mode, and that none of
// them consumes a counter value.
func TestFrameErrors(t *testing.T) {
	alice, bob := newPair(t)
	for _, codec := range []FrameCodec{CodecNone, CodecOpus, CodecVP8} {
		_, err := alice.SealFrame(nil, nil, Audio, codec)
		require.ErrorIs(t, err, ErrMalformed, "empty frame, %v", codec)
		_, _, err = bob.OpenFrame(nil, []byte{}, codec)
		require.ErrorIs(t, err, ErrMalformed, "empty sealed frame, %v", codec)
	}
	_, err := alice.SealFrame(nil, vp8Frame(9, true), Video, CodecVP8)
	require.ErrorIs(t, err, ErrMalformed)
	_, err = alice.SealFrame(nil, vp8Frame(2, false), Video, CodecVP8)
	require.ErrorIs(t, err, ErrMalformed)
	_, err = alice.SealFrame(nil, []byte{1}, Audio, FrameCodec(9))
	require.ErrorIs(t, err, ErrUnsupportedCodec)
	_, _, err = bob.OpenFrame(nil, []byte{1}, FrameCodec(9))
	require.ErrorIs(t, err, ErrUnsupportedCodec)
	_, err = alice.SealFrame(nil, []byte{1}, MediaKind(3), CodecOpus)
	require.ErrorIs(t, err, ErrUnknownKey)
	_, _, err = bob.OpenFrame(nil, []byte{0x00}, CodecOpus) // header only: shorter than the tag
	require.ErrorIs(t, err, ErrMalformed)

	// A frame sealed as VP8 does not open as Opus (the metadata differs),
	// and a frame sealed per packet does not open as a frame.
	sealed, err := alice.SealFrame(nil, vp8Frame(100, true), Video, CodecVP8)
	require.NoError(t, err)
	_, _, err = bob.OpenFrame(nil, sealed[VP8KeyFrameHeaderSize:], CodecOpus)
	require.ErrorIs(t, err, ErrAuth)
	pkt, err := alice.Seal(nil, makeRTP(t, payloadOf(100), pktOpts{}), Video)
	require.NoError(t, err)
	_, _, err = bob.OpenFrame(nil, pkt[rtpFixedHeaderSize:], CodecNone)
	require.ErrorIs(t, err, ErrAuth)

	// No counter was consumed by the refused audio frames: the first
	// audio frame sealed has CTR 0.
	sealed, err = alice.SealFrame(nil, payloadOf(10), Audio, CodecOpus)
	require.NoError(t, err)
	h, _, err := sframe.ParseHeader(sealed)
	require.NoError(t, err)
	require.Equal(t, uint64(0), h.CTR, "audio's first counter value")

	// Per-SSRC sessions have no frame mode.
	streams := []RTPStream{{SSRC: 1, Kind: Audio}}
	s, err := NewSessionFromSecrets(secretA, secretB, Config{SendStreams: streams, RecvStreams: streams})
	require.NoError(t, err)
	_, err = s.SealFrame(nil, []byte{1}, Audio, CodecOpus)
	require.ErrorIs(t, err, ErrUnknownKey)
	_, _, err = s.OpenFrame(nil, sealed, CodecOpus)
	require.ErrorIs(t, err, ErrUnknownKey)

	require.NoError(t, alice.Close())
	_, err = alice.SealFrame(nil, []byte{1}, Audio, CodecOpus)
	require.ErrorIs(t, err, ErrClosed)
}

// TestFrameAndPacketShareCounter seals alternately per packet and per frame
// under one kind: the CTR goes on across modes, and the receiver opens both
// with one replay window.
func TestFrameAndPacketShareCounter(t *testing.T) {
	alice, bob := newPair(t)
	for i := range 20 {
		var ctrWant = uint64(i)
		if i%2 == 0 {
			pkt, err := alice.Seal(nil, makeRTP(t, payloadOf(50), pktOpts{seq: uint16(i)}), Audio)
			require.NoError(t, err)
			h, _, err := sframe.ParseHeader(pkt[rtpFixedHeaderSize:])
			require.NoError(t, err)
			require.Equal(t, ctrWant, h.CTR)
			_, _, err = bob.Open(nil, pkt)
			require.NoError(t, err)
		} else {
			f, err := alice.SealFrame(nil, payloadOf(50), Audio, CodecOpus)
			require.NoError(t, err)
			h, _, err := sframe.ParseHeader(f)
			require.NoError(t, err)
			require.Equal(t, ctrWant, h.CTR)
			_, _, err = bob.OpenFrame(nil, f, CodecOpus)
			require.NoError(t, err)
		}
	}
}

// TestFrameRekey seals frames across Rekey: the receiver follows the epochs.
func TestFrameRekey(t *testing.T) {
	alice, bob := newPair(t)
	for i := range 10 {
		f, err := alice.SealFrame(nil, vp8Frame(500, i == 0), Video, CodecVP8)
		require.NoError(t, err)
		got, kind, err := bob.OpenFrame(nil, f, CodecVP8)
		require.NoError(t, err, "epoch %d", i)
		require.Equal(t, Video, kind)
		require.Equal(t, vp8Frame(500, i == 0), got)
		require.NoError(t, alice.Rekey())
	}
}

// FuzzOpenFrame feeds arbitrary bytes to OpenFrame under each codec: it
// must never panic nor modify its input, must fail with a typed error or
// open (only what the peer sealed), must agree with opening in place, and
// must not spoil the state: a genuine frame opens afterwards.
func FuzzOpenFrame(f *testing.F) {
	alice, _ := newPair(f)
	for _, tc := range frameCases {
		frame := tc.frame
		if len(frame) > 40 {
			frame = frame[:40]
		}
		sealed, err := alice.SealFrame(nil, frame, tc.kind, tc.codec)
		require.NoError(f, err)
		f.Add(sealed, uint8(tc.codec))
	}
	f.Add([]byte{}, uint8(CodecVP8))
	f.Add([]byte{0x01, 0x02, 0x03, 0x00}, uint8(CodecVP8))
	f.Fuzz(func(t *testing.T, in []byte, c uint8) {
		codec := FrameCodec(c % (numCodecs + 1)) // one unsupported value too
		alice, bob := newPair(t)
		alice.send[Video].cur.Load().next.Store(1000) // past every seed's CTR
		genuine, err := alice.SealFrame(nil, vp8Frame(50, true), Video, CodecVP8)
		require.NoError(t, err)
		orig := bytes.Clone(in)
		out, _, err := bob.OpenFrame(nil, in, codec)
		require.Equal(t, orig, in, "OpenFrame modified its input")
		if err != nil {
			require.True(t, isTyped(err) || errors.Is(err, ErrUnsupportedCodec), "untyped error %v", err)
		}
		_, inPlace := newPair(t)
		buf := bytes.Clone(in)
		ipOut, _, ipErr := inPlace.OpenFrame(buf[:0], buf, codec)
		require.Equal(t, err == nil, ipErr == nil, "in place vs not: %v, %v", err, ipErr)
		if err == nil {
			require.Equal(t, out, ipOut)
		}
		_, _, err = bob.OpenFrame(nil, genuine, CodecVP8)
		require.NoError(t, err)
	})
}
