package callseal

import (
	"errors"
	"fmt"
	"syscall"
)

// maxLearnedSSRCs bounds the SSRC→stream map the receive loop learns from
// authenticated packets to attribute failed ones: a 1:1 call has a few.
const maxLearnedSSRCs = 64

// receive is the receive loop: it reads the current transport until it
// fails or the Session closes, and hands each packet to handle. When
// SetTransport replaced the transport it was reading, it continues on the
// new one.
func (s *Session) receive(l *layers, lp *recvLoop) {
	defer close(lp.done)
	buf := make([]byte, MaxPacketSize)
	defer clear(buf) // held plaintext
	learned := make(map[uint32]MediaKind)
	for {
		tb := s.transport.Load()
		n, err := tb.t.Read(buf)
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
		s.handle(l, buf[:n], learned)
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
