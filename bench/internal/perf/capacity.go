package perf

import "github.com/callseal/callseal/e2ee"

// A Stream is one media stream of a typical 1:1 call, at a typical bitrate
// (of RTP payload) and packet payload size.
type Stream struct {
	Name    string
	Kind    e2ee.MediaKind
	Bitrate float64 // bits per second of RTP payload
	Payload int     // bytes per packet
}

// PacketsPerSecond is the stream's packet rate.
func (s Stream) PacketsPerSecond() float64 { return s.Bitrate / 8 / float64(s.Payload) }

// CallStreams is what each party of the model call sends, and receives from
// the other: Opus audio in 20 ms frames, camera video and a screen share.
var CallStreams = []Stream{
	{Name: "audio", Kind: e2ee.Audio, Bitrate: 64e3, Payload: 160},                // 50 packets/s
	{Name: "video", Kind: e2ee.Video, Bitrate: 2.5e6, Payload: 1200},              // ≈260 packets/s
	{Name: "screen share", Kind: e2ee.ScreenShare, Bitrate: 1.5e6, Payload: 1400}, // ≈134 packets/s
}

// CallsPerCore returns how many concurrent calls one core carries on one
// party's side: each call sends the three CallStreams and receives them from
// the peer, so one second of a call costs
//
//	Σ over streams of packets/s × (send ns + receive ns at the stream's size)
//
// of CPU time, and a core has 10^9 ns per second. sendNs and recvNs give the
// measured per-packet cost at a payload size.
func CallsPerCore(sendNs, recvNs func(size int) float64) float64 {
	var perSecond float64 // ns of CPU per second of call
	for _, s := range CallStreams {
		perSecond += s.PacketsPerSecond() * (sendNs(s.Payload) + recvNs(s.Payload))
	}
	return 1e9 / perSecond
}
