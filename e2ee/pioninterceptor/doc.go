// Package pioninterceptor puts callseal's end-to-end layer (package e2ee) into
// any pion/webrtc call as a pion interceptor: every outgoing RTP packet of a
// bound stream is sealed with SFrame (RFC 9605) before pion's transport
// DTLS-SRTP protects it, and every incoming one is opened after SRTP
// unprotect, so the app, relays and SFUs see RTP headers as usual but only the
// two endpoints can read the media.
//
//	f := pioninterceptor.NewFactory()
//	m := &webrtc.MediaEngine{}
//	_ = m.RegisterDefaultCodecs()
//	ir := &interceptor.Registry{}
//	_ = webrtc.RegisterDefaultInterceptors(m, ir)
//	ir.Add(f) // last: see "Registration order"
//	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir))
//	pc, _ := api.NewPeerConnection(webrtc.Configuration{})
//	// ... run the keyexchange handshake over a data channel or signaling ...
//	sess, _ := e2ee.NewSession(result) // once per handshake
//	_ = f.SetSession(sess)             // media flows from here on
//
// # Keys
//
// The handshake usually runs after the PeerConnection exists (over one of
// its data channels, or over the app's signaling), so a Factory starts
// without keys and receives its *e2ee.Session later with SetSession. Until
// then its interceptors drop all media: outgoing packets are discarded
// (Write reports success with 0 bytes, so pion's tracks keep working) and
// incoming packets are read and discarded. Nothing is ever sent or delivered
// unencrypted, and no packet is buffered. Stats counts the drops.
//
// A Factory keys every interceptor it creates, that is every PeerConnection
// built from an API whose registry holds it: use one Factory, registry and
// API per call (they are cheap). Rekeying needs no interceptor support:
// Session.Rekey moves the send keys that have sealed to the next epoch and
// the peer follows from the KID; SetSession may also replace the session, for example after a
// new handshake.
//
// A session keys one Factory: SetSession claims it (e2ee.Session.Claim) and
// refuses, with e2ee.ErrSessionInUse, a session that another Factory or a
// callseal.Session uses. An ICE restart keeps the PeerConnection and its
// interceptors, and so the Factory's session, whose send counters and
// replay windows carry on over the new candidate pair; a new PeerConnection
// needs a new handshake, a new session and a new Factory.
//
// A Factory prints and logs (fmt, log/slog) only its session's redacted
// form (e2ee.Session.String), never a key.
//
// # Media kinds
//
// Each direction has a key per media kind (e2ee.Audio, Video, ScreenShare).
// The receiver learns the kind from the SFrame KID, so only the sender
// chooses it, per local stream, in this order: an SSRC registered with
// Factory.SetStreamKind or Factory.RegisterSender (which applies the track ID
// rule: a track ID starting with Config.ScreenSharePrefix, "screen"
// by default, is ScreenShare), then Config.KindFunc, then the codec: an "audio/"
// MIME type is Audio, anything else Video. pion's StreamInfo does not carry
// the track ID (its ID is the RTPSender's), which is why screen share needs
// RegisterSender or SetStreamKind right after AddTrack.
//
// # Registration order
//
// pion's interceptor.Registry.Build returns an interceptor.Chain of the
// factories' interceptors in the order they were added. Chain.BindLocalStream
// wraps the transport writer with each interceptor in that order, so the
// first-registered interceptor is innermost (next to SRTP) and the
// last-registered outermost: an outgoing packet passes the interceptors in
// reverse registration order. Chain.BindRemoteStream wraps the transport
// reader the same way, so an incoming packet passes them in registration
// order.
//
// Register the Factory last, after webrtc.RegisterDefaultInterceptors and
// any other interceptor. Then on send it is the first to see the app's packet
// and seals it before anything else touches it: the NACK responder buffers
// sealed packets (so retransmissions carry ciphertext), and interceptors
// that add header extensions (TWCC, abs-send-time) do so after sealing.
// On receive it is the last: the NACK generator, TWCC feedback, RTCP reports
// and stats see every packet as it arrived, including those this package
// then drops, and the app gets the opened packet. Nothing may rewrite
// payloads between the app and this interceptor, since only what it seals is
// protected.
//
// Registered before the NACK responder instead, it would see the responder's
// RTX retransmissions: it refuses packets whose SSRC is not the stream's own
// (the Write fails with ErrRegistrationOrder, nothing is sent), so a wrong
// order shows up as failed retransmissions rather than as a leak.
//
// # Retransmissions (RTX)
//
// The NACK responder stores the sealed packet. Without RTX (RFC 4588) it
// resends it unchanged, and the receiver opens it like the original (its
// counter is new to the replay window, since the original was lost). With
// RTX the retransmission is a packet of the RTX SSRC and payload type whose
// payload is the original sequence number (OSN, 2 bytes) followed by the
// original, sealed payload. pion reads the RTX stream through the
// interceptor chain and only afterwards unwraps it into the original stream,
// so on the RTX stream this interceptor rebuilds the original header (the
// original SSRC and payload type of the stream the packet repairs, sequence
// number = OSN, marker, timestamp and CSRCs as in the RTX packet, RFC 4588,
// Section 4), opens the payload against it, and hands pion the RTX packet
// with the payload opened, OSN in front. A retransmission of a packet that
// did arrive is a replay and is dropped. The original payload type is learnt
// from the repaired stream's packets (pion's receive-side StreamInfo does not
// carry it), so an RTX packet that arrives before any packet of its stream
// cannot be opened and is dropped; the NACK generator asks again.
// Forward-error-correction streams (FlexFEC, ULPFEC) are passed through: they
// protect the sealed packets.
//
// # What the interceptor authenticates
//
// Interceptors registered before this one may add or rewrite RTP header
// extensions after sealing (TWCC's transport-wide sequence number,
// abs-send-time), which sets the X bit, and pion may pad packets. So the
// interceptor authenticates the RTP fixed header and CSRC list with the X and
// P bits cleared: header extensions, whether there are any, and RTP padding
// are neither encrypted nor authenticated, as e2ee does for
// extensions. Everything else the e2ee package documents holds: payload
// confidentiality and integrity; integrity of version, CC, marker, payload
// type, sequence number, timestamp, SSRC and CSRCs; replay protection.
// Because of the cleared bits, a packet sealed here opens with e2ee.Open only
// once its extensions and padding are removed and X and P cleared, which the
// interceptor on the other side does.
//
// Padding-only packets (pion's GeneratePadding, bandwidth probes) carry no
// media: they are sent as they are and dropped on receive. A padded media
// packet is sealed without its padding, which is then appended again.
//
// # Concurrency
//
// A Factory and its interceptors are safe for concurrent use: several
// goroutines may write to a stream while NACK retransmissions, SetSession,
// Rekey and reads go on. The send path allocates nothing per packet: it seals
// into a pooled buffer that it reuses once the next writer returns, as
// pion's own writers and interceptors copy what they keep (the one exception,
// nack.DisableCopy, must not be combined with this interceptor). The receive
// path opens in place in pion's read buffer.
package pioninterceptor
