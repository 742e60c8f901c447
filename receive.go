package callseal

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/callseal/callseal/srtp"
)

// maxLearnedSSRCs bounds the SSRC→stream map the receive loop learns from
// authenticated packets to attribute failed ones: a 1:1 call has a few.
const maxLearnedSSRCs = 64

// receive is the receive loop: it reads the current transport until it
// fails or the Session closes, and hands each packet to handle. When
// SetTransport replaced the transport it was reading, it continues on the
// new one. A transport with ReadBatch (batchReaderOf) returns several
// packets per call.
func (s *Session) receive(l *layers, lp *recvLoop) {
	defer close(lp.done)
	var bufs [][]byte // bufs[0] for Read; recvBatch of them for ReadBatch
	defer func() {
		for _, b := range bufs {
			clear(b) // held plaintext
		}
	}()
	bufs = append(bufs, make([]byte, MaxPacketSize))
	sizes := make([]int, recvBatch)
	learned := make(map[uint32]MediaKind)
	var br batchReader
	var brOf Transport // the transport br reads
	for {
		tb := s.transport.Load()
		if tb.t != brOf {
			br, brOf = batchReaderOf(tb.t), tb.t
			for br != nil && len(bufs) < recvBatch {
				bufs = append(bufs, make([]byte, MaxPacketSize))
			}
		}
		var n int
		var err error
		if br != nil {
			n, err = br.ReadBatch(bufs, sizes)
		} else {
			sizes[0], err = tb.t.Read(bufs[0])
			n = 1
		}
		if err != nil {
			if s.closed.Load() {
				lp.err = ErrClosed
				return
			}
			if errors.Is(err, syscall.ECONNREFUSED) {
				// An ICMP port unreachable for an earlier write on a
				// connected UDP socket: the peer is not listening yet.
				continue
			}
			s.loopMu.Lock()
			if s.transport.Load() != tb {
				s.loopMu.Unlock()
				continue // SetTransport replaced tb: read the new one
			}
			lp.err = fmt.Errorf("callseal: transport: %w", err)
			lp.ended = true
			s.loopMu.Unlock()
			return
		}
		for i := range n {
			s.handle(l, bufs[i][:sizes[i]], learned)
		}
	}
}

// handle takes one received datagram through both layers, in place in pkt,
// and queues it on its stream, or counts why it was dropped.
func (s *Session) handle(l *layers, pkt []byte, learned map[uint32]MediaKind) {
	wire := len(pkt)
	if !isRTPOrRTCP(pkt) {
		s.unattributed.bad.Add(1)
		return
	}
	if isRTCP(pkt) {
		out, err := l.outer.UnprotectRTCP(pkt[:0], pkt)
		s.authWatch.saw(err)
		if err != nil {
			s.rtcp.counters.drop(err)
			return
		}
		s.rtcp.deliver(out, len(out), wire)
		return
	}

	// The SSRC and payload type are in the clear; which stream they belong
	// to is known, before authentication, only from the classifier or from
	// earlier authenticated packets, and is used only for counting.
	ssrc, pt := rtpSSRC(pkt)
	var kind MediaKind
	var known bool
	if l.inner == nil {
		kind, known = s.classify(ssrc, pt)
		known = known && validKind(kind)
	} else {
		kind, known = learned[ssrc]
	}
	counters := &s.unattributed
	if known {
		counters = &s.streams[kind].counters
	}

	sealed, err := l.outer.UnprotectRTP(pkt[:0], pkt)
	s.authWatch.saw(err)
	if err != nil {
		counters.drop(err)
		return
	}
	if l.inner == nil {
		if !known {
			counters.bad.Add(1)
			return
		}
		s.streams[kind].deliver(sealed, len(sealed), wire)
		return
	}

	sealedLen := len(sealed)
	plain, k, err := l.inner.Open(sealed[:0], sealed)
	if err != nil {
		counters.drop(err)
		return
	}
	if (!known || kind != k) && (known || len(learned) < maxLearnedSSRCs) {
		learned[ssrc] = k
	}
	st := &s.streams[k]
	st.deliver(plain, sealedLen, wire)
}

// TransportAuthFailureLimit is how many received packets must fail
// transport SRTP authentication, with none passing it since New, before
// ReadRTP and ReadRTCP return ErrTransportAuth. A few lost or stray packets
// cannot reach it; a peer with another SRTP profile or other keys reaches it
// in a fraction of a second of media.
const TransportAuthFailureLimit = 16 // packets

// authWatch tells the readers that transport SRTP authentication has failed
// for every packet received so far, TransportAuthFailureLimit of them: the
// two parties' SRTP profiles or keys differ, and no packet will ever be
// delivered. Its states: watching (the start), alarmed (the limit reached,
// nothing authenticated) and authenticated (a packet, RTP or RTCP, passed;
// final). Once authenticated, failures are ignored, so packets forged into
// a working call cannot raise the alarm. Packets that are not RTP, or fail
// for other reasons (replays, malformed), do not count.
//
// Each Stream returns the error to one read (Stream.authTold). saw is
// called by the receive loop only; alarm and err by any reader.
type authWatch struct {
	failures int           // since New, while watching; receive loop only
	ok       atomic.Bool   // authenticated
	alarmed  chan struct{} // closed on watching → alarmed
}

func (w *authWatch) init() { w.alarmed = make(chan struct{}) }

// saw records the outcome of one transport SRTP unprotect: err is its
// error, nil if the packet authenticated.
func (w *authWatch) saw(err error) {
	switch {
	case w.ok.Load():
	case err == nil:
		w.ok.Store(true)
	case errors.Is(err, srtp.ErrAuth) && w.failures < TransportAuthFailureLimit:
		if w.failures++; w.failures == TransportAuthFailureLimit {
			close(w.alarmed)
		}
	}
}

// alarm returns a channel that is closed while the watch is alarmed, and
// nil (never ready) once a packet has authenticated.
func (w *authWatch) alarm() <-chan struct{} {
	if w.ok.Load() {
		return nil
	}
	return w.alarmed
}

// err returns the error a reader reports when alarm fired, or nil if a
// packet has authenticated since. p is this side's profile.
func (w *authWatch) err(p srtp.Profile) error {
	if w.ok.Load() {
		return nil
	}
	return fmt.Errorf("%w (%d packets failed, none passed; this side uses %v)", ErrTransportAuth, TransportAuthFailureLimit, p)
}
