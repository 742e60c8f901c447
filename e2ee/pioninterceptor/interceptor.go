package pioninterceptor

import (
	"errors"
	"strings"
	"sync"

	"github.com/pion/interceptor"
)

// ErrRegistrationOrder is returned by an outgoing stream's Write for a packet
// of another SSRC than the stream's own: an RTX or FEC packet that reached
// this interceptor because it was registered before the NACK responder or the
// FEC encoder (see "Registration order" in the package doc). The packet is
// not sent.
var ErrRegistrationOrder = errors.New("pioninterceptor: RTX or FEC packet reached the E2EE interceptor; register the Factory after pion's default interceptors")

// e2eeInterceptor is the interceptor of one PeerConnection.
type e2eeInterceptor struct {
	interceptor.NoOp
	f *Factory

	// remote holds the incoming media streams, the candidates an RTX packet
	// may repair.
	remoteMu sync.RWMutex
	remote   map[uint32]*remoteStream
}

// streamRole tells the media streams from the repair streams.
type streamRole uint8

const (
	roleMedia streamRole = iota
	roleRTX              // RFC 4588 retransmission stream
	roleFEC              // FlexFEC or ULPFEC: passed through
)

func roleOf(info *interceptor.StreamInfo) streamRole {
	mime := strings.ToLower(info.MimeType)
	switch {
	case strings.HasSuffix(mime, "/rtx"):
		return roleRTX
	case strings.Contains(mime, "flexfec"), strings.HasSuffix(mime, "/ulpfec"):
		return roleFEC
	}
	return roleMedia
}

// BindLocalStream wraps the writer of an outgoing stream with one that seals
// every packet (see the package doc).
func (i *e2eeInterceptor) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	if roleOf(info) != roleMedia {
		// A stream of its own for repair packets: they repeat or combine
		// packets that were sealed on their media stream.
		return writer
	}
	return &localStream{
		f:    i.f,
		ssrc: info.SSRC,
		kind: i.f.defaultKind(info),
		next: writer,
	}
}

// BindRemoteStream wraps the reader of an incoming stream with one that opens
// every packet, or, for an RTX stream, every retransmitted payload.
func (i *e2eeInterceptor) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	switch roleOf(info) {
	case roleRTX:
		return &rtxStream{i: i, next: reader}
	case roleFEC:
		return reader
	}
	rs := &remoteStream{i: i, ssrc: info.SSRC, next: reader}
	rs.pt.Store(noPT)
	i.remoteMu.Lock()
	if i.remote == nil {
		i.remote = make(map[uint32]*remoteStream)
	}
	i.remote[info.SSRC] = rs
	i.remoteMu.Unlock()
	return rs
}

// UnbindRemoteStream forgets a stream when pion removes it.
func (i *e2eeInterceptor) UnbindRemoteStream(info *interceptor.StreamInfo) {
	i.remoteMu.Lock()
	delete(i.remote, info.SSRC)
	i.remoteMu.Unlock()
}

// repairCandidates appends the (SSRC, payload type) of every incoming media
// stream whose payload type is known, for rtxStream to try.
func (i *e2eeInterceptor) repairCandidates(dst []candidate) []candidate {
	i.remoteMu.RLock()
	defer i.remoteMu.RUnlock()
	for ssrc, rs := range i.remote {
		if pt := rs.pt.Load(); pt != noPT {
			dst = append(dst, candidate{ssrc: ssrc, pt: uint8(pt)})
		}
	}
	return dst
}

type candidate struct {
	ssrc uint32
	pt   uint8
}

// noPT marks a remote stream whose payload type is not known yet.
const noPT = 0xffff
