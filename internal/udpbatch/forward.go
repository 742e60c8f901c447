package udpbatch

import (
	"errors"
	"net"
	"sync/atomic"
)

// A Forwarder is the packet pump of a selective forwarding unit: each
// Forward reads a batch of datagrams from one socket and sends each of them
// to the destinations a routing function names, through a Writer, so that
// one system call sends Config.Batch datagrams, whichever packets and
// destinations they belong to. Datagrams are forwarded unchanged; an SFU
// that rewrites them per destination (such as one that terminates
// transport SRTP per hop) uses a Reader and a Writer's Add instead.
//
// A Forwarder is for one goroutine at a time (ErrBusy otherwise).
type Forwarder struct {
	r     *Reader
	w     *Writer
	bufs  [][]byte
	sizes []int
	busy  atomic.Bool
}

// NewForwarder returns a Forwarder that reads from in and writes to out,
// which may be the same socket. Received datagrams longer than Config.Size
// are dropped (Truncated). With Config.SourceAddr, the routing function is
// told each datagram's source; without it, from is nil and nothing is
// allocated per datagram. It returns an error wrapping ErrInvalid for a
// nil socket or a Config out of range.
func NewForwarder(in, out *net.UDPConn, cfg Config) (*Forwarder, error) {
	r, err := NewReader(in, cfg)
	if err != nil {
		return nil, err
	}
	w, err := NewWriter(out, cfg)
	if err != nil {
		return nil, err
	}
	cfg, _ = cfg.withDefaults() // checked by NewReader
	return &Forwarder{r: r, w: w, bufs: carve(cfg.Batch, cfg.Size), sizes: make([]int, cfg.Batch)}, nil
}

// Forward waits for at least one datagram, reads a batch, and sends each
// datagram pkt to every address route(pkt, from) returns (none drops it).
// route runs in Forward's goroutine, must not retain pkt or modify it,
// and may return a slice it reuses. Forward returns the number of
// datagrams read.
//
// It returns the read's error (Reader.ReadBatch) with nothing forwarded,
// or the send's (Writer.Flush: every datagram that could be sent was)
// with the number read; ErrBusy when called concurrently.
func (f *Forwarder) Forward(route func(pkt []byte, from *net.UDPAddr) []*net.UDPAddr) (int, error) {
	if !f.busy.CompareAndSwap(false, true) {
		return 0, ErrBusy
	}
	defer f.busy.Store(false)
	n, err := f.r.ReadBatch(f.bufs, f.sizes)
	if err != nil {
		return 0, err
	}
	var errs error
	for i := range n {
		pkt := f.bufs[i][:f.sizes[i]]
		for _, to := range route(pkt, f.r.Source(i)) {
			errs = errors.Join(errs, f.w.queue(pkt, to))
		}
	}
	return n, errors.Join(errs, f.w.flush())
}

// Truncated returns how many received datagrams were dropped for being
// longer than Config.Size. It is safe to call concurrently with Forward.
func (f *Forwarder) Truncated() uint64 { return f.r.Truncated() }
