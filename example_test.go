package callseal_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
	"github.com/pion/rtp"
)

// runHandshake stands in for the app's signaling: it runs the four-message
// handshake between two parties with the given policies and returns each
// side's Result. Handshake.Result returns a *keyexchange.PolicyError with
// the Result when policy turned E2EE off; the Session is built from that
// Result all the same.
func runHandshake(alicePolicy, bobPolicy policy.Party) (alice, bob *keyexchange.Result) {
	callID := []byte("call 1")
	a, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: callID,
		LocalID: "alice@example.com", PeerID: "bob@example.com", Policy: alicePolicy})
	if err != nil {
		log.Fatal(err)
	}
	b, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID,
		LocalID: "bob@example.com", PeerID: "alice@example.com", Policy: bobPolicy})
	if err != nil {
		log.Fatal(err)
	}
	msg, err := a.Start()
	for turn := 0; err == nil && msg != nil; turn++ {
		if turn%2 == 0 {
			msg, err = b.Handle(msg)
		} else {
			msg, err = a.Handle(msg)
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	var pe *keyexchange.PolicyError
	if alice, err = a.Result(); err != nil && !errors.As(err, &pe) {
		log.Fatal(err)
	}
	if bob, err = b.Result(); err != nil && !errors.As(err, &pe) {
		log.Fatal(err)
	}
	return alice, bob
}

// udpPair returns a UDP transport for each party on loopback: each party's
// socket, sending to the other's address.
func udpPair() (a, b callseal.Transport) {
	la, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		log.Fatal(err)
	}
	lb, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		log.Fatal(err)
	}
	return callseal.PacketConn(la, lb.LocalAddr()), callseal.PacketConn(lb, la.LocalAddr())
}

// startCall runs the handshake with the zero policies and starts alice's
// and bob's Sessions, each on its end of a udpPair with its Config.
func startCall(ac, bc callseal.Config) (alice, bob *callseal.Session) {
	ra, rb := runHandshake(policy.Party{}, policy.Party{})
	ac.Transport, bc.Transport = udpPair()
	alice, err := callseal.New(ra, ac)
	if err != nil {
		log.Fatal(err)
	}
	if bob, err = callseal.New(rb, bc); err != nil {
		log.Fatal(err)
	}
	return alice, bob
}

