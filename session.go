package callseal

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
	"github.com/callseal/callseal/verify"
)

// Tuning defaults.
const (
	// DefaultQueueLength is how many received packets each stream, and
	// RTCP, buffers for ReadRTP (ReadRTCP) unless Config.QueueLength says
	// otherwise: about 1.5 s of 30 fps video at 5 packets a frame.
	DefaultQueueLength = 256 // packets

	// bufferSize is the initial capacity of each reused packet buffer, in
	// bytes: a 1500-byte Ethernet MTU. Buffers grow once for larger packets.
	bufferSize = 1500 // bytes
)

// Config configures New. Transport is always required, and Classify when
// the call runs without E2EE (the Result's Decision().E2EE is false, as for
// every transport-only call): New returns ErrNoClassifier without it. The
// zero Config is therefore refused (nil Transport), never half-used.
type Config struct {
	// Transport carries the packets; the Session owns it and closes it.
	Transport Transport

	// SRTP is where the transport SRTP keys come from. The zero value is
	// DirectKeys(srtp.DefaultProfile): from the handshake.
	SRTP KeySource

	// E2EE configures the E2EE layer (e2ee.NewSession), such as the
	// SFrame cipher suite; the zero value is e2ee's default. Both parties
	// must use the same cipher suite.
	E2EE e2ee.Config

	// Classify names the stream of a received packet from its SSRC and
	// payload type, which the app knows from its signaling (SDP). It is
	// required when the call runs without E2EE (New returns
	// ErrNoClassifier otherwise), and used only then: with E2EE, the
	// authenticated SFrame key names the stream. Packets for which it
	// returns false are dropped (counted as Unattributed). An app that
	// accepts transport-only calls sets it always, since it learns whether
	// E2EE is on only from the handshake.
	Classify func(ssrc uint32, payloadType uint8) (kind MediaKind, ok bool)

	// QueueLength is how many received packets each stream buffers;
	// 0 means DefaultQueueLength.
	QueueLength int
}

// layers are the two cryptographic layers of a Session.
type layers struct {
	inner *e2ee.Session // nil when policy turned E2EE off
	outer *srtp.Session
}

// A Session is one party's side of a call: the handshake's result, the E2EE
// layer (unless policy turned it off) and the transport SRTP layer, for an
// Audio, a Video and a ScreenShare stream and RTCP over one Transport.
//
// A Session is safe for concurrent use; see the package documentation for
// the details, and for what allocates. Close it when the call ends.
type Session struct {
	decision    policy.Decision
	checkNumber string
	overhead    int
	classify    func(uint32, uint8) (MediaKind, bool)

	// transport is the current Transport; SetTransport replaces it.
	transport atomic.Pointer[transportBox]

	profile srtp.Profile

	// The layers; nil after Close. Writers load them under their stream's
	// mutex, the receive loop once when it starts.
	layers atomic.Pointer[layers]
	// inner is the E2EE layer (nil when E2EE is off), kept after Close for
	// Stats, which reads its epochs.
	inner *e2ee.Session

	streams [NumKinds]Stream
	rtcp    Stream

	unattributed streamCounters
	authWatch    authWatch // ErrTransportAuth for readers

	closed atomic.Bool
	// loop is the receive loop; SetTransport starts a new one if the last
	// one ended because its Transport failed.
	loop     atomic.Pointer[recvLoop]
	loopMu   sync.Mutex // orders a loop's end against SetTransport's swap
	closeMu  sync.Mutex // serialises Close and SetTransport
	closeErr error
}

// transportBox holds a Transport for atomic replacement.
type transportBox struct{ t Transport }

// recvLoop is one run of the receive loop.
type recvLoop struct {
	done  chan struct{} // closed when the loop ends
	err   error         // why it ended; written before done is closed
	ended bool          // the loop decided to end; guarded by Session.loopMu
}

