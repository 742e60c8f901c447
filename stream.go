package callseal

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// rtcpKind marks the Session's RTCP pseudo-stream.
const rtcpKind MediaKind = NumKinds

// A Stream is one media kind's RTP stream of a Session, both ways: WriteRTP
// sends, ReadRTP receives. Get it from Session.Stream; it lives as long as
// its Session. Its methods are safe for concurrent use.
type Stream struct {
	s        *Session
	kind     MediaKind
	counters streamCounters

	mu  sync.Mutex // guards buf
	buf []byte     // reused for the sealed and protected packet

	ready     chan []byte // received packets, for ReadRTP
	free      chan []byte // buffers ReadRTP is done with
	allocated int         // buffers made so far; receive loop only
	authTold  atomic.Bool // a read returned ErrTransportAuth
}

func (st *Stream) init(s *Session, kind MediaKind, queue int) {
	st.s, st.kind = s, kind
	st.ready = make(chan []byte, queue)
	st.free = make(chan []byte, queue)
}

// Kind returns the stream's media kind.
func (st *Stream) Kind() MediaKind { return st.kind }

// WriteRTP seals the marshalled RTP packet pkt with the stream's E2EE key
// (unless E2EE is off), protects it with transport SRTP and writes it to the
// Transport: len(pkt) + at most Session.Overhead() bytes. pkt is neither
// modified nor retained. Padded RTP packets (P bit) are refused while E2EE is
// on (e2ee.ErrMalformed).
//
// It returns ErrClosed after Close, an error wrapping the layer's error
// (e2ee.ErrMalformed, srtp.ErrMalformed, ...) for a packet it cannot
// protect, and the Transport's error wrapped.
func (st *Stream) WriteRTP(pkt []byte) error { return st.write(pkt) }

// ReadRTP waits for the next packet received on the stream, with both
// layers removed, and appends it to dst: a marshalled RTP packet whose
// header is as the peer sent it. Nothing is allocated when dst has the
// capacity; pass buf[:0] to reuse buf. It waits as long as it takes; to
// give up after a while, or when the call ends, use ReadRTPContext.
//
// It returns ErrClosed after Close, and the Transport's error, wrapped,
// once the Transport failed and the queued packets are read.
//
// It returns an error wrapping ErrTransportAuth, once for the stream, when
// TransportAuthFailureLimit received packets have failed transport SRTP
// authentication and none has passed it since New: the peer (or the relay)
// uses another SRTP profile or other keys, and no packet will ever be
// delivered. Show it; the next read waits again, and delivers if good
// packets start arriving after all. Once a packet has authenticated,
// failures no longer count, so forged packets cannot raise it in a working
// call; before, anyone who can send to the Transport can, so an app that
// ends the call on it should give the peer's packets a moment first.
func (st *Stream) ReadRTP(dst []byte) ([]byte, error) {
	return st.read(context.Background(), dst)
}

// ReadRTPContext is ReadRTP that gives up when ctx is done: it then returns
// an error wrapping ctx.Err() (context.DeadlineExceeded for a context made
// by context.WithTimeout or WithDeadline, context.Canceled after its cancel
// function), and the stream is unaffected: the next read delivers the next
// packet. A ctx already done fails at once, even when a packet is queued.
// For a time limit on one read, pass a context.WithTimeout(parent, d); for
// reads that end when the app hangs up, the call's context. Nothing is
// allocated for a ctx that is not done.
//
// It is safe to call concurrently with Close, which makes it return
// ErrClosed whatever ctx says.
func (st *Stream) ReadRTPContext(ctx context.Context, dst []byte) ([]byte, error) {
	return st.read(ctx, dst)
}

// WriteRTCP protects the compound RTCP packet pkt with transport SRTP
// (SRTCP, RFC 3711, Section 3.4) and writes it to the Transport:
// len(pkt) + Profile().RTCPOverhead() bytes. Errors are as for WriteRTP.
func (s *Session) WriteRTCP(pkt []byte) error { return s.rtcp.write(pkt) }

// ReadRTCP waits for the next RTCP packet received and appends it to dst,
// like ReadRTP, with the same errors (ErrTransportAuth once for RTCP).
func (s *Session) ReadRTCP(dst []byte) ([]byte, error) {
	return s.rtcp.read(context.Background(), dst)
}

// ReadRTCPContext is ReadRTCP that gives up when ctx is done, like
// ReadRTPContext.
func (s *Session) ReadRTCPContext(ctx context.Context, dst []byte) ([]byte, error) {
	return s.rtcp.read(ctx, dst)
}

