package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/callseal/callseal/srtp"
)

// A side is one party of the call.
type side int

const (
	alice side = iota
	bob
)

func (s side) String() string { return [...]string{"alice", "bob"}[s] }

func (s side) peer() side { return 1 - s }

// A direction is the way a packet or message travels: from one side to the
// other. It is named by its sender.
type direction side

const (
	aliceToBob = direction(alice)
	bobToAlice = direction(bob)
)

func (d direction) from() side     { return side(d) }
func (d direction) to() side       { return side(d).peer() }
func (d direction) String() string { return d.from().String() + " → " + d.to().String() }

// forwardFunc is the relay's step for one media packet. pkt is a plain RTP
// packet (transport SRTP removed, E2EE still on) travelling in dir; the step
// calls send once per packet to pass on: not at all to drop it, twice to
// duplicate it, later (from another goroutine) to delay or reorder it. pkt is
// valid only during the call; a step that keeps it must copy it. send is
// safe for concurrent use.
//
// The default step forwards every packet unchanged. Path impairments (loss,
// reordering, duplication) and an attacker are wrappers around it.
type forwardFunc func(dir direction, pkt []byte, send func(pkt []byte))

func forwardAll(_ direction, pkt []byte, send func([]byte)) { send(pkt) }

// signalFunc is the relay's step for one signaling frame that the party
// dir.from() sent: it calls forward to pass a frame on to the other party
// (dir.to()) and reply to send a frame back to the sender, each as many
// times as it likes. The default forwards the frame unchanged; an attacker
// in the middle (mitm.go) answers handshake messages itself. Both funcs are
// safe for concurrent use.
type signalFunc func(dir direction, t frameType, body []byte, forward, reply func(frameType, []byte) error) error

func signalAll(_ direction, t frameType, body []byte, forward, _ func(frameType, []byte) error) error {
	return forward(t, body)
}

// hopKeys are the transport SRTP keys of one hop, party ↔ relay, one per
// direction. In a real deployment each hop runs its own DTLS-SRTP handshake
// with the relay (RFC 5764); here the call set-up draws them at random and
// hands each to the two ends of its hop.
type hopKeys struct {
	toRelay, fromRelay srtp.Keys
}

// A hop is the relay's end of one leg: its UDP socket for that party, the
// party's media address and the transport SRTP session of the leg.
type hop struct {
	conn *net.UDPConn
	peer *net.UDPAddr // the party's media socket, from its join message
	srtp *srtp.Session
}

// A relay is a media relay with a signaling server, as a calling service
// runs them: it terminates transport SRTP on each hop, so it reads RTP
// headers (for routing, congestion control, NACK) and sees every signaling
// message, but it never holds the E2EE keys.
type relay struct {
	sig     *net.TCPListener
	hops    [2]*hop
	forward forwardFunc
	signal  signalFunc
	inspect inspector

	sigWrite [2]sync.Mutex // per side: serialises frames written to its signaling connection

	mu      sync.Mutex
	sigLog  []sigEvent
	views   map[viewKey]*payloadView // per direction and SSRC
	dropped [2]int                   // per direction: packets that failed transport SRTP unprotect
}

type viewKey struct {
	dir  direction
	ssrc uint32
}

// sigEvent records one signaling frame: one a party sent to the relay, or
// one the relay made up itself (forged, only with -mitm) and sent to to.
type sigEvent struct {
	dir    direction // for a frame a party sent: from that party towards the other
	to     side      // for a forged frame: its receiver
	forged bool
	t      frameType
	size   int // bytes of the body
	info   string
}

// newRelay opens the relay's sockets on 127.0.0.1: one TCP listener for
// signaling and one UDP socket per hop.
func newRelay(profile srtp.Profile, keys [2]hopKeys, insp inspector) (*relay, error) {
	r := &relay{forward: forwardAll, signal: signalAll, inspect: insp, views: make(map[viewKey]*payloadView)}
	var err error
	r.sig, err = net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	for s, k := range keys {
		conn, err := listenUDP()
		if err != nil {
			r.close()
			return nil, fmt.Errorf("relay: %w", err)
		}
		r.hops[s] = &hop{conn: conn}
		// The relay protects with the keys for relay → party and unprotects
		// with those for party → relay.
		if r.hops[s].srtp, err = srtp.NewSession(profile, k.fromRelay, k.toRelay); err != nil {
			r.close()
			return nil, fmt.Errorf("relay: hop %v: %w", side(s), err)
		}
	}
	return r, nil
}

func (r *relay) signalingAddr() string   { return r.sig.Addr().String() }
func (r *relay) mediaAddr(s side) string { return r.hops[s].conn.LocalAddr().String() }

func (r *relay) close() {
	r.sig.Close()
	for _, h := range r.hops {
		if h != nil {
			h.conn.Close()
		}
	}
}

// run serves the call until ctx is done or both parties hang up. It accepts
// the two parties' signaling connections, then forwards signaling and media
// both ways.
func (r *relay) run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, r.close)
	defer stop()
	defer r.close()

	var conns [2]*net.TCPConn
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for range 2 {
		c, err := r.sig.AcceptTCP()
		if err != nil {
			return fmt.Errorf("relay: accept: %w", err)
		}
		s, addr, err := readJoin(c)
		if err != nil {
			c.Close()
			return fmt.Errorf("relay: %w", err)
		}
		if conns[s] != nil {
			c.Close()
			return fmt.Errorf("relay: %v joined twice", s)
		}
		conns[s] = c
		r.hops[s].peer = addr
		r.log(sigEvent{dir: direction(s), t: frameJoin, info: fmt.Sprintf("%v joins, media at %v", s, addr)})
	}

	var wg sync.WaitGroup
	for _, s := range []side{alice, bob} {
		wg.Go(func() { r.pumpMedia(s) })
	}
	var sigWG sync.WaitGroup
	errs := make([]error, 2)
	for _, s := range []side{alice, bob} {
		sigWG.Go(func() { errs[s] = r.pumpSignaling(direction(s), conns) })
	}
	sigWG.Wait() // both parties hung up (or ctx closed the connections)
	r.close()    // ends the media pumps
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

