package udpbatch

import (
	"bytes"
	"errors"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestReaderTable(t *testing.T) {
	cases := []struct {
		name      string
		batch     int   // Config.Batch
		bufs      int   // buffers passed to ReadBatch
		bufSize   int   // bytes each
		send      []int // datagram sizes sent
		wantCalls []int // datagrams returned per ReadBatch, on Linux
		wantTrunc uint64
	}{
		{name: "one", batch: 8, bufs: 8, bufSize: 1500, send: []int{160}, wantCalls: []int{1}},
		{name: "fewer than a batch", batch: 8, bufs: 8, bufSize: 1500, send: []int{160, 1200, 1400}, wantCalls: []int{3}},
		{name: "exactly a batch", batch: 4, bufs: 4, bufSize: 1500, send: []int{1, 2, 3, 4}, wantCalls: []int{4}},
		{name: "two batches and a bit", batch: 4, bufs: 4, bufSize: 1500, send: []int{10, 20, 30, 40, 50, 60, 70, 80, 90}, wantCalls: []int{4, 4, 1}},
		{name: "fewer buffers than the batch", batch: 8, bufs: 3, bufSize: 1500, send: []int{10, 20, 30, 40}, wantCalls: []int{3, 1}},
		{name: "more buffers than the batch", batch: 2, bufs: 5, bufSize: 1500, send: []int{10, 20, 30}, wantCalls: []int{2, 1}},
		{name: "batch of one", batch: 1, bufs: 4, bufSize: 1500, send: []int{10, 20}, wantCalls: []int{1, 1}},
		{name: "buffer exactly fits", batch: 4, bufs: 4, bufSize: 100, send: []int{100, 99}, wantCalls: []int{2}},
		{name: "truncated dropped in order", batch: 8, bufs: 8, bufSize: 100, send: []int{50, 150, 100, 101, 60}, wantCalls: []int{3}, wantTrunc: 2},
		{name: "truncated first", batch: 8, bufs: 8, bufSize: 100, send: []int{101, 20, 30}, wantCalls: []int{2}, wantTrunc: 1},
		{name: "whole batch truncated reads again", batch: 2, bufs: 2, bufSize: 100, send: []int{200, 300, 40}, wantCalls: []int{1}, wantTrunc: 2},
		{name: "large datagram", batch: 4, bufs: 4, bufSize: MaxSize, send: []int{60000, 10}, wantCalls: []int{2}},
	}
	for _, ip := range loopbacks(t) {
		for _, sourceAddr := range []bool{false, true} {
			for _, tc := range cases {
				name := ip + "/" + tc.name
				if sourceAddr {
					name += "/source"
				}
				t.Run(name, func(t *testing.T) {
					rc := listen(t, ip)
					sc := dial(t, rc)
					r, err := NewReader(rc, Config{Batch: tc.batch, SourceAddr: sourceAddr})
					if err != nil {
						t.Fatal(err)
					}
					var want [][]byte
					for seq, n := range tc.send {
						d := datagram(seq, n)
						if _, err := sc.Write(d); err != nil {
							t.Fatal(err)
						}
						if n <= tc.bufSize {
							want = append(want, d)
						}
					}
					bufs := buffers(tc.bufs, tc.bufSize)
					sizes := make([]int, tc.bufs)
					var got [][]byte
					var calls []int
					for len(got) < len(want) {
						n, err := r.ReadBatch(bufs, sizes)
						if err != nil {
							t.Fatal(err)
						}
						if n < 1 || n > min(tc.batch, tc.bufs) {
							t.Fatalf("ReadBatch returned %d datagrams, want 1 to %d", n, min(tc.batch, tc.bufs))
						}
						calls = append(calls, n)
						for i := range n {
							got = append(got, bytes.Clone(bufs[i][:sizes[i]]))
							if sourceAddr && r.Source(i).String() != sc.LocalAddr().String() {
								t.Errorf("Source(%d) = %v, want %v", i, r.Source(i), sc.LocalAddr())
							}
							if !sourceAddr && r.Source(i) != nil {
								t.Errorf("Source(%d) = %v without Config.SourceAddr", i, r.Source(i))
							}
						}
					}
					if len(got) != len(want) {
						t.Fatalf("got %d datagrams, want %d", len(got), len(want))
					}
					for i := range want {
						if !bytes.Equal(got[i], want[i]) {
							t.Errorf("datagram %d: got %d bytes %x…, want %d bytes %x…", i, len(got[i]), got[i][:min(8, len(got[i]))], len(want[i]), want[i][:min(8, len(want[i]))])
						}
					}
					if runtime.GOOS == "linux" && !slices.Equal(calls, tc.wantCalls) {
						t.Errorf("datagrams per ReadBatch = %v, want %v", calls, tc.wantCalls)
					}
					if r.Truncated() != tc.wantTrunc {
						t.Errorf("Truncated() = %d, want %d", r.Truncated(), tc.wantTrunc)
					}
					// Each buffer is still one of those passed in.
					seen := map[*byte]bool{}
					for _, b := range bufs {
						if len(b) != tc.bufSize || seen[&b[0]] {
							t.Fatalf("bufs changed: a buffer of %d bytes, or one twice", len(b))
						}
						seen[&b[0]] = true
					}
				})
			}
		}
	}
}

func TestReaderInvalid(t *testing.T) {
	rc := listen(t, "127.0.0.1")
	for _, cfg := range []Config{{Batch: -1}, {Batch: MaxBatch + 1}, {Size: -1}, {Size: MaxSize + 1}} {
		if _, err := NewReader(rc, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewReader(%+v) = %v, want ErrInvalid", cfg, err)
		}
		if _, err := NewWriter(rc, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewWriter(%+v) = %v, want ErrInvalid", cfg, err)
		}
		if _, err := NewForwarder(rc, rc, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewForwarder(%+v) = %v, want ErrInvalid", cfg, err)
		}
	}
	if _, err := NewReader(nil, Config{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewReader(nil) = %v, want ErrInvalid", err)
	}
	if _, err := NewWriter(nil, Config{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewWriter(nil) = %v, want ErrInvalid", err)
	}
	if _, err := NewForwarder(rc, nil, Config{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewForwarder(rc, nil) = %v, want ErrInvalid", err)
	}
	r, err := NewReader(rc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() (int, error){
		"no buffers":   func() (int, error) { return r.ReadBatch(nil, nil) },
		"short sizes":  func() (int, error) { return r.ReadBatch(buffers(2, 10), make([]int, 1)) },
		"empty buffer": func() (int, error) { return r.ReadBatch([][]byte{make([]byte, 10), {}}, make([]int, 2)) },
	} {
		if n, err := call(); n != 0 || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: ReadBatch = %d, %v; want 0, ErrInvalid", name, n, err)
		}
	}
}

// TestReaderBusyAndClose: a second ReadBatch while one waits gets ErrBusy;
// closing the socket ends the waiting one with net.ErrClosed, and the
// Reader is usable by the next caller.
func TestReaderBusyAndClose(t *testing.T) {
	rc := listen(t, "127.0.0.1")
	r, err := NewReader(rc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.ReadBatch(buffers(4, 100), make([]int, 4))
		done <- err
	}()
	for !r.busy.Load() {
		time.Sleep(time.Millisecond)
	}
	if n, err := r.ReadBatch(buffers(1, 100), make([]int, 1)); n != 0 || !errors.Is(err, ErrBusy) {
		t.Errorf("concurrent ReadBatch = %d, %v; want 0, ErrBusy", n, err)
	}
	rc.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("ReadBatch after Close = %v, want net.ErrClosed", err)
	}
	if _, err := r.ReadBatch(buffers(1, 100), make([]int, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("next ReadBatch = %v, want net.ErrClosed", err)
	}
}

// TestReaderDeadline: a read deadline on the socket ends a waiting
// ReadBatch with a timeout, as it ends Read.
func TestReaderDeadline(t *testing.T) {
	rc := listen(t, "127.0.0.1")
	r, err := NewReader(rc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err = r.ReadBatch(buffers(2, 100), make([]int, 2))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("ReadBatch past the deadline = %v, want a timeout", err)
	}
}
