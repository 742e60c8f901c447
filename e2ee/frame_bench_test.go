package e2ee

import (
	"fmt"
	"testing"
)

// frameBenchCases are the frame sizes of the frame mode benchmarks: a 20 ms
// Opus frame, and VP8 frames of about 10 kB (a delta frame of a 720p call)
// and 60 kB (a key frame).
var frameBenchCases = []struct {
	codec FrameCodec
	kind  MediaKind
	frame []byte
}{
	{CodecOpus, Audio, payloadOf(160)},
	{CodecVP8, Video, vp8Frame(10000, false)},
	{CodecVP8, Video, vp8Frame(60000, true)},
}

func BenchmarkSealFrame(b *testing.B) {
	for _, tc := range frameBenchCases {
		alice, _ := newPair(b)
		out := make([]byte, 0, len(tc.frame)+alice.FrameOverhead())
		b.Run(fmt.Sprintf("%v/%dB", tc.codec, len(tc.frame)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.frame)))
			for b.Loop() {
				if _, err := alice.SealFrame(out[:0], tc.frame, tc.kind, tc.codec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpenFrame(b *testing.B) {
	const batch = benchBatch // distinct frames; the replay window is reset after each pass
	for _, tc := range frameBenchCases {
		alice, bob := newPair(b)
		frames := make([][]byte, batch)
		for i := range frames {
			var err error
			if frames[i], err = alice.SealFrame(nil, tc.frame, tc.kind, tc.codec); err != nil {
				b.Fatal(err)
			}
		}
		out := make([]byte, 0, len(tc.frame))
		b.Run(fmt.Sprintf("%v/%dB", tc.codec, len(tc.frame)), func(b *testing.B) {
			bob.resetReplay() // b.Run may call this function more than once
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.frame)))
			i := 0
			for b.Loop() {
				if i == batch {
					bob.resetReplay()
					i = 0
				}
				if _, _, err := bob.OpenFrame(out[:0], frames[i], tc.codec); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
