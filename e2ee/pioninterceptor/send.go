package pioninterceptor

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/internal/rtpheader"
)

// RTP header sizes in bytes and bits (RFC 3550, Section 5.1).
const (
	rtpFixedHeaderSize = rtpheader.FixedHeaderSize // bytes
	rtpCSRCSize        = rtpheader.CSRCSize        // bytes per CSRC
	rtpMaxCSRCs        = rtpheader.MaxCSRCs

	rtpPaddingBit   = rtpheader.PaddingBit
	rtpExtensionBit = rtpheader.ExtensionBit
)

// Errors of the send path for packets pion or the app built wrongly.
var (
	errBadPadding  = fmt.Errorf("pioninterceptor: %w: padding longer than the payload", e2ee.ErrMalformed)
	errTooManyCSRC = fmt.Errorf("pioninterceptor: %w: more than 15 CSRCs", e2ee.ErrMalformed)
)

// sealBufs recycles the buffers the send path seals into. A buffer is
// returned once the next writer returns: pion's interceptors and its SRTP
// writer copy what they keep (do not combine with nack.DisableCopy).
var sealBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, 1500)
	return &b
}}

// localStream seals the packets of one outgoing media stream.
type localStream struct {
	f    *Factory
	ssrc uint32
	kind e2ee.MediaKind // from Config.KindFunc and the codec; SetStreamKind overrides
	next interceptor.RTPWriter
}

// Write seals payload under the stream's media kind and passes header and
// sealed payload on. The AAD is the header's fixed part and CSRC list with
// the X and P bits cleared (package doc); the header itself is passed on
// unchanged, so extensions and padding are marshalled as they were.
func (s *localStream) Write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	st := &s.f.stats
	sess := s.f.session.Load()
	if sess == nil {
		st.noSession.Add(1)
		return 0, nil
	}
	if h.SSRC != s.ssrc {
		st.sealFailed.Add(1)
		return 0, ErrRegistrationOrder
	}
	body, pad, err := splitPadding(h, payload)
	if err != nil {
		st.sealFailed.Add(1)
		return 0, err
	}
	if h.Padding && len(body) == 0 {
		// A padding-only packet (bandwidth probe): no media to protect.
		st.padding.Add(1)
		return s.next.Write(h, payload, a)
	}
	if len(h.CSRC) > rtpMaxCSRCs {
		st.sealFailed.Add(1)
		return 0, errTooManyCSRC
	}

	meta := rtpFixedHeaderSize + rtpCSRCSize*len(h.CSRC)
	need := meta + len(body) + sess.Overhead() + len(pad)
	bp := sealBufs.Get().(*[]byte)
	buf := *bp
	if cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	buf = appendMetadata(buf[:0], h)
	buf = append(buf, body...)
	out, err := sess.Seal(buf[:0], buf, s.f.sendKind(s.ssrc, s.kind))
	if err != nil {
		*bp = buf[:0]
		sealBufs.Put(bp)
		st.sealFailed.Add(1)
		return 0, fmt.Errorf("pioninterceptor: seal: %w", err)
	}
	out = append(out, pad...) // padding kept in the payload stays there
	n, err := s.next.Write(h, out[meta:], a)
	*bp = out[:0]
	sealBufs.Put(bp)
	if err == nil {
		st.sealed.Add(1)
	}
	return n, err
}

// splitPadding separates a payload from RTP padding that the caller put in
// the payload itself (Header.Padding with PaddingSize 0, the convention of
// older pion/rtp versions). With PaddingSize set, the padding is not in the
// payload and pion appends it when marshalling.
func splitPadding(h *rtp.Header, payload []byte) (body, pad []byte, err error) {
	if !h.Padding || h.PaddingSize != 0 || len(payload) == 0 {
		return payload, nil, nil
	}
	n := int(payload[len(payload)-1])
	if n == 0 || n > len(payload) {
		return nil, nil, errBadPadding
	}
	return payload[:len(payload)-n], payload[len(payload)-n:], nil
}

// appendMetadata appends the SFrame metadata of a packet with header h: the
// RTP fixed header and CSRC list as pion marshals them (RFC 3550,
// Section 5.1), with the P and X bits cleared.
func appendMetadata(b []byte, h *rtp.Header) []byte {
	b0 := h.Version<<6 | uint8(len(h.CSRC))
	b1 := h.PayloadType & 0x7f
	if h.Marker {
		b1 |= 0x80
	}
	b = append(b, b0, b1)
	b = binary.BigEndian.AppendUint16(b, h.SequenceNumber)
	b = binary.BigEndian.AppendUint32(b, h.Timestamp)
	b = binary.BigEndian.AppendUint32(b, h.SSRC)
	for _, c := range h.CSRC {
		b = binary.BigEndian.AppendUint32(b, c)
	}
	return b
}
