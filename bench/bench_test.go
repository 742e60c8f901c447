package main

import (
	"testing"

	"github.com/callseal/callseal/bench/internal/perf"
)

// The Go benchmarks run the same bodies as go run ./bench (package
// bench/internal/perf). Sub-benchmarks are named [Variant/]Verb/<size>B, so
//
//	go test -run XXX -bench 'Full|RawGCMx2' ./bench
//
// compares the two-layer path with its floor.

func benchGroup(b *testing.B, group string) {
	for _, p := range perf.Paths() {
		if p.Group != group {
			continue
		}
		for _, n := range perf.Sizes {
			b.Run(p.Sub(n), p.Bench(n))
		}
	}
}

// BenchmarkRawGCM: one AES-128-GCM pass over the payload (crypto/cipher).
func BenchmarkRawGCM(b *testing.B) { benchGroup(b, "RawGCM") }

// BenchmarkRawGCMx2: two AES-128-GCM passes, the floor of two AEAD layers.
func BenchmarkRawGCMx2(b *testing.B) { benchGroup(b, "RawGCMx2") }

// BenchmarkPion: pion/srtp alone, per profile.
func BenchmarkPion(b *testing.B) { benchGroup(b, "Pion") }

// BenchmarkE2EE: e2ee Seal and Open, per SFrame cipher suite.
func BenchmarkE2EE(b *testing.B) { benchGroup(b, "E2EE") }

// BenchmarkSRTP: srtp ProtectRTP and UnprotectRTP, per profile.
func BenchmarkSRTP(b *testing.B) { benchGroup(b, "SRTP") }

// BenchmarkFull: the two-layer send (e2ee Seal, srtp ProtectRTP) and
// receive (srtp UnprotectRTP, e2ee Open) paths, default suite and profile.
func BenchmarkFull(b *testing.B) { benchGroup(b, "Full") }

// BenchmarkHandshake: one complete handshake, both parties, per suite that
// keyexchange.New accepts.
func BenchmarkHandshake(b *testing.B) {
	for _, s := range perf.HandshakeSuites {
		if err := perf.HandshakeSupported(s); err != nil {
			b.Logf("%v: skipped: %v", s, err)
			continue
		}
		b.Run(s.String(), perf.Handshake(s))
	}
}

// BenchmarkScaling: a full send and receive per operation, on one goroutine
// (OneCore) and on one goroutine per GOMAXPROCS (AllCores). Use -cpu 1,2,...
// to vary GOMAXPROCS.
func BenchmarkScaling(b *testing.B) {
	b.Run("OneCore", perf.RoundTrip(perf.ScalingSize))
	b.Run("AllCores", perf.RoundTripParallel(perf.ScalingSize))
}