// New starts a Session for the call whose handshake produced res, on
// cfg.Transport. res.Decision() says whether the call is end-to-end
// encrypted: pass the Result that Handshake.Result returns together with a
// *keyexchange.PolicyError as well, and the Session runs on transport SRTP
// only (cfg.Classify is then required; ErrNoClassifier).
//
// When the decision is Refused (a party requires E2EE, and it is off), New
// refuses the Result: the error wraps the *keyexchange.PolicyError
// (errors.As) and matches keyexchange.ErrE2EERequired (errors.Is). Show
// its reason and verify.CheckNumber(res) instead of running the call.
//
// New takes res's secrets: the media secrets for the E2EE layer and the
// transport secrets for DirectKeys (with other key sources it erases them
// unused), and erases any the Session does not need
// (keyexchange.Result.DropSecrets). One Result keys one Session: a second
// New with the same Result, whatever the key source, returns an error
// wrapping keyexchange.ErrSecretsTaken, since two sessions under the same
// keys would reuse nonces. To move the call to a new socket or network path
// keep the Session and call SetTransport; anything else needs a new
// handshake.
//
// New starts the receive goroutine; Close stops it. On error nothing is
// started and the Transport is not closed. Errors about the arguments
// (ErrInvalidConfig: nil Result or Transport, QueueLength, a KeySource with
// bad DTLS keying material or an unsupported profile; ErrNoClassifier;
// ErrKeySourceUsed) leave res as it was; after any other error res's media and transport secrets are
// erased all the same, and the call needs a new handshake.
func New(res *keyexchange.Result, cfg Config) (*Session, error) {
	if res == nil {
		return nil, fmt.Errorf("%w: nil keyexchange.Result", ErrInvalidConfig)
	}
	if d := res.Decision(); d.Refused {
		return nil, fmt.Errorf("callseal: %w", &keyexchange.PolicyError{Decision: d})
	}
	if cfg.Transport == nil {
		return nil, fmt.Errorf("%w: nil Transport", ErrInvalidConfig)
	}
	if cfg.QueueLength < 0 {
		return nil, fmt.Errorf("%w: negative QueueLength %d", ErrInvalidConfig, cfg.QueueLength)
	}
	if cfg.QueueLength == 0 {
		cfg.QueueLength = DefaultQueueLength
	}
	s := &Session{
		decision: res.Decision(),
		classify: cfg.Classify,
	}
	if !s.decision.E2EE && s.classify == nil {
		return nil, fmt.Errorf("%w (end-to-end encryption is off: %v)", ErrNoClassifier, s.decision.Reason)
	}
	if err := cfg.SRTP.check(); err != nil {
		return nil, err
	}
	defer res.DropSecrets() // whatever the layers did not take
	l := new(layers)
	// Transport first: every key source takes res's transport secrets, so
	// a used Result fails here also when E2EE is off.
	outer, err := cfg.SRTP.session(res)
	if err != nil {
		return nil, err
	}
	if s.decision.E2EE {
		in, err := e2ee.NewSession(res, cfg.E2EE)
		if err != nil {
			return nil, fmt.Errorf("callseal: %w", err)
		}
		in.Claim(s) // cannot fail: the session is new
		l.inner, s.inner = in, in
		s.overhead = in.Overhead()
	}
	s.checkNumber = verify.CheckNumber(res)
	l.outer = outer
	s.profile = outer.Profile()
	s.overhead += s.profile.RTPOverhead()
	s.layers.Store(l)
	s.transport.Store(&transportBox{cfg.Transport})

	for k := range s.streams {
		s.streams[k].init(s, MediaKind(k), cfg.QueueLength)
	}
	s.rtcp.init(s, rtcpKind, cfg.QueueLength)
	s.authWatch.init()
	s.startReceive(l)
	return s, nil
}

// startReceive starts a run of the receive loop.
func (s *Session) startReceive(l *layers) {
	lp := &recvLoop{done: make(chan struct{})}
	s.loop.Store(lp)
	go s.receive(l, lp)
}

// SetTransport moves the call to t, for example after an ICE restart, a
// network change or a new socket: the Session keeps its keys, its SRTP
// indexes and SFrame counters (so no keystream is reused and the peer's
// replay windows accept what follows) and its queued packets. It closes
// the old Transport, whose Close error is not reported, which ends the
// receive loop's pending Read there; the loop continues on t. A Write in
// progress on the old Transport is retried once on t. If the receive loop
// had ended because the old Transport failed, a new one starts on t and
// ReadRTP and ReadRTCP deliver again.
//
// The peer must move too (its own SetTransport, or a Transport such as
// PacketConn that hears the new address). Packets already in flight on the
// old path may be lost; those that still arrive on t are accepted once.
//
// It returns an error wrapping ErrInvalidConfig for a nil t and ErrClosed
// after Close (t is then not
// closed). It is safe to call concurrently with every other method.
func (s *Session) SetTransport(t Transport) error {
	if t == nil {
		return fmt.Errorf("%w: nil Transport", ErrInvalidConfig)
	}
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	s.loopMu.Lock()
	old := s.transport.Swap(&transportBox{t})
	if s.loop.Load().ended {
		// The loop had ended on a failed Transport (otherwise it sees
		// the swap when its Read fails and carries on): start a new one.
		s.startReceive(s.layers.Load())
	}
	s.loopMu.Unlock()
	_ = old.t.Close() // ends a Read pending there; the loop moves to t
	return nil
}

