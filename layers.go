package callseal

import "github.com/callseal/callseal/e2ee/sframe"

// kidKindBits is how many low KID bits carry the media kind in package
// e2ee's SFrame KIDs, (epoch mod 2^e2ee.EpochBits)<<2 | kind; see the e2ee
// package documentation, "Keys".
const kidKindBits = 2

// sealedEpoch returns the epoch bits of the SFrame KID in a sealed RTP
// packet, to count rekeys. It parses only the SFrame header; the receive
// loop counts the epoch only once Open has authenticated the packet.
func sealedEpoch(pkt []byte) (epoch uint64, ok bool) {
	off, ok := rtpPayloadOffset(pkt)
	if !ok {
		return 0, false
	}
	h, _, err := sframe.ParseHeader(pkt[off:])
	if err != nil {
		return 0, false
	}
	return h.KID >> kidKindBits, true
}
