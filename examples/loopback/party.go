package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
)

// byeGrace is how long a party waits, after the peer said bye, for media
// packets still on the way; only lost packets make it wait that long.
const byeGrace = 2 * time.Second

// A party is one calling app: alice (the caller, handshake initiator) or bob.
type party struct {
	side           side
	id, peerID     string // identities bound into the handshake
	role           keyexchange.Role
	callID         []byte
	tracks         []*track // media this party sends
	ssrcs          []uint32 // one per track
	speed          float64  // media pacing: 1 is real time
	profile        srtp.Profile
	keys           hopKeys // transport keys of this party's hop to the relay
	signalingAddr  string
	relayMediaAddr string
	inspect        inspector                   // the control: the same checks the relay runs, on opened packets
	store          keyexchange.ContinuityStore // with -cache: this party's retained secrets; else nil
	jitterBuffer   time.Duration               // media time the receiver waits for late packets
	policy         policy.Party                // this party's policy state (-require-e2ee sets RequireE2EE)

	// Filled in by run.
	sas      sasStrings          // what this party shows for the users to compare
	res      *keyexchange.Result // the handshake's result
	decision policy.Decision     // the policy decision of the handshake
	refusal  error               // callseal.New refused the call (decision Refused); then there is no sess
	settle   func()              // called once this party is done with the call set-up: refused, or run returned
	sess     *callseal.Session   // both layers of the call; closed when run returns
	sent     []*sentStream
	recv     receiver
}

// A sentStream is what a party sent of one track.
type sentStream struct {
	track  *track
	ssrc   uint32
	frames []sentFrame // one per track frame, in order
}

// A sentFrame ties a track frame to the RTP packets that carried it.
type sentFrame struct {
	firstSeq uint16
	packets  int
	ts       uint32
	data     []byte
}

// run places this party's half of the call: join the relay, run the
// handshake, then send and receive media until both sides are done.
func (p *party) run(ctx context.Context) error {
	sig, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.signalingAddr)
	if err != nil {
		return fmt.Errorf("%v: signaling: %w", p.side, err)
	}
	defer sig.Close()
	media, err := listenUDP()
	if err != nil {
		return fmt.Errorf("%v: %w", p.side, err)
	}
	defer media.Close() // the Session closes it too, if there is one
	// Unblock every read and write on the sockets when ctx ends.
	stop := context.AfterFunc(ctx, func() { sig.Close(); media.Close() })
	defer stop()

	relayAddr, err := net.ResolveUDPAddr("udp", p.relayMediaAddr)
	if err != nil {
		return fmt.Errorf("%v: %w", p.side, err)
	}
	if err := writeJSON(sig, frameJoin, joinMsg{Name: p.side.String(), MediaAddr: media.LocalAddr().String()}); err != nil {
		return fmt.Errorf("%v: join: %w", p.side, err)
	}

	// 1. Key exchange, through the relay. A *keyexchange.PolicyError comes
	// with a valid Result: policy turned E2EE off, or refuses the call.
	res, err := p.handshake(sig)
	var pe *keyexchange.PolicyError
	if errors.As(err, &pe) && res != nil {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("%v: handshake: %w", p.side, ctxErr(ctx, err))
	}
	p.sas, p.res, p.decision = sasOf(res), res, res.Decision()

	// 2. Both layers in one Session: E2EE keys from the handshake (unless
	// policy turned E2EE off), transport SRTP keys of this party's hop to
	// the relay. Classify sorts received packets into streams when E2EE is
	// off; an app sets it always, since only the handshake tells.
	sess, err := callseal.New(res, callseal.Config{
		Transport: callseal.PacketConn(media, relayAddr),
		SRTP:      callseal.HopKeys(p.profile, p.keys.toRelay, p.keys.fromRelay),
		Classify:  classifyPT,
	})
	if errors.As(err, &pe) && pe.Decision.Refused {
		// A party requires E2EE and it would be off: no call. The user is
		// told why, and shown the check number to confirm the refusal.
		p.refusal = err
		p.settle()
		<-ctx.Done() // hang up once the other party is settled too
		return nil
	}
	if err != nil {
		return fmt.Errorf("%v: %w", p.side, err)
	}
	p.sess = sess
	// Shown whether E2EE is on or off: it also authenticates the decision.
	p.sas.check = sess.CheckNumber()

	// 3. Media both ways at once: receive in the background, send paced.
	var wg sync.WaitGroup
	defer func() {
		sess.Close() // ends the receivers with callseal.ErrClosed
		sig.Close()  // ends the bye reader, and tells the relay
		wg.Wait()
		p.recv.flush()
	}()
	p.recv.start(&wg, sess, &p.inspect, p.jitterBuffer)
	peerBye := make(chan byeMsg, 1)
	sigErr := make(chan error, 1)
	wg.Go(func() {
		if err := readBye(sig, peerBye); err != nil {
			sigErr <- err
		}
	})

	if err := p.send(ctx, sess); err != nil {
		return fmt.Errorf("%v: send: %w", p.side, ctxErr(ctx, err))
	}
	bye, stats := byeMsg{}, sess.Stats()
	for _, s := range p.sent {
		bye.Streams = append(bye.Streams, byeStream{SSRC: s.ssrc, Packets: int(stats.Stream(s.track.kind).Sent.Packets)})
	}
	if err := writeJSON(sig, frameBye, bye); err != nil {
		return fmt.Errorf("%v: bye: %w", p.side, err)
	}

	// 4. Wait for the peer's bye, then for its packets still in flight.
	var want byeMsg
	select {
	case want = <-peerBye:
	case err := <-sigErr:
		return fmt.Errorf("%v: signaling closed before the peer's bye: %w", p.side, ctxErr(ctx, err))
	case <-ctx.Done():
		return fmt.Errorf("%v: waiting for the peer's bye: %w", p.side, ctx.Err())
	}
	grace := time.NewTimer(byeGrace)
	defer grace.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !p.recv.complete(want) {
		select {
		case <-tick.C:
		case <-grace.C:
			return nil // some packets were lost; the report counts them
		case <-ctx.Done():
			return fmt.Errorf("%v: receiving: %w", p.side, ctx.Err())
		}
	}
	return nil
}