// A direct, end-to-end encrypted call over UDP: both layers, keys from the
// handshake, one audio packet from Alice to Bob.
func Example() {
	ra, rb := runHandshake(policy.Party{}, policy.Party{})
	ca, cb := udpPair()
	alice, err := callseal.New(ra, callseal.Config{Transport: ca})
	if err != nil {
		log.Fatal(err)
	}
	defer alice.Close()
	bob, err := callseal.New(rb, callseal.Config{Transport: cb})
	if err != nil {
		log.Fatal(err)
	}
	defer bob.Close()

	on, why := alice.E2EE()
	fmt.Println("E2EE:", on, "-", why)
	fmt.Println("same check number:", alice.CheckNumber() == bob.CheckNumber())

	// An RTP packet as the app's packetizer makes it: V=2, PT=111 (Opus),
	// seq 1, timestamp 960, SSRC 0x1234, then the payload.
	rtp := append([]byte{0x80, 111, 0, 1, 0, 0, 3, 0xc0, 0, 0, 0x12, 0x34}, "opus frame"...)
	if err := alice.Stream(callseal.Audio).WriteRTP(rtp); err != nil {
		log.Fatal(err)
	}
	got, err := bob.Stream(callseal.Audio).ReadRTP(nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bob got %q\n", got[12:])

	st := alice.Stats().Stream(callseal.Audio)
	fmt.Printf("sent %d packet: %d RTP bytes, %d on the wire (E2EE +%d, SRTP +%d)\n",
		st.Sent.Packets, st.Sent.Bytes, st.Sent.WireBytes, st.Sent.E2EEOverhead(), st.Sent.SRTPOverhead())
	// Output:
	// E2EE: true - end-to-end encryption enabled by both parties
	// same check number: true
	// bob got "opus frame"
	// sent 1 packet: 22 RTP bytes, 55 on the wire (E2EE +17, SRTP +16)
}

// When policy turns E2EE off (here: compliance recording on Bob's account),
// the same Session runs on transport SRTP only. The app tells the user why,
// and sorts received packets into streams by payload type, as its SDP says.
func ExampleSession_E2EE() {
	ra, rb := runHandshake(policy.Party{}, policy.Party{ComplianceRecording: true})
	byPayloadType := func(_ uint32, pt uint8) (callseal.MediaKind, bool) {
		switch pt {
		case 111:
			return callseal.Audio, true
		case 96:
			return callseal.Video, true
		}
		return 0, false
	}
	ca, cb := udpPair()
	alice, err := callseal.New(ra, callseal.Config{Transport: ca, Classify: byPayloadType})
	if err != nil {
		log.Fatal(err)
	}
	defer alice.Close()
	bob, err := callseal.New(rb, callseal.Config{Transport: cb, Classify: byPayloadType})
	if err != nil {
		log.Fatal(err)
	}
	defer bob.Close()

	on, why := alice.E2EE()
	fmt.Println("E2EE:", on, "-", why)
	fmt.Println("rekey:", alice.Rekey())

	rtp := append([]byte{0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0x56, 0x78}, "vp8 frame"...)
	if err := alice.Stream(callseal.Video).WriteRTP(rtp); err != nil {
		log.Fatal(err)
	}
	got, err := bob.Stream(callseal.Video).ReadRTP(nil)
	if err != nil {
		log.Fatal(err)
	}
	st := alice.Stats().Stream(callseal.Video)
	fmt.Printf("bob got %q; %d RTP bytes, %d on the wire (SRTP 16)\n", got[12:], st.Sent.Bytes, st.Sent.WireBytes)
	// Output:
	// E2EE: false - compliance recording is on for an account
	// rekey: callseal: end-to-end encryption is off for this call
	// bob got "vp8 frame"; 21 RTP bytes, 37 on the wire (SRTP 16)
}

// A call moves to a new socket (an ICE restart, a network change): the same
// Session continues on it, with the same keys and counters. A second
// Session from the same handshake would be refused.
func ExampleSession_SetTransport() {
	ra, rb := runHandshake(policy.Party{}, policy.Party{})
	a1, b1 := udpPair()
	alice, _ := callseal.New(ra, callseal.Config{Transport: a1})
	defer alice.Close()
	bob, _ := callseal.New(rb, callseal.Config{Transport: b1})
	defer bob.Close()

	_, err := callseal.New(ra, callseal.Config{Transport: a1})
	fmt.Println("second session:", errors.Is(err, keyexchange.ErrSecretsTaken))

	a2, b2 := udpPair() // both sides on new sockets
	fmt.Println(alice.SetTransport(a2), bob.SetTransport(b2))
	pkt := []byte{0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 'h', 'i'}
	_ = alice.Stream(callseal.Audio).WriteRTP(pkt)
	got, err := bob.Stream(callseal.Audio).ReadRTP(nil)
	fmt.Printf("%q %v\n", got[12:], err)
	// Output:
	// second session: true
	// <nil> <nil>
	// "hi" <nil>
}

// Sending and receiving RTP: WriteRTP takes a marshalled RTP packet, as
// pion/rtp (or any packetizer) makes it, and ReadRTPContext gives back the
// packet as it was sent, here within a time limit.
func ExampleStream_WriteRTP() {
	alice, bob := startCall(callseal.Config{}, callseal.Config{})
	defer alice.Close()
	defer bob.Close()

	// Alice sends 20 ms of Opus audio.
	pkt := rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			PayloadType:    111,        // as the SDP says (a=rtpmap:111 opus/48000/2)
			SequenceNumber: 7,          // +1 per packet, starting at random
			Timestamp:      960,        // +960 per 20 ms packet (48 kHz clock), starting at random
			SSRC:           0x11223344, // random, one per stream
		},
		Payload: []byte("opus frame"),
	}
	raw, err := pkt.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	if err := alice.Stream(callseal.Audio).WriteRTP(raw); err != nil {
		log.Fatal(err)
	}

	// Bob waits for it, for at most 2 seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	buf := make([]byte, 0, 1500) // reused for every packet
	buf, err = bob.Stream(callseal.Audio).ReadRTPContext(ctx, buf[:0])
	if errors.Is(err, context.DeadlineExceeded) {
		log.Fatal("no audio for 2 s")
	} else if err != nil {
		log.Fatal(err)
	}
	var got rtp.Packet
	if err := got.Unmarshal(buf); err != nil { // got.Payload points into buf: copy what you keep
		log.Fatal(err)
	}
	fmt.Printf("PT %d, seq %d, ts %d, SSRC %#x: %q\n",
		got.PayloadType, got.SequenceNumber, got.Timestamp, got.SSRC, got.Payload)
	// Output:
	// PT 111, seq 7, ts 960, SSRC 0x11223344: "opus frame"
}

// Two parties whose transport SRTP profiles differ can exchange nothing:
// every packet fails authentication. After TransportAuthFailureLimit such
// packets, with none authenticated, a read returns ErrTransportAuth (once
// per stream) rather than wait.
func ExampleErrTransportAuth() {
	alice, bob := startCall(
		callseal.Config{SRTP: callseal.DirectKeys(srtp.AEAD_AES_128_GCM)},
		callseal.Config{SRTP: callseal.DirectKeys(srtp.AES_CM_128_HMAC_SHA1_80)})
	defer alice.Close()
	defer bob.Close()

	for seq := range uint16(callseal.TransportAuthFailureLimit) {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, SSRC: 1}, Payload: []byte("opus")}
		raw, _ := pkt.Marshal()
		if err := alice.Stream(callseal.Audio).WriteRTP(raw); err != nil {
			log.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := bob.Stream(callseal.Audio).ReadRTPContext(ctx, nil)
	fmt.Println(errors.Is(err, callseal.ErrTransportAuth))
	fmt.Println(err)
	// Output:
	// true
	// callseal: every packet failed transport SRTP authentication: the peer's SRTP profile or keys differ (16 packets failed, none passed; this side uses AES_CM_128_HMAC_SHA1_80)
}
