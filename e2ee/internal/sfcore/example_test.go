package sfcore_test

import (
	"fmt"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
)

// Example seals a frame under a key and opens it with a Scratch of the
// caller's, the header parsed first, as package e2ee does for every RTP
// packet.
func Example() {
	k, err := sfcore.NewKey(sfcore.SuiteAES128GCMSHA256_128, 1, []byte("base key"))
	if err != nil {
		panic(err)
	}
	var s sfcore.Scratch
	meta := []byte("rtp header..") // 12 bytes of metadata
	pt := []byte("hello")
	sf := make([]byte, k.Overhead(42)+len(pt))
	k.Seal(&s, sf, 42, meta, pt)

	h, hlen, err := sfcore.ParseHeader(sf)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(sf)-k.Overhead(h.CTR))
	if err := k.Open(&s, out, sf, meta, h.CTR); err != nil {
		panic(err)
	}
	fmt.Printf("%s (KID %d, CTR %d, %d-byte header)\n", out, h.KID, h.CTR, hlen)
	// Output: hello (KID 1, CTR 42, 2-byte header)
}
