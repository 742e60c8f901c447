//go:build libsrtp && cgo

package libsrtp_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/callseal/callseal/srtp"
	"github.com/callseal/callseal/srtp/internal/libsrtp"
)

// A packet protected by package srtp is unprotected by libsrtp.
func ExampleContext() {
	p := srtp.AES_CM_128_HMAC_SHA1_80
	send := srtp.Keys{MasterKey: bytes.Repeat([]byte{1}, p.KeySize()), MasterSalt: bytes.Repeat([]byte{2}, p.SaltSize())}
	recv := srtp.Keys{MasterKey: bytes.Repeat([]byte{3}, p.KeySize()), MasterSalt: bytes.Repeat([]byte{4}, p.SaltSize())}
	ours, err := srtp.NewSession(p, send, recv)
	if err != nil {
		log.Fatal(err)
	}
	lib, err := libsrtp.NewContext(p, send, true, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer lib.Close()

	rtp := append([]byte{0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9}, "hello"...)
	prot, err := ours.ProtectRTP(nil, rtp)
	if err != nil {
		log.Fatal(err)
	}
	got, err := lib.UnprotectRTP(prot)
	fmt.Printf("%d → %d bytes; libsrtp: %q, %v\n", len(rtp), len(prot), got[12:], err)
	// Output:
	// 17 → 27 bytes; libsrtp: "hello", <nil>
}
