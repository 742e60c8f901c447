package e2ee_test

import (
	"errors"
	"fmt"

	"github.com/pion/rtp"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
)

func Example() {
	// In a call these come from keyexchange: use e2ee.NewSession(res).
	// Each direction has its own secret; the peer has them swapped.
	aliceToBob := []byte("0123456789abcdef0123456789abcdef")
	bobToAlice := []byte("fedcba9876543210fedcba9876543210")
	alice, err := e2ee.NewSessionFromSecrets(aliceToBob, bobToAlice)
	if err != nil {
		panic(err)
	}
	bob, err := e2ee.NewSessionFromSecrets(bobToAlice, aliceToBob)
	if err != nil {
		panic(err)
	}

	pkt, _ := (&rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 1, SSRC: 0x1234},
		Payload: []byte("opus frame"),
	}).Marshal()

	sealed, err := alice.Seal(nil, pkt, e2ee.Audio)
	if err != nil {
		panic(err)
	}
	fmt.Printf("sealed %d → %d bytes (at most +%d)\n", len(pkt), len(sealed), alice.Overhead())

	opened, kind, err := bob.Open(nil, sealed)
	if err != nil {
		panic(err)
	}
	var p rtp.Packet
	_ = p.Unmarshal(opened)
	fmt.Printf("%v: %q\n", kind, p.Payload)

	_, _, err = bob.Open(nil, sealed)
	fmt.Println(err)
	// Output:
	// sealed 22 → 39 bytes (at most +21)
	// audio: "opus frame"
	// e2ee: replayed packet: counter already received
}

// A Result keys one session: the second NewSession from it fails, since it
// would reuse the first one's nonces.
func ExampleNewSession_once() {
	alice := exampleResult()
	if _, err := e2ee.NewSession(alice); err != nil {
		panic(err)
	}
	_, err := e2ee.NewSession(alice)
	fmt.Println(errors.Is(err, keyexchange.ErrSecretsTaken))
	// Output: true
}

// exampleResult runs a handshake in memory and returns the initiator's
// Result; an app carries the messages over its signaling.
func exampleResult() *keyexchange.Result {
	id := []byte("example call")
	a, _ := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: id, LocalID: "alice", PeerID: "bob"})
	b, _ := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: id, LocalID: "bob", PeerID: "alice"})
	msg, err := a.Start()
	for to := b; err == nil && msg != nil; {
		msg, err = to.Handle(msg)
		if to == a {
			to = b
		} else {
			to = a
		}
	}
	res, err := a.Result()
	if err != nil {
		panic(err)
	}
	return res
}

// Epochs counts the ratchet steps each way, for call statistics: a Rekey
// moves a send key that has sealed, and the peer follows when a packet of
// the new epoch authenticates.
func ExampleSession_Epochs() {
	aliceToBob := []byte("0123456789abcdef0123456789abcdef")
	bobToAlice := []byte("fedcba9876543210fedcba9876543210")
	alice, _ := e2ee.NewSessionFromSecrets(aliceToBob, bobToAlice)
	bob, _ := e2ee.NewSessionFromSecrets(bobToAlice, aliceToBob)
	pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 0x1234}, Payload: []byte("frame")}).Marshal()

	for range 2 {
		sealed, _ := alice.Seal(nil, pkt, e2ee.Video)
		if _, _, err := bob.Open(nil, sealed); err != nil {
			panic(err)
		}
		_ = alice.Rekey()
	}
	send, _ := alice.Epochs(e2ee.Video)
	_, recv := bob.Epochs(e2ee.Video)
	fmt.Printf("alice sends in epoch %d, bob has followed to epoch %d\n", send, recv)
	// Output: alice sends in epoch 2, bob has followed to epoch 1
}
