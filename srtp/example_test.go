package srtp_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"

	"github.com/callseal/callseal/srtp"
)

// Two parties, one key per direction, given explicitly (as on a relay hop).
// Alice protects an RTP packet; Bob unprotects it; a replay is refused.
func ExampleSession() {
	p := srtp.AEAD_AES_128_GCM
	aliceToBob := srtp.Keys{
		MasterKey:  bytes.Repeat([]byte{0x01}, p.KeySize()),  // 16 bytes
		MasterSalt: bytes.Repeat([]byte{0x02}, p.SaltSize()), // 12 bytes
	}
	bobToAlice := srtp.Keys{
		MasterKey:  bytes.Repeat([]byte{0x03}, p.KeySize()),
		MasterSalt: bytes.Repeat([]byte{0x04}, p.SaltSize()),
	}
	alice, err := srtp.NewSession(p, aliceToBob, bobToAlice)
	if err != nil {
		log.Fatal(err)
	}
	bob, err := srtp.NewSession(p, bobToAlice, aliceToBob)
	if err != nil {
		log.Fatal(err)
	}

	// A 12-byte RTP header (V=2, PT=111, seq=1, ts=960, SSRC=0xcafe) and payload.
	rtp := append([]byte{0x80, 111, 0, 1, 0, 0, 3, 0xc0, 0, 0, 0xca, 0xfe}, "hello, Bob"...)

	packet, err := alice.ProtectRTP(nil, rtp)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v: RTP %d bytes, SRTP %d bytes\n", p, len(rtp), len(packet))

	got, err := bob.UnprotectRTP(nil, packet)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Bob got %q\n", got[12:])

	_, err = bob.UnprotectRTP(nil, packet)
	fmt.Println("again:", errors.Is(err, srtp.ErrReplay))
	// Output:
	// AEAD_AES_128_GCM: RTP 22 bytes, SRTP 38 bytes
	// Bob got "hello, Bob"
	// again: true
}
