package rtpheader_test

import (
	"fmt"

	"github.com/callseal/callseal/internal/rtpheader"
)

func ExampleParse() {
	pkt := []byte{
		0x91, 96, 0, 1, // V=2, X, 1 CSRC; PT 96, sequence number 1
		0, 0, 0, 160, // timestamp
		0, 0, 0, 42, // SSRC
		0, 0, 0, 7, // CSRC
		0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0, // extension: one 32-bit word
		'h', 'i', // payload
	}
	l, err := rtpheader.Parse(pkt)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("SSRC %d, %d CSRC, payload %q\n", rtpheader.SSRC(pkt), l.CSRCs(), pkt[l.PayloadOff:l.PayloadEnd])
	_, err = rtpheader.Parse(pkt[:20])
	fmt.Println(err)
	// Output:
	// SSRC 42, 1 CSRC, payload "hi"
	// rtpheader: RTP packet shorter than its header
}
