package sframe_test

import (
	"fmt"

	"github.com/callseal/callseal/e2ee/sframe"
)

func Example() {
	baseKey := []byte("0123456789abcdef") // from your key agreement, never a constant
	sender, err := sframe.NewKey(sframe.AES_128_GCM_SHA256_128, 0x1234, baseKey)
	if err != nil {
		panic(err)
	}
	receiver, err := sframe.NewKey(sframe.AES_128_GCM_SHA256_128, 0x1234, baseKey)
	if err != nil {
		panic(err)
	}

	metadata := []byte("authenticated, not encrypted")
	frame := []byte("media frame")
	ct := sender.Seal(nil, 42, metadata, frame) // header ‖ ciphertext ‖ tag
	fmt.Printf("header %x, %d bytes of overhead\n", ct[:sframe.Header{KID: 0x1234, CTR: 42}.Size()], len(ct)-len(frame))

	pt, h, err := receiver.Open(nil, ct, metadata)
	fmt.Printf("%s KID=%#x CTR=%d %v\n", pt, h.KID, h.CTR, err)
	// Output:
	// header 9812342a, 20 bytes of overhead
	// media frame KID=0x1234 CTR=42 <nil>
}
