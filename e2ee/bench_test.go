package e2ee

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"testing"
)

var benchSizes = []int{160, 1200} // payload bytes: audio, video

// resetReplay forgets every accepted counter, so that a benchmark can open
// the same batch of packets again. It does not allocate.
func (s *Session) resetReplay() {
	for _, rk := range s.recv.Load().byKID {
		rk.mu.Lock()
		clear(rk.replay.bitmap)
		rk.replay.seen, rk.replay.top = false, 0
		rk.mu.Unlock()
	}
}

func BenchmarkSeal(b *testing.B) {
	for _, n := range benchSizes {
		alice, _ := newPair(b)
		pkt := makeRTP(b, payloadOf(n), pktOpts{})
		b.Run(fmt.Sprintf("%dB/fresh", n), func(b *testing.B) {
			out := make([]byte, 0, len(pkt)+alice.Overhead())
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := alice.Seal(out[:0], pkt, Video); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dB/inplace", n), func(b *testing.B) {
			buf := make([]byte, len(pkt), len(pkt)+alice.Overhead())
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				copy(buf, pkt) // restore the plaintext packet
				if _, err := alice.Seal(buf[:0], buf[:len(pkt)], Video); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	const batch = 1024 // = the replay window: reset it after each pass
	for _, n := range benchSizes {
		alice, bob := newPair(b)
		pkts := make([][]byte, batch)
		for i := range pkts {
			var err error
			if pkts[i], err = alice.Seal(nil, makeRTP(b, payloadOf(n), pktOpts{seq: uint16(i)}), Video); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("%dB", n), func(b *testing.B) {
			out := make([]byte, 0, len(pkts[batch-1]))
			bob.resetReplay() // b.Run may call this function more than once
			b.ReportAllocs()
			b.SetBytes(int64(n))
			i := 0
			for b.Loop() {
				if i == batch {
					bob.resetReplay()
					i = 0
				}
				if _, _, err := bob.Open(out[:0], pkts[i]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkRawAESGCM is the floor: AES-128-GCM Seal and Open of the same
// payload through crypto/cipher, without SFrame or RTP handling.
func BenchmarkRawAESGCM(b *testing.B) {
	block, err := aes.NewCipher(make([]byte, 16))
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	aad := make([]byte, 12+1)
	for _, n := range benchSizes {
		pt := payloadOf(n)
		out := make([]byte, 0, n+aead.Overhead())
		b.Run(fmt.Sprintf("Seal/%dB", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				aead.Seal(out[:0], nonce, pt, aad)
			}
		})
		ct := aead.Seal(nil, nonce, pt, aad)
		b.Run(fmt.Sprintf("Open/%dB", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := aead.Open(out[:0], nonce, ct, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
