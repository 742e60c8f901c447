package udpbatch

import (
	"bytes"
	"errors"
	"net"
	"testing"
)

// partialConn sends at most limit messages per WriteBatch, as a kernel
// whose send buffer fills part-way through a batch does, and counts the
// calls.
type partialConn struct {
	batchConn
	limit, calls int
}

func (p *partialConn) WriteBatch(ms []message, flags int) (int, error) {
	p.calls++
	return p.batchConn.WriteBatch(ms[:min(len(ms), p.limit)], flags)
}

func TestWriterTable(t *testing.T) {
	cases := []struct {
		name      string
		batch     int
		limit     int // messages the kernel takes per call; 0: all
		sizes     []int
		wantCalls int // WriteBatch calls on Linux
	}{
		{name: "one", batch: 8, sizes: []int{160}, wantCalls: 1},
		{name: "below a batch", batch: 8, sizes: []int{160, 1200, 1400}, wantCalls: 1},
		{name: "full batch flushes by itself", batch: 3, sizes: []int{1, 2, 3}, wantCalls: 1},
		{name: "several batches", batch: 3, sizes: []int{1, 2, 3, 4, 5, 6, 7}, wantCalls: 3},
		{name: "batch of one", batch: 1, sizes: []int{1, 2, 3}, wantCalls: 3},
		{name: "partial writes loop", batch: 8, limit: 3, sizes: []int{1, 2, 3, 4, 5, 6, 7, 8}, wantCalls: 3},
		{name: "one at a time", batch: 4, limit: 1, sizes: []int{1, 2, 3, 4, 5}, wantCalls: 5},
		{name: "largest datagram", batch: 2, sizes: []int{DefaultSize, 1}, wantCalls: 1},
	}
	for _, ip := range loopbacks(t) {
		for _, connected := range []bool{false, true} {
			for _, tc := range cases {
				name := ip + "/" + tc.name
				if connected {
					name += "/connected"
				}
				t.Run(name, func(t *testing.T) {
					rc := listen(t, ip)
					sc, to := listen(t, ip), addrOf(rc)
					if connected {
						sc, to = dial(t, rc), nil
					}
					w, err := NewWriter(sc, Config{Batch: tc.batch})
					if err != nil {
						t.Fatal(err)
					}
					pc := &partialConn{batchConn: w.conn, limit: tc.limit}
					if tc.limit == 0 {
						pc.limit = MaxBatch
					}
					w.conn = pc
					var want [][]byte
					for seq, n := range tc.sizes {
						d := datagram(seq, n)
						want = append(want, bytes.Clone(d))
						if err := w.Add(d, to); err != nil {
							t.Fatal(err)
						}
						d[0] ^= 0xff // Add copied it
					}
					if err := w.Flush(); err != nil {
						t.Fatal(err)
					}
					if w.Pending() != 0 {
						t.Errorf("Pending() = %d after Flush", w.Pending())
					}
					expectDatagrams(t, rc, want)
					if nativeBatch && pc.calls != tc.wantCalls {
						t.Errorf("WriteBatch calls = %d, want %d", pc.calls, tc.wantCalls)
					}
				})
			}
		}
	}
}

// TestWriterSkipsRefused: a datagram the kernel refuses in the middle of a
// batch (port 0: EINVAL) ends that sendmmsg early; the Writer skips it and
// sends the rest, and Flush reports the refusal.
func TestWriterSkipsRefused(t *testing.T) {
	for _, ip := range loopbacks(t) {
		t.Run(ip, func(t *testing.T) {
			rc, sc := listen(t, ip), listen(t, ip)
			w, err := NewWriter(sc, Config{Batch: 8})
			if err != nil {
				t.Fatal(err)
			}
			bad := &net.UDPAddr{IP: net.ParseIP(ip), Port: 0}
			var want [][]byte
			var errs error
			for seq := range 6 {
				to := addrOf(rc)
				d := datagram(seq, 100+seq)
				if seq == 2 || seq == 3 {
					to = bad
				} else {
					want = append(want, d)
				}
				errs = errors.Join(errs, w.Add(d, to))
			}
			errs = errors.Join(errs, w.Flush())
			var op *net.OpError
			if !errors.As(errs, &op) {
				t.Errorf("errors = %v, want the socket's *net.OpError", errs)
			}
			expectDatagrams(t, rc, want)
		})
	}
}

func TestWriterFanout(t *testing.T) {
	for _, ip := range loopbacks(t) {
		t.Run(ip, func(t *testing.T) {
			sc := listen(t, ip)
			w, err := NewWriter(sc, Config{Batch: 4})
			if err != nil {
				t.Fatal(err)
			}
			listeners, to := listenMany(t, ip, 11)
			first := datagram(0, 30)
			if err := w.Add(first, to[0]); err != nil { // queued before: sent first
				t.Fatal(err)
			}
			pkt := datagram(1, 1200)
			if err := w.Fanout(pkt, to); err != nil {
				t.Fatal(err)
			}
			if w.Pending() != 0 {
				t.Errorf("Pending() = %d after Fanout", w.Pending())
			}
			for i, c := range listeners {
				want := [][]byte{pkt}
				if i == 0 {
					want = [][]byte{first, pkt}
				}
				expectDatagrams(t, c, want)
			}
		})
	}
}

func TestWriterInvalidAndClosed(t *testing.T) {
	sc, rc := listen(t, "127.0.0.1"), listen(t, "127.0.0.1")
	w, err := NewWriter(sc, Config{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, pkt := range [][]byte{nil, make([]byte, 101)} {
		if err := w.Add(pkt, addrOf(rc)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Add(%d bytes) = %v, want ErrInvalid", len(pkt), err)
		}
	}
	if err := w.Fanout(nil, []*net.UDPAddr{addrOf(rc)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Fanout(empty) = %v, want ErrInvalid", err)
	}
	w.busy.Store(true)
	for name, err := range map[string]error{
		"Add": w.Add([]byte{1}, addrOf(rc)), "Flush": w.Flush(), "Fanout": w.Fanout([]byte{1}, nil),
	} {
		if !errors.Is(err, ErrBusy) {
			t.Errorf("%s while busy = %v, want ErrBusy", name, err)
		}
	}
	w.busy.Store(false)
	if err := w.Add([]byte{1}, addrOf(rc)); err != nil {
		t.Fatal(err)
	}
	sc.Close()
	if err := w.Flush(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Flush after Close = %v, want net.ErrClosed", err)
	}
	if w.Pending() != 0 {
		t.Errorf("Pending() = %d after a failed Flush", w.Pending())
	}
}
