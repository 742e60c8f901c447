package e2ee

import "encoding/binary"

// RTPStream names one RTP stream for per-SSRC keys (Config.SendStreams and
// Config.RecvStreams): its SSRC and the media kind whose base key it
// derives from.
type RTPStream struct {
	SSRC uint32
	Kind MediaKind
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
