package pioninterceptor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/pion/interceptor"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/internal/rtpheader"
)

// Errors of the receive path. They never reach the app (the packet is
// dropped and counted in Stats); they are errors so that tests can name them.
var (
	errShortRTP    = fmt.Errorf("pioninterceptor: %w: RTP packet shorter than its header", e2ee.ErrMalformed)
	errRTPVersion  = fmt.Errorf("pioninterceptor: %w: RTP version is not 2", e2ee.ErrMalformed)
	errRTPPadding  = fmt.Errorf("pioninterceptor: %w: bad RTP padding", e2ee.ErrMalformed)
	errNoPayload   = errors.New("pioninterceptor: no payload (padding only)")
	errNoCandidate = fmt.Errorf("pioninterceptor: %w: RTX packet for no known stream", e2ee.ErrUnknownKey)
)

// savedHeaderSize is how much of an incoming packet's header (fixed header,
// CSRCs, extension) the receive path saves on the stack; a longer header is
// saved on the heap.
const savedHeaderSize = 128 // bytes

// remoteStream opens the packets of one incoming media stream.
type remoteStream struct {
	i    *e2eeInterceptor
	ssrc uint32
	pt   atomic.Uint32 // payload type of the last opened packet, or noPT
	next interceptor.RTPReader
}

// Read reads packets from the next reader until one opens, and returns it
// with its payload opened, in b. Packets that do not open are dropped and
// counted; errors of the next reader are returned as they are.
func (r *remoteStream) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	return readOpened(r.i.f, r.next, b, a, r)
}

// openPacket opens a media packet in place and records its payload type.
func (r *remoteStream) openPacket(sess *e2ee.Session, pkt []byte) (int, error) {
	m, err := openInPlace(sess, pkt)
	if err == nil {
		r.pt.Store(uint32(rtpheader.PayloadType(pkt)))
	}
	return m, err
}

// packetOpener opens one received packet in place and returns its length.
type packetOpener interface {
	openPacket(sess *e2ee.Session, pkt []byte) (int, error)
}

var (
	_ packetOpener = (*remoteStream)(nil)
	_ packetOpener = (*rtxStream)(nil)
)

// readOpened reads packets from next until o opens one in place, and
// returns its length. Packets that do not open (no session yet, padding
// only, or any open error) are dropped and counted in f's stats; errors of
// next are returned as they are.
func readOpened(f *Factory, next interceptor.RTPReader, b []byte, a interceptor.Attributes, o packetOpener) (int, interceptor.Attributes, error) {
	st := &f.stats
	for {
		n, attr, err := next.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		// A dropped packet's attributes (pion caches its parsed header
		// there) must not reach the next read.
		a = nil
		sess := f.session.Load()
		if sess == nil {
			st.noSession.Add(1)
			continue
		}
		m, err := o.openPacket(sess, b[:n])
		switch {
		case errors.Is(err, errNoPayload):
			st.padding.Add(1)
			continue
		case err != nil:
			st.dropped(err)
			continue
		}
		st.opened.Add(1)
		return m, attr, nil
	}
}

// rtpLayout locates the parts of a marshalled RTP packet:
//
//	pkt[:meta]     fixed header and CSRC list
//	pkt[meta:off]  header extension, if X
//	pkt[off:end]   payload
//	pkt[end:]      padding, if P
type rtpLayout struct {
	meta, off, end int
}

// parseRTP checks and locates the parts of an RTP packet with
// rtpheader.Parse (RFC 3550, Sections 5.1 and 5.3.1): version 2, complete
// CSRC list and extension, and with P a padding count within the payload.
// Its errors wrap e2ee.ErrMalformed.
func parseRTP(pkt []byte) (rtpLayout, error) {
	l, err := rtpheader.Parse(pkt)
	switch err {
	case nil:
		return rtpLayout{meta: l.MetaEnd, off: l.PayloadOff, end: l.PayloadEnd}, nil
	case rtpheader.ErrVersion:
		return rtpLayout{}, errRTPVersion
	case rtpheader.ErrPadding:
		return rtpLayout{}, errRTPPadding
	default:
		return rtpLayout{}, errShortRTP
	}
}

