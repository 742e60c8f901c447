package udpbatch

import (
	"fmt"
	"net"
	"testing"
)

// One op is one datagram over loopback, sent and received; the batched and
// the one-call-per-datagram variant of the side measured differ, the other
// side is batched in both. Compare with
//
//	go test -run XXX -bench . ./internal/udpbatch

const benchBurst = 32 // datagrams sent before they are read

var benchSizes = []int{160, 1200}

// BenchmarkRead: ReadBatch against one Read per datagram.
func BenchmarkRead(b *testing.B) { benchSide(b, true) }

// BenchmarkWrite: Add and Flush against one Write per datagram.
func BenchmarkWrite(b *testing.B) { benchSide(b, false) }

// benchSide measures the read side (read) or the write side of a burst.
func benchSide(b *testing.B, read bool) {
	for _, n := range benchSizes {
		for _, batched := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/%dB", variant(batched), n), func(b *testing.B) {
				rc := listen(b, "127.0.0.1")
				sc := dial(b, rc)
				w, err := NewWriter(sc, Config{Batch: benchBurst})
				if err != nil {
					b.Fatal(err)
				}
				r, err := NewReader(rc, Config{Batch: benchBurst})
				if err != nil {
					b.Fatal(err)
				}
				batchedRead, batchedWrite := batched || !read, batched || read
				pkt := datagram(0, n)
				bufs, sizes := buffers(benchBurst, DefaultSize), make([]int, benchBurst)
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for i := 0; b.Loop(); i++ {
					if i%benchBurst != 0 {
						continue
					}
					for range benchBurst {
						if !batchedWrite {
							if _, err := sc.Write(pkt); err != nil {
								b.Fatal(err)
							}
						} else if err := w.Add(pkt, nil); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Flush(); err != nil {
						b.Fatal(err)
					}
					for got := 0; got < benchBurst; {
						if !batchedRead {
							if _, err := rc.Read(bufs[0]); err != nil {
								b.Fatal(err)
							}
							got++
							continue
						}
						k, err := r.ReadBatch(bufs, sizes)
						if err != nil {
							b.Fatal(err)
						}
						got += k
					}
				}
			})
		}
	}
}

// BenchmarkFanout: one op is one datagram of 1200 B delivered to one of 16
// listeners (sent by Fanout or by one WriteToUDP per listener, read back
// batched).
func BenchmarkFanout(b *testing.B) {
	const listeners, n = 16, 1200
	for _, batched := range []bool{true, false} {
		b.Run(variant(batched), func(b *testing.B) {
			sc := listen(b, "127.0.0.1")
			w, err := NewWriter(sc, Config{})
			if err != nil {
				b.Fatal(err)
			}
			var to []*net.UDPAddr
			var rs []*Reader
			for range listeners {
				c := listen(b, "127.0.0.1")
				r, err := NewReader(c, Config{})
				if err != nil {
					b.Fatal(err)
				}
				to, rs = append(to, addrOf(c)), append(rs, r)
			}
			pkt := datagram(0, n)
			bufs, sizes := buffers(4, DefaultSize), make([]int, 4)
			b.ReportAllocs()
			b.SetBytes(n)
			for i := 0; b.Loop(); i++ {
				if i%listeners != 0 {
					continue
				}
				if batched {
					if err := w.Fanout(pkt, to); err != nil {
						b.Fatal(err)
					}
				} else {
					for _, a := range to {
						if _, err := sc.WriteToUDP(pkt, a); err != nil {
							b.Fatal(err)
						}
					}
				}
				for _, r := range rs {
					if _, err := r.ReadBatch(bufs, sizes); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func variant(batched bool) string {
	if batched {
		return "batched"
	}
	return "single"
}
