// Package pionframe runs callseal's end-to-end layer in frame mode
// (e2ee.Session.SealFrame, OpenFrame) in a pion/webrtc call: each encoded
// frame is sealed with SFrame (RFC 9605) before pion packetizes it, and
// opened after the frames are rebuilt from the RTP packets, the way a
// browser's encoded transform does it. A call with a browser uses it on the
// Go side, since a browser can reach only whole frames.
//
//	fr := pionframe.New()
//	track, _ := fr.NewTrack(e2ee.Video, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "camera", "callseal")
//	_, _ = pc.AddTrack(track)
//	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
//		r, _ := fr.NewReader(t)
//		for {
//			s, kind, err := r.ReadSample() // opened frames only
//			...
//		}
//	})
//	// ... the keyexchange handshake over a data channel ...
//	_ = fr.SetSession(sess) // media flows from here on
//	_ = track.WriteSample(media.Sample{Data: frame, Duration: d})
//
// # Policy
//
// As with package e2ee/pioninterceptor, nothing is sent or delivered in
// clear: until SetSession, Track.WriteSample drops each frame (and returns
// nil, so the app's media loop keeps running) and Reader.ReadSample drops
// each frame it rebuilds; Stats counts them. A frame that fails to open
// (e2ee.ErrAuth, ErrReplay, ErrUnknownKey, ErrMalformed) is dropped and
// counted; ReadSample returns only opened frames, and the error of the
// track itself (io.EOF when the track ends). A session keys one Frames
// (e2ee.Session.Claim): SetSession refuses, with e2ee.ErrSessionInUse, a
// session another owner uses.
//
// # Codecs
//
// The codec comes from the track's MIME type: Opus (e2ee.CodecOpus: nothing
// in clear) and VP8 (e2ee.CodecVP8: the 10- or 3-byte payload header in
// clear, which a receiver's depacketizer and decoder read before the frame
// is opened). Other codecs are refused with ErrUnsupportedCodec rather than
// sent with bytes a packetizer needs encrypted. Received packets are
// rebuilt into frames by pion's samplebuilder with codecs.OpusPacket or
// codecs.VP8Packet; padding-only packets (which Chrome sends to probe
// bandwidth) go through the samplebuilder, which skips them, and an empty
// frame is dropped and counted as padding.
//
// # Negotiation
//
// Announce adds the media-level attribute a=callseal-sframe:frame (or
// :packet, for the per-packet interceptor) to each audio and video section
// of a session description, in the spirit of draft-ietf-avtcore-rtp-sframe's
// a=sframe; PeerModes reads it from the peer's. Enforce fails closed: when
// the peer's description lacks the wanted mode on a section and E2EE is
// required, the section's transceiver is stopped (an answer made afterwards
// marks the section inactive) and an error wrapping ErrPeerNotCapable is
// returned; no frame is ever sent to that peer in clear.
//
// # Concurrency
//
// A Frames, its Tracks and Readers are safe for concurrent use; one
// goroutine should read each Reader (ReadSample calls are serialized).
// WriteSample seals into the track's own buffer under the track's mutex
// (pion's packetizer copies the frame), so it allocates nothing per frame
// beyond pion's packets.
package pionframe