// Stream returns the stream of kind: Audio, Video or ScreenShare. It panics
// for any other kind (a programmer error).
func (s *Session) Stream(kind MediaKind) *Stream {
	if !validKind(kind) {
		panic(fmt.Sprintf("callseal: invalid media kind %v", kind))
	}
	return &s.streams[kind]
}

// CheckNumber returns the 20-digit check number the two users compare
// (verify.CheckNumber of the handshake's Result), for every call, whether
// E2EE is on or off and whatever the KeySource.
//
// With E2EE on, equal numbers prove that no one in the middle holds the
// E2EE keys. With E2EE off they prove that the decision and its reason are
// genuine: the number authenticates both parties' policy states, and a man
// in the middle who runs a handshake with each party and claims in each
// that the other side is under compliance recording — so that the call
// runs on transport SRTP, which a relay reads — leaves the two users with
// different numbers. Apps therefore show it in both cases; with E2EE off
// as "end-to-end encryption is off: <reason> — compare the number to
// confirm" (E2EE gives the reason). A party that must never run without
// E2EE sets policy.Party.RequireE2EE, and New refuses such a call.
func (s *Session) CheckNumber() string { return s.checkNumber }

// E2EE reports whether the call is end-to-end encrypted and why (or why
// not), as policy decided for both parties: show reason to the user when on
// is false.
func (s *Session) E2EE() (on bool, reason policy.Reason) {
	return s.decision.E2EE, s.decision.Reason
}

// Decision returns the full policy decision, including the call features
// the app must not offer while E2EE is on.
func (s *Session) Decision() policy.Decision {
	d := s.decision
	d.Unavailable = append([]policy.Feature(nil), d.Unavailable...)
	return d
}

// Overhead returns the most bytes both layers add to an RTP packet: the
// E2EE overhead (0 when E2EE is off) plus the SRTP profile's RTPOverhead.
func (s *Session) Overhead() int { return s.overhead }

// Profile returns the transport SRTP profile.
func (s *Session) Profile() srtp.Profile { return s.profile }

// Rekey moves the E2EE send key of every stream that has sent a packet in
// its current epoch to the next epoch by the SFrame ratchet
// (e2ee.Session.Rekey, RFC 9605, Section 5.1): keys that encrypted earlier
// packets are erased, so their compromise later reveals nothing sent
// afterwards, and the other way round. A stream that has sent nothing
// keeps its key, which protects nothing yet. The peer follows by itself.
// Transport SRTP keys do not change.
//
// It returns ErrE2EEOff when the call is not end-to-end encrypted and
// ErrClosed after Close.
func (s *Session) Rekey() error {
	if !s.decision.E2EE {
		return ErrE2EEOff
	}
	l := s.layers.Load()
	if l == nil {
		return ErrClosed
	}
	if err := l.inner.Rekey(); err != nil {
		return fmt.Errorf("callseal: rekey: %w", err)
	}
	return nil
}

// Stats returns a snapshot of the session's counters. It may be called at
// any time, also after Close.
func (s *Session) Stats() Stats {
	st := Stats{E2EE: s.decision.E2EE, RTCP: s.rtcp.counters.snapshot(), Unattributed: s.unattributed.snapshot()}
	for k := range s.streams {
		st.Streams[k] = s.streams[k].stats()
	}
	return st
}

// Close ends the session: it closes the Transport, stops the receive
// goroutine and waits for it, wakes blocked ReadRTP and ReadRTCP calls
// (which return ErrClosed), waits for writes in progress, then drops the
// keys of both layers and clears the packet buffers, which held plaintext
// media (best-effort: Go gives no guarantee that the runtime, crypto/aes or
// pion kept no copies, and AES key schedules cannot be cleared from outside).
// Close returns the Transport's Close error; later calls return nil.
func (s *Session) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	l := s.layers.Swap(nil) // new writes fail with ErrClosed
	s.closeErr = s.transport.Load().t.Close()
	<-s.loop.Load().done // the receive loop has ended

	// wipe takes each stream's lock, so writes in progress have ended too;
	// then nothing references the layers any more.
	for k := range s.streams {
		s.streams[k].wipe()
	}
	s.rtcp.wipe()
	if l != nil && l.inner != nil {
		l.inner.Close() // erases the E2EE base keys now, not when grace timers fire
	}
	return s.closeErr
}