// openInPlace opens the sealed packet pkt in place and returns the length
// of the opened packet: the same header bytes (extension included), the
// opened payload, the same padding. The AAD is the fixed header and CSRC
// list with X and P cleared (package doc). On error pkt's contents are
// undefined.
//
// Layout while opening: the saved metadata, with X and P cleared, is moved
// to just before the payload, over the extension, so that metadata ‖ payload
// is contiguous and e2ee.Session.Open can work in place; the header is put
// back afterwards.
func openInPlace(sess *e2ee.Session, pkt []byte) (int, error) {
	l, err := parseRTP(pkt)
	if err != nil {
		return 0, err
	}
	if l.end == l.off {
		return 0, errNoPayload
	}
	var stack [savedHeaderSize]byte
	hdr := stack[:0]
	if l.off > len(stack) {
		hdr = make([]byte, 0, l.off)
	}
	hdr = append(hdr, pkt[:l.off]...)

	start := l.off - l.meta
	copy(pkt[start:], hdr[:l.meta])
	pkt[start] &^= rtpPaddingBit | rtpExtensionBit
	out, _, err := sess.Open(pkt[start:start], pkt[start:l.end])
	if err != nil {
		return 0, err
	}
	m := l.off + len(out) - l.meta // the opened payload ends here
	copy(pkt, hdr)
	m += copy(pkt[m:], pkt[l.end:]) // padding, moved up
	return m, nil
}

// rtxStream opens the retransmitted payloads of an incoming RTX stream
// (RFC 4588): see "Retransmissions" in the package doc.
type rtxStream struct {
	i    *e2eeInterceptor
	next interceptor.RTPReader
}

// rtxOSNSize is the size of the original sequence number that starts an RTX
// payload (RFC 4588, Section 4).
const rtxOSNSize = 2 // bytes

// Read reads RTX packets from the next reader until one opens, and returns
// it in b as an RTX packet whose payload is OSN ‖ opened original payload,
// for pion to unwrap.
func (r *rtxStream) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	return readOpened(r.i.f, r.next, b, a, r)
}

// openPacket opens an RTX packet in place (see open) and counts it.
func (r *rtxStream) openPacket(sess *e2ee.Session, pkt []byte) (int, error) {
	m, err := r.open(sess, pkt)
	if err == nil {
		r.i.f.stats.openedRTX.Add(1)
	}
	return m, err
}

// open opens the RTX packet pkt in place. The original header is rebuilt
// for each incoming media stream in turn (an RTX payload type maps to one
// original payload type, but pion's StreamInfo does not say which stream an
// RTX SSRC repairs); a wrong guess fails authentication and leaves the
// session unchanged. A call has a handful of streams, and RTX is rare.
func (r *rtxStream) open(sess *e2ee.Session, pkt []byte) (int, error) {
	l, err := parseRTP(pkt)
	if err != nil {
		return 0, err
	}
	if l.end-l.off <= rtxOSNSize {
		return 0, errNoPayload // a padding probe on the RTX stream
	}
	osn := pkt[l.off : l.off+rtxOSNSize]
	sealed := pkt[l.off+rtxOSNSize : l.end]

	var stack [4]candidate
	cands := r.i.repairCandidates(stack[:0])
	if len(cands) == 0 {
		return 0, errNoCandidate
	}
	bp := sealBufs.Get().(*[]byte)
	defer sealBufs.Put(bp)
	buf := *bp
	var replay, last error
	for _, c := range cands {
		buf = append(buf[:0], pkt[:l.meta]...)
		buf[0] &^= rtpPaddingBit | rtpExtensionBit
		buf[1] = buf[1]&0x80 | c.pt
		buf[2], buf[3] = osn[0], osn[1]
		binary.BigEndian.PutUint32(buf[8:], c.ssrc)
		buf = append(buf, sealed...)
		out, _, err := sess.Open(buf[:0], buf)
		if err == nil {
			m := l.off + rtxOSNSize
			m += copy(pkt[m:], out[l.meta:])
			m += copy(pkt[m:], pkt[l.end:]) // padding, moved up
			*bp = buf[:0]
			return m, nil
		}
		if errors.Is(err, e2ee.ErrReplay) {
			replay = err
		}
		last = err
	}
	*bp = buf[:0]
	if replay != nil {
		return 0, replay
	}
	return 0, last
}
