package udpbatch

import (
	"fmt"
	"net"
	"sync/atomic"
)

// A Reader reads datagrams from a *net.UDPConn in batches: up to
// Config.Batch per system call, into buffers the caller owns, so that the
// caller decides their size and when to clear them.
//
// A Reader is for one goroutine at a time (ErrBusy otherwise); Truncated
// may be called from any goroutine. It holds no reference to the caller's
// buffers between calls.
type Reader struct {
	*batch
	source    []*net.UDPAddr // of the last batch, with Config.SourceAddr
	withAddr  bool
	truncated atomic.Uint64
}

// NewReader returns a Reader of conn. It returns an error wrapping
// ErrInvalid for a nil conn or a Config out of range. Closing conn is the
// caller's business, and ends a pending ReadBatch.
func NewReader(conn *net.UDPConn, cfg Config) (*Reader, error) {
	b, cfg, err := newBatch(conn, cfg, cfg.SourceAddr)
	if err != nil {
		return nil, err
	}
	r := &Reader{batch: b, withAddr: cfg.SourceAddr}
	if cfg.SourceAddr {
		r.source = make([]*net.UDPAddr, cfg.Batch)
	}
	return r, nil
}

// ReadBatch waits for at least one datagram and reads as many as are
// queued on the socket, up to len(bufs) and Config.Batch, in one system
// call (one datagram per call where the platform has no batch call). It
// returns n ≥ 1: datagram i, for i < n, is bufs[i][:sizes[i]], in the order
// received. sizes must be at least as long as bufs.
//
// A datagram longer than its buffer is dropped and counted (Truncated):
// the kernel discarded its end. To keep the others in order, ReadBatch may
// swap elements of bufs (each buffer stays in bufs). When every datagram
// of a batch was truncated it reads again.
//
// It returns 0 and an error wrapping ErrInvalid for empty bufs, short
// sizes or an empty buffer, ErrBusy when called concurrently, and 0 and
// the socket's error (a *net.OpError; net.ErrClosed after Close) when the
// read fails.
func (r *Reader) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	if len(bufs) == 0 || len(sizes) < len(bufs) {
		return 0, fmt.Errorf("%w: ReadBatch with %d buffers and %d sizes", ErrInvalid, len(bufs), len(sizes))
	}
	if !r.busy.CompareAndSwap(false, true) {
		return 0, ErrBusy
	}
	defer r.busy.Store(false)
	want := min(len(bufs), len(r.msgs))
	for i, b := range bufs[:want] {
		if len(b) == 0 {
			return 0, fmt.Errorf("%w: ReadBatch buffer %d is empty", ErrInvalid, i)
		}
	}
	for {
		n, err := r.read(bufs[:want], sizes)
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// read is one system call of ReadBatch; it returns 0 and no error when
// every datagram received was truncated.
func (r *Reader) read(bufs [][]byte, sizes []int) (int, error) {
	ms := r.msgs[:len(bufs)]
	for i := range ms {
		r.bufs1[i] = bufs[i]
		ms[i].N, ms[i].Flags, ms[i].Addr = 0, 0, nil
	}
	got, err := r.conn.ReadBatch(ms, 0)
	clear(r.bufs1[:len(ms)]) // keep no reference to the caller's buffers
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range ms[:max(got, 0)] {
		m := &ms[i]
		if m.Flags&msgTrunc != 0 {
			r.truncated.Add(1)
			continue
		}
		if n != i {
			bufs[n], bufs[i] = bufs[i], bufs[n]
		}
		sizes[n] = m.N
		if r.withAddr {
			r.source[n], _ = m.Addr.(*net.UDPAddr)
		}
		n++
	}
	return n, nil
}

// Source returns the source address of datagram i of the last ReadBatch,
// or nil without Config.SourceAddr or for i out of range. The address is
// the caller's to keep.
func (r *Reader) Source(i int) *net.UDPAddr {
	if i < 0 || i >= len(r.source) {
		return nil
	}
	return r.source[i]
}

// Truncated returns how many datagrams ReadBatch has dropped because they
// were longer than their buffer. It is safe to call concurrently with
// ReadBatch.
func (r *Reader) Truncated() uint64 { return r.truncated.Load() }
