package udpbatch

import (
	"errors"
	"fmt"
	"net"
)

// A Writer sends datagrams over a *net.UDPConn in batches: Add queues a
// copy of a datagram and its destination, and a full batch (Config.Batch
// datagrams) goes out in one system call, as does Flush for what is
// queued; Fanout sends one datagram to many destinations without copying
// it.
//
// A Writer is for one goroutine at a time (ErrBusy otherwise). Nothing is
// sent until the batch is full or Flush is called: a sender that must not
// hold a datagram back calls Flush when it has nothing more to send for
// now.
type Writer struct {
	*batch
	slots [][]byte // Add's copies, Size bytes each
	n     int      // queued messages
}

// NewWriter returns a Writer on conn. It returns an error wrapping
// ErrInvalid for a nil conn or a Config out of range (Config.SourceAddr
// is not used). Closing conn is the caller's business.
func NewWriter(conn *net.UDPConn, cfg Config) (*Writer, error) {
	b, cfg, err := newBatch(conn, cfg, true) // sends to addresses
	if err != nil {
		return nil, err
	}
	return &Writer{batch: b, slots: carve(cfg.Batch, cfg.Size)}, nil
}

// Add queues a copy of pkt for to (nil on a connected socket: its peer),
// and sends the batch when it is full. pkt is not retained. It returns an
// error wrapping ErrInvalid for an empty pkt or one longer than
// Config.Size, ErrBusy when called concurrently, and Flush's errors when
// the batch was sent.
func (w *Writer) Add(pkt []byte, to *net.UDPAddr) error {
	if !w.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer w.busy.Store(false)
	if len(pkt) == 0 || len(pkt) > cap(w.slots[0]) {
		return fmt.Errorf("%w: datagram of %d bytes, want 1 to %d", ErrInvalid, len(pkt), cap(w.slots[0]))
	}
	return w.queue(append(w.slots[w.n][:0], pkt...), to)
}

// Fanout sends pkt to every address in to, Config.Batch datagrams per
// system call, after what Add queued before. pkt is not copied and not
// retained: Fanout returns when every datagram is sent. Errors are as for
// Flush; an empty pkt is refused with ErrInvalid.
func (w *Writer) Fanout(pkt []byte, to []*net.UDPAddr) error {
	if !w.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer w.busy.Store(false)
	if len(pkt) == 0 {
		return fmt.Errorf("%w: empty datagram", ErrInvalid)
	}
	var errs error
	for _, a := range to {
		errs = errors.Join(errs, w.queue(pkt, a))
	}
	return errors.Join(errs, w.flush())
}

// Flush sends every queued datagram, in as few system calls as the batch
// size allows, looping when the kernel sends fewer than asked. A datagram
// the kernel refuses (such as one to an unreachable address) is skipped,
// and the others are sent all the same: Flush then returns the socket's
// errors (*net.OpError), joined, of the datagrams not sent. After the
// socket is closed it returns its error at once (net.ErrClosed) and drops
// the queue. It returns ErrBusy when called concurrently.
func (w *Writer) Flush() error {
	if !w.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer w.busy.Store(false)
	return w.flush()
}

// Pending returns how many datagrams are queued, not yet sent.
func (w *Writer) Pending() int { return w.n }

// queue adds pkt for to, referenced, and flushes when the batch is full.
func (w *Writer) queue(pkt []byte, to *net.UDPAddr) error {
	m := &w.msgs[w.n]
	w.bufs1[w.n] = pkt
	m.Addr = nil // a nil *net.UDPAddr in m.Addr would not be nil
	if to != nil {
		m.Addr = to
	}
	if w.n++; w.n < len(w.msgs) {
		return nil
	}
	return w.flush()
}

// flush sends the queued messages.
func (w *Writer) flush() error {
	var errs error
	ms := w.msgs[:w.n]
	for len(ms) > 0 {
		sent, err := w.conn.WriteBatch(ms, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				errs = errors.Join(errs, err)
				break
			}
			// The first message failed and nothing was sent: skip it.
			errs = errors.Join(errs, err)
			sent = 1
		}
		ms = ms[max(sent, 1):]
	}
	clear(w.bufs1[:w.n]) // keep no reference to Fanout's datagram
	for i := range w.msgs[:w.n] {
		w.msgs[i].Addr = nil
	}
	w.n = 0
	return errs
}