func readJoin(c net.Conn) (side, *net.UDPAddr, error) {
	t, body, err := readFrame(c)
	if err != nil {
		return 0, nil, fmt.Errorf("join: %w", err)
	}
	var j joinMsg
	if t != frameJoin {
		return 0, nil, fmt.Errorf("join: got a %v frame first", t)
	}
	if err := json.Unmarshal(body, &j); err != nil {
		return 0, nil, fmt.Errorf("join: %w", err)
	}
	addr, err := net.ResolveUDPAddr("udp", j.MediaAddr)
	if err != nil {
		return 0, nil, fmt.Errorf("join: %w", err)
	}
	switch j.Name {
	case "alice":
		return alice, addr, nil
	case "bob":
		return bob, addr, nil
	}
	return 0, nil, fmt.Errorf("join: unknown party %q", j.Name)
}

// pumpSignaling passes the frames one party sends through r.signal until
// the sender hangs up, then half-closes the other connection so the peer
// reads the end of the stream after the last frame.
func (r *relay) pumpSignaling(dir direction, conns [2]*net.TCPConn) error {
	in, out := conns[dir.from()], conns[dir.to()]
	defer out.CloseWrite()
	for {
		t, body, err := readFrame(in)
		if err != nil {
			return nil // hung up (EOF) or closed by ctx
		}
		r.log(sigEvent{dir: dir, t: t, size: len(body), info: frameInfo(t, body)})
		forward := func(ft frameType, b []byte) error {
			if ft != t || !bytes.Equal(b, body) {
				r.log(sigEvent{to: dir.to(), forged: true, t: ft, size: len(b), info: frameInfo(ft, b)})
			}
			return r.writeSignal(dir.to(), out, ft, b)
		}
		reply := func(ft frameType, b []byte) error {
			r.log(sigEvent{to: dir.from(), forged: true, t: ft, size: len(b), info: frameInfo(ft, b)})
			return r.writeSignal(dir.from(), in, ft, b)
		}
		if err := r.signal(dir, t, body, forward, reply); err != nil {
			return fmt.Errorf("relay: signaling %v: %w", dir, err)
		}
	}
}

// writeSignal writes one frame to side s's signaling connection c; frames
// from both pumps to one connection do not interleave.
func (r *relay) writeSignal(s side, c *net.TCPConn, t frameType, body []byte) error {
	r.sigWrite[s].Lock()
	defer r.sigWrite[s].Unlock()
	return writeFrame(c, t, body)
}

// pumpMedia reads the packets one party sends, removes transport SRTP, looks
// at them, and forwards them with the other hop's transport keys.
func (r *relay) pumpMedia(from side) {
	in, out := r.hops[from], r.hops[from.peer()]
	dir := direction(from)
	send := func(pkt []byte) {
		wire, err := out.srtp.ProtectRTP(nil, pkt)
		if err != nil {
			return
		}
		out.conn.WriteToUDP(wire, out.peer) //nolint:errcheck // UDP: a lost packet is a lost packet
	}
	buf := make([]byte, maxDatagram)
	var plain []byte
	for {
		n, addr, err := in.conn.ReadFromUDP(buf)
		if err != nil {
			return // closed
		}
		if !addr.IP.Equal(in.peer.IP) || addr.Port != in.peer.Port {
			continue // not from this hop's party
		}
		plain, err = in.srtp.UnprotectRTP(plain[:0], buf[:n])
		if err != nil {
			r.mu.Lock()
			r.dropped[dir]++
			r.mu.Unlock()
			continue
		}
		r.look(dir, plain)
		r.forward(dir, plain, send)
	}
}

// look records what the relay can read of one packet.
func (r *relay) look(dir direction, pkt []byte) {
	var ssrc uint32
	if len(pkt) >= 12 {
		ssrc = uint32(pkt[8])<<24 | uint32(pkt[9])<<16 | uint32(pkt[10])<<8 | uint32(pkt[11])
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.views[viewKey{dir, ssrc}]
	if v == nil {
		v = new(payloadView)
		r.views[viewKey{dir, ssrc}] = v
	}
	r.inspect.look(v, pkt)
}

func (r *relay) log(ev sigEvent) {
	r.mu.Lock()
	r.sigLog = append(r.sigLog, ev)
	r.mu.Unlock()
}

// view returns what the relay saw of one stream (zero if nothing).
func (r *relay) view(dir direction, ssrc uint32) payloadView {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v := r.views[viewKey{dir, ssrc}]; v != nil {
		return *v
	}
	return payloadView{}
}

// maxDatagram is the largest UDP payload we read, in bytes.
const maxDatagram = 64 << 10

// socketBuffer is the UDP receive and send buffer we ask for, in bytes, so
// that a keyframe burst on loopback is not dropped.
const socketBuffer = 4 << 20

func listenUDP() (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	// Best effort: the kernel may cap these (net.core.rmem_max); pacing
	// keeps bursts small anyway.
	c.SetReadBuffer(socketBuffer)  //nolint:errcheck
	c.SetWriteBuffer(socketBuffer) //nolint:errcheck
	return c, nil
}
