// Package callseal is the façade a calling app imports: a Session runs one
// end-to-end encrypted 1:1 call over a packet transport, with both of
// callseal's layers for every RTP packet of its audio, video and screen
// share streams.
//
//	send:    RTP ─▶ e2ee.Seal (SFrame, RFC 9605) ─▶ srtp.ProtectRTP ─▶ Transport.Write
//	receive: Transport.Read ─▶ srtp.UnprotectRTP ─▶ e2ee.Open ─▶ the stream's ReadRTP
//
// RTCP (WriteRTCP, ReadRTCP) is protected by transport SRTP only, so relays
// can read and write it (RFC 3711, Section 3.4).
//
// # Setting up a call
//
// Run the handshake (package keyexchange) over the app's signaling channel,
// then pass its Result to New with a Transport: a connected *net.UDPConn,
// PacketConn for any net.PacketConn and peer address, or anything that
// carries one packet per Read and Write. The receive loop reads a UDP
// socket (a *net.UDPConn, or PacketConn's Transport for one) in batches:
// one recvmmsg system call returns up to 8 queued datagrams on Linux (one
// per call on other systems); writes send one datagram per WriteRTP.
// Config.SRTP says where the transport SRTP keys come from: the handshake
// (DirectKeys, the default, for a peer-to-peer call where nobody terminates
// SRTP), DTLS-SRTP keying material (DTLSKeys, RFC 5764) or explicit keys for
// a hop to a relay (HopKeys). Both parties show CheckNumber to their users,
// who compare it.
//
// A Session, a KeySource and so a Config never print or log keys: fmt
// (every verb) and log/slog (LogValue) show the policy decision, the SRTP
// profile and the overhead, and "[redacted]". Nor do they show the check
// number: show it to the users, do not log it.
//
// # Policy
//
// The handshake carries both parties' E2EE policy (package policy) and
// decides, for both alike, whether the call is end-to-end encrypted. When it
// is not, the same Session runs on transport SRTP only: E2EE reports false
// and the reason, and Rekey fails with ErrE2EEOff. Received packets then
// carry no authenticated media kind, so Config.Classify sorts them into
// streams by SSRC and payload type; New fails with ErrNoClassifier without
// it.
//
// CheckNumber is the same as with E2EE, and the users must compare it all
// the more: it is what authenticates the decision. A man in the middle on
// the signaling path can run a handshake with each party and claim in each
// that the other is under compliance recording; both calls then run
// without E2EE, on transport SRTP that a relay terminates, and only the
// differing check numbers reveal it. Show "end-to-end encryption is off:
// <reason> — compare the number to confirm".
//
// A party that must not run a call without E2EE sets
// policy.Party.RequireE2EE in its keyexchange.Config: when E2EE is off,
// the decision is then Refused on both sides, Handshake.Result's
// *keyexchange.PolicyError also matches keyexchange.ErrE2EERequired, and
// New refuses the Result with an error that wraps it.
//
// # Streams
//
// Stream(kind) returns the Audio, Video or ScreenShare stream. WriteRTP
// takes a marshalled RTP packet (the app's packetizer chooses SSRC, sequence
// numbers and timestamps) and sends it through both layers; ReadRTP returns
// the next packet received on that stream, with both layers removed. In an
// E2EE call a received packet's stream is its SFrame key's media kind, which
// the peer cannot lie about without failing authentication.
//
// A Session runs one goroutine that reads the transport, unprotects and
// opens each packet and queues it on its stream (Config.QueueLength packets,
// DefaultQueueLength by default). A full queue drops the newest packet and
// counts it in Stats (Overflows): for real-time media, dropping beats
// stalling the other streams. Close stops the goroutine.
//
// # Sizes
//
// A packet grows on the wire by the E2EE overhead (at most e2ee
// Session.Overhead, 17-21 bytes with the default SFrame suite) plus the
// transport overhead (srtp.Profile.RTPOverhead: 16 bytes for AES-GCM, 10 for
// AES_CM_128_HMAC_SHA1_80); Overhead reports the sum's upper bound. RTCP
// grows by srtp.Profile.RTCPOverhead (20 or 14 bytes). A received datagram
// may be up to MaxPacketSize bytes.
//
// # Errors
//
// Write and Read methods return ErrClosed after Close. Packets that fail to
// unprotect or open are dropped, never returned, and counted per stream in
// Stats (authentication failures per layer, replays, malformed). Errors from
// New and WriteRTP wrap the layer's sentinel errors (srtp.ErrMalformed,
// e2ee.ErrMalformed, ...) for errors.Is. One pattern of drops is reported to
// readers as well: when TransportAuthFailureLimit packets have failed
// transport SRTP authentication and none has passed it, the two sides'
// SRTP profiles or keys differ, and ReadRTP and ReadRTCP return
// ErrTransportAuth (once per stream) rather than wait forever.
// ReadRTPContext and ReadRTCPContext give up when their context is done.
//
// # One handshake, one Session
//
// New takes the Result's media and transport secrets (the Result keeps only
// the SAS and exporter secrets, until Result.Wipe), so a second New from the
// same Result fails with keyexchange.ErrSecretsTaken: two sessions under the
// same keys would reuse nonces. A call that moves to a new socket or network
// path (ICE restart, network change) keeps its Session: SetTransport closes
// the old Transport and continues on the new one with the same keys, SRTP
// indexes and SFrame counters. Anything else needs a new handshake.
//
// # Concurrency
//
// A Session and its Streams are safe for concurrent use. Writes on different
// streams run in parallel; writes on one stream are serialized, and packets of
// one SSRC must be written in sequence-number order (the SRTP rollover counter
// follows them). Any number of goroutines may read a stream; each packet goes
// to one of them. Rekey, SetTransport and Stats may be called at any time.
//
// # Allocation
//
// After the first packets of each stream (which size the reused buffers),
// WriteRTP, ReadRTP, WriteRTCP, ReadRTCP and the receive loop allocate
// nothing per packet, provided the Transport does not and ReadRTP's dst has
// the capacity.
package callseal
