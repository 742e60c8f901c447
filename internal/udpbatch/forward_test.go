package udpbatch

import (
	"errors"
	"net"
	"testing"
)

func TestForwarder(t *testing.T) {
	for _, ip := range loopbacks(t) {
		for _, sourceAddr := range []bool{false, true} {
			name := ip
			if sourceAddr {
				name += "/source"
			}
			t.Run(name, func(t *testing.T) {
				in, out := listen(t, ip), listen(t, ip)
				sender := dial(t, in)
				f, err := NewForwarder(in, out, Config{Batch: 4, Size: 1500, SourceAddr: sourceAddr})
				if err != nil {
					t.Fatal(err)
				}
				listeners, to := listenMany(t, ip, 5)
				sizes := []int{160, 1200, 2000, 1400, 100, 1500}
				var want [][]byte
				for seq, n := range sizes {
					d := datagram(seq, n)
					if _, err := sender.Write(d); err != nil {
						t.Fatal(err)
					}
					if n <= 1500 {
						want = append(want, d)
					}
				}
				// Datagram 100 B goes to the first two listeners only.
				route := func(pkt []byte, from *net.UDPAddr) []*net.UDPAddr {
					if sourceAddr != (from != nil) || (from != nil && from.String() != sender.LocalAddr().String()) {
						t.Errorf("route told source %v", from)
					}
					if len(pkt) == 100 {
						return to[:2]
					}
					return to
				}
				for read := 0; read < len(want); {
					n, err := f.Forward(route)
					if err != nil {
						t.Fatal(err)
					}
					read += n
				}
				if f.Truncated() != 1 {
					t.Errorf("Truncated() = %d, want 1", f.Truncated())
				}
				for i, c := range listeners {
					var wantHere [][]byte
					for _, d := range want {
						if len(d) != 100 || i < 2 {
							wantHere = append(wantHere, d)
						}
					}
					expectDatagrams(t, c, wantHere)
				}
				f.busy.Store(true)
				if _, err := f.Forward(route); !errors.Is(err, ErrBusy) {
					t.Errorf("Forward while busy = %v, want ErrBusy", err)
				}
			})
		}
	}
}
