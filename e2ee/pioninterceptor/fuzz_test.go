package pioninterceptor

import (
	"bytes"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// FuzzReceive feeds arbitrary packets to a media and an RTX stream: nothing
// panics, only authentic packets are delivered, and the delivered packet
// keeps the input's header.
func FuzzReceive(f *testing.F) {
	sa, sb := sessionPair(f)
	alice := NewFactory()
	if err := alice.SetSession(sa); err != nil {
		f.Fatal(err)
	}
	ia, _ := alice.NewInterceptor("")
	var seeds [][]byte
	w := ia.BindLocalStream(&interceptor.StreamInfo{SSRC: ssrcCam, MimeType: webrtc.MimeTypeVP8},
		interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
			b, err := marshal(h, payload)
			seeds = append(seeds, b)
			return len(b), err
		}))
	h := &rtp.Header{Version: 2, PayloadType: ptVP8, SSRC: ssrcCam, SequenceNumber: 7, CSRC: []uint32{1}}
	_ = h.SetExtension(1, []byte{1, 2, 3})
	h.Padding, h.PaddingSize = true, 5
	_, _ = w.Write(h, []byte("vp8 frame"), nil)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte{0x80, ptRTX, 0, 1, 0, 0, 0, 0, 0x11, 0x11, 0, 2, 0x03, 0xe8})

	bob := NewFactory()
	if err := bob.SetSession(sb); err != nil {
		f.Fatal(err)
	}
	ib, _ := bob.NewInterceptor("")
	media, rtxInfo := remoteVideoInfos()
	f.Fuzz(func(t *testing.T, pkt []byte) {
		for _, info := range []*interceptor.StreamInfo{media, rtxInfo} {
			done := false
			r := ib.BindRemoteStream(info, interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
				if done {
					return 0, nil, errEnd
				}
				done = true
				return copy(b, pkt), a, nil
			}))
			buf := make([]byte, 2048)
			n, _, err := r.Read(buf, nil)
			if err != nil {
				continue
			}
			l, perr := parseRTP(pkt)
			if perr != nil || !bytes.Equal(buf[:l.off], pkt[:l.off]) || n >= len(pkt) {
				t.Fatalf("delivered %x from %x", buf[:n], pkt)
			}
		}
	})
}
