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

// DTLS-SRTP: both ends export the same keying material from their DTLS
// handshake (RFC 5764, Section 4.2) and split it by role; the client's
// local keys are the server's remote keys. RTCP is protected too.
func ExampleKeysFromDTLS() {
	p := srtp.DefaultProfile
	// With pion/dtls: state.ExportKeyingMaterial(srtp.DTLSExporterLabel, nil, n).
	material := bytes.Repeat([]byte{0x42, 0x17}, p.KeySize()+p.SaltSize()) // 56 bytes for AES-128-GCM
	material[0] ^= 1                                                       // client and server write keys differ

	cl, cr, err := srtp.KeysFromDTLS(p, material, true)
	if err != nil {
		log.Fatal(err)
	}
	sl, sr, err := srtp.KeysFromDTLS(p, material, false)
	if err != nil {
		log.Fatal(err)
	}
	client, err := srtp.NewSession(p, cl, cr)
	if err != nil {
		log.Fatal(err)
	}
	server, err := srtp.NewSession(p, sl, sr)
	if err != nil {
		log.Fatal(err)
	}

	// An RTCP receiver report with no report blocks (RFC 3550, Section 6.4.2).
	rr := []byte{0x80, 201, 0, 1, 0, 0, 0xbe, 0xef}
	srtcp, err := client.ProtectRTCP(nil, rr)
	if err != nil {
		log.Fatal(err)
	}
	got, err := server.UnprotectRTCP(nil, srtcp)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d material bytes; RTCP %d → SRTCP %d bytes; opened equal: %v\n",
		len(material), len(rr), len(srtcp), bytes.Equal(got, rr))
	// Output:
	// 56 material bytes; RTCP 8 → SRTCP 28 bytes; opened equal: true
}
