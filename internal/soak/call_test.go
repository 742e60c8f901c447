package soak

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/internal/handshaketest"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/srtp"
)

// A call is two Sessions, keyed by a real handshake, over a pair of
// connected UDP sockets on 127.0.0.1.
type call struct {
	id      int
	parties [2]*party
}

// party is one Session of a call and what the test counts on it: its
// sender, reader and rekey goroutines count, the test reads the counts
// while they run (progress) and after they ended.
type party struct {
	s    *callseal.Session
	next [numStreams]uint64        // number of the next packet to send; owned by fill, then send
	sent [numStreams]atomic.Uint64 // packets written
	recv [numStreams]atomic.Uint64 // packets read and verified

	sendErrs [numStreams]atomic.Uint64 // transport write errors (a drop, as on a real network)
	late     [numStreams]atomic.Uint64 // arrived too far behind the newest to check for duplicates
	reorder  [numStreams]atomic.Uint64 // arrived after a newer packet
	rekeys   atomic.Uint64             // Rekey calls
	bad      atomic.Uint64             // corrupt, duplicate or misdirected packets read

	// leakPerPacket, when not 0, plants a leak (plan.leakPerPacket): read
	// keeps that many bytes in leaked for every packet it reads.
	leakPerPacket int
	leaked        [numStreams][][]byte // owned by the stream's reader
}

// Each call picks its suites by its number, so that a run covers every
// transport SRTP profile, both AES-GCM SFrame suites and an AES-CTR-HMAC
// one, and both handshake suites.
var (
	profiles     = []srtp.Profile{srtp.AEAD_AES_128_GCM, srtp.AES_CM_128_HMAC_SHA1_80, srtp.AEAD_AES_256_GCM}
	sframeSuites = []sframe.CipherSuite{sframe.AES_128_GCM_SHA256_128, sframe.AES_128_CTR_HMAC_SHA256_80, sframe.AES_256_GCM_SHA512_128}
	kexSuites    = []keyexchange.Suite{keyexchange.X25519_SHA256, keyexchange.X25519_MLKEM768_SHA256}
)

// queueLength is the receive queue of every stream (callseal.Config.QueueLength):
// 0.64 s of audio, 0.7 s of video. Smaller than callseal's default, since
// every queue of every call is filled once (see party.fill).
const queueLength = 32 // packets

// newCall runs a handshake for call id and starts both Sessions, whose
// receivers keep superseded epochs' keys for grace. On error it releases what
// it made.
func newCall(id int, grace time.Duration) (*call, error) {
	results, err := handshake(id)
	if err != nil {
		return nil, err
	}
	conns, err := udpPair()
	if err != nil {
		return nil, err
	}
	cfg := callseal.Config{
		QueueLength: queueLength,
		SRTP:        callseal.DirectKeys(profiles[id%len(profiles)]),
		E2EE: e2ee.Config{
			CipherSuite:    sframeSuites[id/len(profiles)%len(sframeSuites)],
			EpochGraceTime: grace,
		},
	}
	c := &call{id: id}
	for i := range c.parties {
		cfg.Transport = conns[i]
		s, err := callseal.New(results[i], cfg)
		if err == nil {
			c.parties[i] = &party{s: s}
			if on, why := s.E2EE(); !on {
				err = fmt.Errorf("E2EE is off: %v", why)
			}
		}
		if err != nil {
			for _, p := range c.parties {
				if p != nil {
					p.s.Close() // and its socket
				}
			}
			for _, conn := range conns[i:] {
				conn.Close()
			}
			return nil, fmt.Errorf("call %d: %w", id, err)
		}
	}
	return c, nil
}

// handshake runs the key exchange for call id in memory, where an app would
// use its signaling channel.
func handshake(id int) ([2]*keyexchange.Result, error) {
	res, err := handshakeBetween(fmt.Appendf(nil, "soak call %d", id), "alice", "bob", kexSuites[id%len(kexSuites)])
	if err != nil {
		return res, fmt.Errorf("call %d: handshake: %w", id, err)
	}
	return res, nil
}

// handshakeBetween runs one handshake of suite in memory between the
// initiator and the responder named, and returns their Results in that
// order.
func handshakeBetween(callID []byte, initiatorID, responderID string, suite keyexchange.Suite) ([2]*keyexchange.Result, error) {
	ci, cr := handshaketest.Pair(callID, initiatorID, responderID)
	ci.Suites = []keyexchange.Suite{suite}
	cr.Suites = ci.Suites
	ri, rr, err := handshaketest.Run(ci, cr)
	return [2]*keyexchange.Result{ri, rr}, err
}

// udpPair returns two UDP sockets on 127.0.0.1 connected to each other. The
// first is bound to a port a listening socket got from the kernel and then
// gave up, so another process may take it in between: that is retried.
func udpPair() ([2]*net.UDPConn, error) {
	loopback := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	for try := 0; ; try++ {
		l, err := net.ListenUDP("udp4", loopback)
		if err != nil {
			return [2]*net.UDPConn{}, err
		}
		addr := l.LocalAddr().(*net.UDPAddr)
		b, err := net.DialUDP("udp4", nil, addr)
		l.Close()
		if err != nil {
			return [2]*net.UDPConn{}, err
		}
		a, err := net.DialUDP("udp4", addr, b.LocalAddr().(*net.UDPAddr))
		if err == nil {
			return [2]*net.UDPConn{a, b}, nil
		}
		b.Close()
		if !errors.Is(err, syscall.EADDRINUSE) || try == 10 {
			return [2]*net.UDPConn{}, err
		}
	}
}

// fill fills every receive queue of the call once (see party.fill).
func (c *call) fill(f *failures) error {
	for i, p := range c.parties {
		for st := range numStreams {
			if err := p.fill(f, c.parties[1-i], streamID{c.id, i, st}, queueLength); err != nil {
				return err
			}
		}
	}
	return nil
}

// close closes both Sessions.
func (c *call) close(t *testing.T) {
	for i, p := range c.parties {
		if err := p.s.Close(); err != nil {
			t.Errorf("call %d party %d: Close: %v", c.id, i, err)
		}
	}
}
