package srtp

import (
	"fmt"
	"testing"

	"github.com/pion/rtp"
	pionsrtp "github.com/pion/srtp/v3"
)

// Payload sizes in bytes: an Opus audio frame and a full video packet.
var benchSizes = []int{160, 1200}

const benchBatch = 4096 // packets protected ahead of an unprotect benchmark

func setSeq(pkt []byte, seq uint16) { pkt[2], pkt[3] = byte(seq>>8), byte(seq) }

// BenchmarkProtectRTP measures ProtectRTP into a reused buffer (the hot path,
// no allocation) and into a nil dst (one allocation for the output).
func BenchmarkProtectRTP(b *testing.B) {
	for _, p := range allProfiles {
		for _, n := range benchSizes {
			for _, mode := range []string{"reuse", "fresh"} {
				b.Run(fmt.Sprintf("%v/%d/%s", p, n, mode), func(b *testing.B) {
					alice, _ := testPair(b, p)
					pkt := rtpPacket(1, 0, n)
					var buf []byte
					if mode == "reuse" {
						buf = make([]byte, 0, len(pkt)+p.RTPOverhead())
					}
					b.ReportAllocs()
					b.SetBytes(int64(n))
					for i := 0; i < b.N; i++ {
						setSeq(pkt, uint16(i))
						if _, err := alice.ProtectRTP(buf, pkt); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkUnprotectRTP measures UnprotectRTP (replay check, verify,
// decrypt) into a reused buffer; packets are protected ahead, untimed.
func BenchmarkUnprotectRTP(b *testing.B) {
	for _, p := range allProfiles {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%v/%d", p, n), func(b *testing.B) {
				alice, bob := testPair(b, p)
				batch := newBatch(b, n, p.RTPOverhead(), func(dst, pkt []byte) ([]byte, error) {
					return alice.ProtectRTP(dst, pkt)
				})
				out := make([]byte, 0, 12+n+p.RTPOverhead()) // spare capacity len(pkt)
				b.ReportAllocs()
				b.SetBytes(int64(n))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := bob.UnprotectRTP(out, batch.next(b)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPion is the baseline: pion/srtp alone with the same settings
// (replay protection on receive, reused header and buffers).
func BenchmarkPion(b *testing.B) {
	for _, p := range allProfiles {
		for _, n := range benchSizes {
			a2b := testKeys(p, 1)
			pp := pionsrtp.ProtectionProfile(p)
			b.Run(fmt.Sprintf("Encrypt/%v/%d", p, n), func(b *testing.B) {
				enc, err := pionsrtp.CreateContext(a2b.MasterKey, a2b.MasterSalt, pp)
				if err != nil {
					b.Fatal(err)
				}
				var hdr rtp.Header
				pkt := rtpPacket(1, 0, n)
				buf := make([]byte, len(pkt)+p.RTPOverhead())
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					setSeq(pkt, uint16(i))
					if _, err := enc.EncryptRTP(buf, pkt, &hdr); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("Decrypt/%v/%d", p, n), func(b *testing.B) {
				enc, err := pionsrtp.CreateContext(a2b.MasterKey, a2b.MasterSalt, pp)
				if err != nil {
					b.Fatal(err)
				}
				dec, err := pionsrtp.CreateContext(a2b.MasterKey, a2b.MasterSalt, pp,
					pionsrtp.SRTPReplayProtection(rtpReplayWindow), pionsrtp.SRTCPReplayProtection(rtcpReplayWindow))
				if err != nil {
					b.Fatal(err)
				}
				var ehdr, dhdr rtp.Header
				batch := newBatch(b, n, p.RTPOverhead(), func(dst, pkt []byte) ([]byte, error) {
					return enc.EncryptRTP(dst[:cap(dst)], pkt, &ehdr)
				})
				out := make([]byte, 12+n+p.RTPOverhead())
				b.ReportAllocs()
				b.SetBytes(int64(n))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := dec.DecryptRTP(out, batch.next(b), &dhdr); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// batch hands out protected packets with increasing sequence numbers,
// refilling itself with the timer stopped.
type batch struct {
	protect func(dst, pkt []byte) ([]byte, error)
	plain   []byte
	bufs    [][]byte
	pos     int
	seq     uint16
}

func newBatch(b *testing.B, n, overhead int, protect func(dst, pkt []byte) ([]byte, error)) *batch {
	bt := &batch{protect: protect, plain: rtpPacket(1, 0, n), bufs: make([][]byte, benchBatch)}
	for i := range bt.bufs {
		bt.bufs[i] = make([]byte, 0, 12+n+overhead)
	}
	bt.fill(b)
	return bt
}

func (bt *batch) fill(b *testing.B) {
	for i := range bt.bufs {
		bt.seq++
		setSeq(bt.plain, bt.seq)
		out, err := bt.protect(bt.bufs[i][:0], bt.plain)
		if err != nil {
			b.Fatal(err)
		}
		bt.bufs[i] = out
	}
	bt.pos = 0
}

func (bt *batch) next(b *testing.B) []byte {
	if bt.pos == len(bt.bufs) {
		b.StopTimer()
		bt.fill(b)
		b.StartTimer()
	}
	bt.pos++
	return bt.bufs[bt.pos-1]
}