func (st *Stream) write(pkt []byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	l := st.s.layers.Load()
	if l == nil {
		return ErrClosed
	}
	var out []byte
	var err error
	sealedLen := len(pkt)
	switch {
	case st.kind == rtcpKind:
		if out, err = l.outer.ProtectRTCP(st.buf[:0], pkt); err != nil {
			return fmt.Errorf("callseal: rtcp: %w", err)
		}
	case l.inner == nil:
		if out, err = l.outer.ProtectRTP(st.buf[:0], pkt); err != nil {
			return fmt.Errorf("callseal: %v: %w", st.kind, err)
		}
	default:
		sealed, err := l.inner.Seal(st.buf[:0], pkt, st.kind)
		if err != nil {
			return fmt.Errorf("callseal: %v: %w", st.kind, err)
		}
		sealedLen = len(sealed)
		// In place: sealed is st.buf, or a larger buffer Seal made.
		if out, err = l.outer.ProtectRTP(sealed[:0], sealed); err != nil {
			return fmt.Errorf("callseal: %v: %w", st.kind, err)
		}
	}
	st.buf = out // keep what grew
	tb := st.s.transport.Load()
	_, err = tb.t.Write(out)
	if err != nil && !st.s.closed.Load() {
		if now := st.s.transport.Load(); now != tb {
			// SetTransport replaced tb while we wrote: the packet never
			// left, so send it (same SRTP index) on the new transport.
			_, err = now.t.Write(out)
		}
	}
	if err != nil {
		if st.s.closed.Load() {
			return ErrClosed
		}
		return fmt.Errorf("callseal: %v: write: %w", st.nameForErr(), err)
	}
	st.counters.sent(len(pkt), sealedLen, len(out))
	return nil
}

func (st *Stream) nameForErr() string {
	if st.kind == rtcpKind {
		return "rtcp"
	}
	return st.kind.String()
}

func (st *Stream) read(ctx context.Context, dst []byte) ([]byte, error) {
	s := st.s
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, st.readCanceled(err)
	}
	lp := s.loop.Load()
	alarm := s.authWatch.alarm()
	if st.authTold.Load() {
		alarm = nil
	}
	for {
		select {
		case b := <-st.ready:
			return st.take(dst, b), nil
		case <-lp.done:
			if s.closed.Load() {
				return nil, ErrClosed
			}
			select {
			case b := <-st.ready:
				return st.take(dst, b), nil
			default:
				return nil, lp.err
			}
		case <-alarm:
			alarm = nil // wait on: a packet authenticated since, or another read told
			if err := s.authWatch.err(s.profile); err != nil && st.authTold.CompareAndSwap(false, true) {
				return nil, err
			}
		case <-ctx.Done():
			if s.closed.Load() {
				return nil, ErrClosed
			}
			return nil, st.readCanceled(ctx.Err())
		}
	}
}

// readCanceled wraps the error of a read's done context.
func (st *Stream) readCanceled(err error) error {
	return fmt.Errorf("callseal: %v: read: %w", st.nameForErr(), err)
}

// take appends the received packet b to dst and recycles b.
func (st *Stream) take(dst, b []byte) []byte {
	dst = append(dst, b...)
	if st.s.closed.Load() {
		clear(b) // Close may have wiped the queue already
	}
	st.free <- b[:0]
	return dst
}

// deliver queues a received packet for ReadRTP; sealed and wire are its
// sizes before E2EE open and on the transport. Called by the receive loop
// only.
func (st *Stream) deliver(pkt []byte, sealed, wire int) {
	var b []byte
	select {
	case b = <-st.free:
	default:
		if st.allocated == cap(st.ready) {
			st.counters.overflows.Add(1)
			return
		}
		st.allocated++
		b = make([]byte, 0, max(bufferSize, len(pkt)))
	}
	st.counters.received(len(pkt), sealed, wire)
	st.ready <- append(b[:0], pkt...) // never blocks: at most cap(ready) buffers exist
}

// wipe clears the stream's buffers, which hold plaintext media, and drops
// them. Close calls it after the receive loop has ended.
func (st *Stream) wipe() {
	st.mu.Lock()
	clear(st.buf[:cap(st.buf)])
	st.buf = nil
	st.mu.Unlock()
	for {
		select {
		case b := <-st.ready:
			clear(b[:cap(b)])
		case b := <-st.free:
			clear(b[:cap(b)])
		default:
			return
		}
	}
}
