package e2ee_test

import (
	"bytes"
	"fmt"

	"github.com/callseal/callseal/e2ee"
)

// ExampleSession_SealFrame seals a VP8 key frame before packetization and
// opens it after depacketization: its 10-byte payload header stays in
// clear, authenticated.
func ExampleSession_SealFrame() {
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
	frame := append([]byte{0x50, 0x03, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, "VP8 partitions"...)

	sealed, err := alice.SealFrame(nil, frame, e2ee.Video, e2ee.CodecVP8)
	if err != nil {
		panic(err)
	}
	fmt.Printf("sealed %d → %d bytes, header in clear: %v\n", len(frame), len(sealed), bytes.Equal(sealed[:10], frame[:10]))

	opened, kind, err := bob.OpenFrame(nil, sealed, e2ee.CodecVP8)
	if err != nil {
		panic(err)
	}
	fmt.Println(kind, bytes.Equal(opened, frame))
	// Output:
	// sealed 24 → 41 bytes, header in clear: true
	// video true
}