// handshake runs the key exchange over the signaling connection: four
// messages, alice (initiator) first. The initiator is done after message 4,
// the responder after message 3, when it still sends message 4.
func (p *party) handshake(sig net.Conn) (*keyexchange.Result, error) {
	hs, err := keyexchange.New(keyexchange.Config{
		Role:    p.role,
		CallID:  p.callID,
		LocalID: p.id,
		PeerID:  p.peerID,
		Policy:  p.policy,
		Suites:  []keyexchange.Suite{keyexchange.X25519_SHA256},
		// Continuity is an interface: leave it nil, not a nil *FileStore,
		// when there is no -cache.
		Continuity: p.store,
	})
	if err != nil {
		return nil, err
	}
	if p.role == keyexchange.Initiator {
		msg, err := hs.Start()
		if err != nil {
			return nil, err
		}
		if err := writeFrame(sig, frameHandshake, msg); err != nil {
			return nil, err
		}
	}
	for !hs.Done() {
		t, msg, err := readFrame(sig)
		if err != nil {
			return nil, err
		}
		if t != frameHandshake {
			return nil, fmt.Errorf("got a %v frame during the handshake", t)
		}
		reply, err := hs.Handle(msg)
		if err != nil {
			return nil, err
		}
		if reply != nil {
			if err := writeFrame(sig, frameHandshake, reply); err != nil {
				return nil, err
			}
		}
	}
	return hs.Result()
}

// classifyPT names the stream of a received packet by its payload type, as
// the SDP announces them (media.go); it is used only when E2EE is off.
func classifyPT(_ uint32, pt uint8) (callseal.MediaKind, bool) {
	switch pt {
	case ptOpus:
		return callseal.Audio, true
	case ptVideo:
		return callseal.Video, true
	case ptScreen:
		return callseal.ScreenShare, true
	}
	return 0, false
}

// readBye waits for the peer's bye on the signaling connection.
func readBye(sig net.Conn, bye chan<- byeMsg) error {
	for {
		t, body, err := readFrame(sig)
		if err != nil {
			return err
		}
		if t != frameBye {
			continue // e.g. a retransmitted handshake message
		}
		var b byeMsg
		if err := json.Unmarshal(body, &b); err != nil {
			return fmt.Errorf("bye: %w", err)
		}
		bye <- b
		return nil
	}
}

// scheduled is one RTP packet and when to send it, relative to the start.
type scheduled struct {
	at     time.Duration
	stream *sentStream
	pkt    *rtp.Packet
}

// send packetizes every track (RFC 7587 for Opus: one packet per RTP packet;
// RFC 7741 for VP8) and sends all of them at once, interleaved and paced at
// p.speed times real time, through both layers of sess.
func (p *party) send(ctx context.Context, sess *callseal.Session) error {
	var plan []scheduled
	for i, t := range p.tracks {
		s := &sentStream{track: t, ssrc: p.ssrcs[i]}
		p.sent = append(p.sent, s)
		var payloader rtp.Payloader = &codecs.OpusPayloader{}
		if t.kind != callseal.Audio {
			payloader = &codecs.VP8Payloader{EnablePictureID: true}
		}
		pz := rtp.NewPacketizer(mtu, t.pt, s.ssrc, payloader, rtp.NewRandomSequencer(), t.clockRate)
		for j, f := range t.frames {
			pkts := pz.Packetize(f.data, t.step(j))
			if len(pkts) == 0 {
				continue
			}
			s.frames = append(s.frames, sentFrame{firstSeq: pkts[0].SequenceNumber, packets: len(pkts), ts: pkts[0].Timestamp, data: f.data})
			at := time.Duration(float64(f.at) / p.speed)
			for _, pkt := range pkts {
				plan = append(plan, scheduled{at: at, stream: s, pkt: pkt})
			}
		}
	}
	slices.SortStableFunc(plan, func(a, b scheduled) int { return int(a.at - b.at) })

	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var raw []byte
	for _, sp := range plan {
		if d := time.Until(start.Add(sp.at)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		size := sp.pkt.MarshalSize()
		raw = slices.Grow(raw[:0], size)[:size]
		if _, err := sp.pkt.MarshalTo(raw); err != nil {
			return err
		}
		if err := sess.Stream(sp.stream.track.kind).WriteRTP(raw); err != nil {
			return err
		}
	}
	return nil
}

// ctxErr prefers the context's error (deadline, cancel) to the I/O error it
// caused by closing a socket.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
