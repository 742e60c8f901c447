package e2ee_test

import (
	"fmt"

	"github.com/pion/rtp"

	"github.com/callseal/callseal/e2ee"
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
