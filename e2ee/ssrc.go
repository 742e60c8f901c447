package e2ee

import (
	"encoding/binary"
	"fmt"
)

// RTPStream names one RTP stream for per-SSRC keys (WithSSRCKeys): its SSRC
// and the media kind whose base key it derives from.
type RTPStream struct {
	SSRC uint32
	Kind MediaKind
}

// WithSSRCKeys derives a separate key chain for every RTP stream, with the
// per-SSRC key derivation of draft-ietf-avtcore-rtp-sframe ("SFrame SDP RTP
// Key Management"):
//
//	ssrc_key = HKDF-Expand(HKDF-Extract(SSRC, base_key), "SFrame 1.0 RTP Stream", Nh)
//
// from the base key of the stream's media kind. As the draft requires, this
// is done once, when the session is created, for the streams the signaling
// announced (send: the SSRCs this party sends; recv: the SSRCs the peer
// sends, the peer's send list), and each stream's key is then ratcheted on
// its own. All streams of a kind share the KID; each has its own key, CTR
// and replay window.
//
// Seal and Open then reject packets of any other SSRC, or of an SSRC under
// another kind than it was announced with, with ErrUnknownKey. Both
// parties must use the option with matching lists.
func WithSSRCKeys(send, recv []RTPStream) Option {
	return func(c *config) {
		for _, list := range [][]RTPStream{send, recv} {
			seen := make(map[uint32]bool, len(list))
			for _, st := range list {
				if st.Kind >= numKinds {
					c.err = fmt.Errorf("e2ee: SSRC %#x: invalid media kind %v", st.SSRC, st.Kind)
					return
				}
				if seen[st.SSRC] {
					c.err = fmt.Errorf("e2ee: SSRC %#x listed twice", st.SSRC)
					return
				}
				seen[st.SSRC] = true
			}
		}
		if len(send) == 0 && len(recv) == 0 {
			c.err = fmt.Errorf("e2ee: WithSSRCKeys needs at least one stream")
			return
		}
		c.perSSRC = true
		c.sendStreams = append([]RTPStream(nil), send...)
		c.recvStreams = append([]RTPStream(nil), recv...)
	}
}

// ssrcOf returns the SSRC of an RTP packet whose header parseRTP accepted.
func ssrcOf(pkt []byte) uint32 { return binary.BigEndian.Uint32(pkt[8:12]) }

// sendStream finds the send chain of an SSRC (a linear scan: a call has a
// handful of streams).
func (s *Session) sendStream(kind MediaKind, ssrc uint32) *sendChain {
	for _, sc := range s.sendStreams {
		if sc.ssrc == ssrc {
			if sc.kind != kind {
				return nil
			}
			return sc
		}
	}
	return nil
}

func (s *Session) recvStream(kind MediaKind, ssrc uint32) *recvChain {
	for _, rc := range s.recvStreams {
		if rc.ssrc == ssrc {
			if rc.kind != kind {
				return nil
			}
			return rc
		}
	}
	return nil
}
