package callseal

import (
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callseal/callseal/internal/handshaketest"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
)

// handshake runs a complete handshake between alice (initiator) and bob,
// passing messages directly where an app would use its signaling.
func handshake(tb testing.TB) (alice, bob *keyexchange.Result) {
	tb.Helper()
	return policyHandshake(tb, policy.Party{}, policy.Party{})
}

// policyHandshake runs a handshake in which alice and bob have the given
// E2EE policy states. When policy turns E2EE off, Handshake.Result returns
// a *keyexchange.PolicyError with the Result, which is what New takes.
func policyHandshake(tb testing.TB, pa, pb policy.Party) (alice, bob *keyexchange.Result) {
	tb.Helper()
	ci, cr := handshaketest.Pair([]byte(tb.Name()), "alice", "bob")
	ci.Policy, cr.Policy = pa, pb
	alice, bob, err := handshaketest.Run(ci, cr)
	if !policy.Decide(pa, pb).E2EE && errors.Is(err, keyexchange.ErrE2EEDisabled) {
		err = nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	return alice, bob
}

// pipeEnd is one end of an in-memory packet pipe, a Transport that, like
// UDP, drops a packet when the receiver's queue is full. It allocates only
// until its buffer pool has warmed up. onWrite, if set, sees each packet
// written here and returns what to deliver (nil drops it); it runs in the
// writer's goroutine and may keep nothing.
type pipeEnd struct {
	in, free  chan []byte // packets to read here; spare buffers of this end
	peer      *pipeEnd
	closed    chan struct{}
	closeOnce sync.Once
	onWrite   func(pkt []byte) []byte

	mu       sync.Mutex
	readErr  error // injected read failure
	failRead chan struct{}
}

func pipe() (a, b *pipeEnd) {
	a = &pipeEnd{in: make(chan []byte, 4096), free: make(chan []byte, 4096), closed: make(chan struct{}), failRead: make(chan struct{})}
	b = &pipeEnd{in: make(chan []byte, 4096), free: make(chan []byte, 4096), closed: make(chan struct{}), failRead: make(chan struct{})}
	a.peer, b.peer = b, a
	return a, b
}

func (p *pipeEnd) Read(b []byte) (int, error) {
	select {
	case pkt := <-p.in:
		n := copy(b, pkt)
		select {
		case p.free <- pkt[:0]:
		default:
		}
		return n, nil
	case <-p.closed:
		return 0, net.ErrClosed
	case <-p.failRead:
		p.mu.Lock()
		defer p.mu.Unlock()
		return 0, p.readErr
	}
}

func (p *pipeEnd) Write(b []byte) (int, error) {
	select {
	case <-p.closed:
		return 0, net.ErrClosed
	default:
	}
	n := len(b)
	if p.onWrite != nil {
		if b = p.onWrite(b); b == nil {
			return n, nil
		}
	}
	var buf []byte
	select {
	case buf = <-p.peer.free:
	default:
		buf = make([]byte, 0, 2048)
	}
	select {
	case p.peer.in <- append(buf, b...):
	default: // full: lost, as UDP would
	}
	return n, nil
}

func (p *pipeEnd) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}

// fail makes the pending and next Reads return err.
func (p *pipeEnd) fail(err error) {
	p.mu.Lock()
	p.readErr = err
	p.mu.Unlock()
	close(p.failRead)
}

func (p *pipeEnd) isClosed() bool {
	select {
	case <-p.closed:
		return true
	default:
		return false
	}
}

// call is alice's and bob's Sessions over a pipe, after a handshake with
// the zero policy (E2EE on).
func call(t testing.TB, cfg Config) (alice, bob *Session, ap, bp *pipeEnd) {
	t.Helper()
	return policyCall(t, policy.Party{}, policy.Party{}, cfg)
}

// policyCall is call with policy states for alice and bob.
func policyCall(t testing.TB, pa, pb policy.Party, cfg Config) (alice, bob *Session, ap, bp *pipeEnd) {
	t.Helper()
	ra, rb := policyHandshake(t, pa, pb)
	ap, bp = pipe()
	ca, cb := cfg, cfg
	ca.Transport, cb.Transport = ap, bp
	alice, err := New(ra, ca)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alice.Close() })
	bob, err = New(rb, cb)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	return alice, bob, ap, bp
}

// rtpPacket marshals an RTP packet (RFC 3550, Section 5.1) with an n-byte
// payload that depends on seq.
func rtpPacket(pt uint8, ssrc uint32, seq uint16, n int) []byte {
	p := make([]byte, 12+n)
	p[0] = 0x80
	p[1] = pt
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], uint32(seq)*960)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	for i := range n {
		p[12+i] = byte(i) ^ byte(seq) ^ byte(seq>>8)
	}
	return p
}

// rtcpPacket is an RTCP receiver report without report blocks.
func rtcpPacket(ssrc uint32) []byte {
	p := []byte{0x80, 201, 0, 1, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(p[4:], ssrc)
	return p
}

// Per-kind payload types and SSRCs the tests use, as an SDP would say.
var (
	testPT   = [NumKinds]uint8{111, 96, 97}
	testSSRC = [2][NumKinds]uint32{{0xa0, 0xa1, 0xa2}, {0xb0, 0xb1, 0xb2}} // alice, bob
)

func classifyPT(_ uint32, pt uint8) (MediaKind, bool) {
	for k, p := range testPT {
		if p == pt {
			return MediaKind(k), true
		}
	}
	return 0, false
}

// sessionGoroutines counts goroutines running a Session method, such as the
// receive loop.
func sessionGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "callseal.(*Session).receive")
}

// waitNoSessionGoroutines waits for the receive goroutines of earlier
// tests' sessions, all closed by their cleanups, to leave the stack: Close
// waits for the receive loop, which may still be returning from its
// deferred calls. Tests that count goroutines start from there.
func waitNoSessionGoroutines(t *testing.T) {
	t.Helper()
	waitFor(t, 5*time.Second, "earlier tests' receive goroutines to end", func() bool { return sessionGoroutines() == 0 })
}

// waitFor polls cond until it holds or the test times out after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// inject delivers pkt to the peer end as if written, bypassing onWrite.
func (p *pipeEnd) inject(pkt []byte) {
	p.peer.in <- append([]byte(nil), pkt...)
}
