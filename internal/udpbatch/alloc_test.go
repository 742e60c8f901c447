//go:build !race

package udpbatch

import (
	"net"
	"testing"
)

// The steady state allocates nothing per datagram: reading a batch
// (without source addresses), adding and flushing, fanning out, and
// forwarding.
func TestAllocs(t *testing.T) {
	for _, ip := range loopbacks(t) {
		t.Run(ip, func(t *testing.T) {
			rc := listen(t, ip)
			sc := dial(t, rc)
			r, err := NewReader(rc, Config{Batch: 8})
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewWriter(sc, Config{Batch: 8})
			if err != nil {
				t.Fatal(err)
			}
			bufs, sizes := buffers(8, DefaultSize), make([]int, 8)
			pkt := datagram(1, 1200)
			drain := func(want int) {
				for got := 0; got < want; {
					n, err := r.ReadBatch(bufs, sizes)
					if err != nil {
						t.Fatal(err)
					}
					got += n
				}
			}
			check := func(name string, f func()) {
				t.Helper()
				f() // warm up
				if a := testing.AllocsPerRun(50, f); a != 0 {
					t.Errorf("%s: %.1f allocations per run, want 0", name, a)
				}
			}
			check("Write+ReadBatch", func() {
				for range 12 {
					if _, err := sc.Write(pkt); err != nil {
						t.Fatal(err)
					}
				}
				drain(12)
			})
			check("Add+Flush", func() {
				for range 12 {
					if err := w.Add(pkt, nil); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				drain(12)
			})
			us := listen(t, ip)
			uw, err := NewWriter(us, Config{Batch: 8})
			if err != nil {
				t.Fatal(err)
			}
			to := []*net.UDPAddr{addrOf(rc), addrOf(rc), addrOf(rc)}
			check("Fanout", func() {
				if err := uw.Fanout(pkt, to); err != nil {
					t.Fatal(err)
				}
				drain(len(to))
			})
			in := listen(t, ip)
			src := dial(t, in)
			f, err := NewForwarder(in, us, Config{Batch: 8})
			if err != nil {
				t.Fatal(err)
			}
			route := func([]byte, *net.UDPAddr) []*net.UDPAddr { return to }
			check("Forward", func() {
				for range 4 {
					if _, err := src.Write(pkt); err != nil {
						t.Fatal(err)
					}
				}
				for fwd := 0; fwd < 4; {
					n, err := f.Forward(route)
					if err != nil {
						t.Fatal(err)
					}
					fwd += n
				}
				drain(4 * len(to))
			})
		})
	}
}
