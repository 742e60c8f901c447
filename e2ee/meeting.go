package e2ee

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/internal/replay"
)

// Errors of MeetingSession, besides the package's others.
var (
	// ErrStaleEpoch is returned by MeetingSession.SetEpoch for an epoch
	// that is not newer than the newest one installed: installing an
	// epoch again would reset its replay windows.
	ErrStaleEpoch = errors.New("e2ee: epoch not newer than the newest installed")

	// ErrNotSending is returned by MeetingSession.Seal before the first
	// SwitchSend: the session has no send key yet.
	ErrNotSending = errors.New("e2ee: no send epoch")
)

// Preallocated detailed errors of MeetingSession's per-packet paths.
var (
	errUnknownSender = fmt.Errorf("%w: the KID names no sender of the epoch", ErrUnknownKey)
	errMeetingKeyCap = fmt.Errorf("%w: the epoch's send key is used up; a new epoch is needed", ErrKeyExhausted)
	errNotSending    = fmt.Errorf("%w: Seal before SwitchSend", ErrNotSending)
)

// MeetingEpoch describes one epoch of a meeting to a MeetingSession.
type MeetingEpoch struct {
	// Keys gives the epoch's number and its senders' base keys. The
	// session keeps it until the epoch is erased, then calls its Erase.
	Keys KeySource
	// Index is this participant's sender index in the epoch: Seal uses
	// its keys once SwitchSend moves to the epoch, and Open refuses
	// packets naming it (they could only be this participant's own,
	// reflected).
	Index uint8
	// Senders lists the sender indexes of the epoch's roster. Open derives
	// keys for these only: a KID naming any other index gets ErrUnknownKey
	// without a key derivation. SetEpoch copies it.
	Senders []uint8
}

// MeetingSession is the E2EE layer of one meeting participant: SFrame (RFC
// 9605) over RTP, with the per-packet code of Session, keyed by the
// meeting's epochs. It seals its own media with its sender keys (its
// sender index, one key per media kind) and opens every other sender's
// media with a receive key per sender index and kind, derived from the
// epoch's KeySource on the first packet that names it. The KID carries
// the kind, the sender index and the low MeetingEpochBits bits of the
// epoch (RFC 9605, Section 5.2; see KeySource).
//
// Epochs: SetEpoch installs a new epoch for receiving; SwitchSend then
// moves Seal to it. An app that installs the new epoch everywhere before
// any sender switches loses no packet to a membership change. The epoch
// SetEpoch supersedes keeps opening for Config.EpochGraceTime (default
// 5 s), then its keys are erased and its packets get ErrUnknownKey. Each
// receive key has its own replay window (Config.ReplayWindow).
//
// Concurrency: a MeetingSession is safe for concurrent use. Seal never
// waits for another Seal (as for Session). Open reads the epochs and keys
// without locking and holds the mutex of the packet's key across the
// replay check, decryption and the window update, so Opens of different
// senders and kinds run in parallel and each packet is accepted at most
// once; the first packet of a sender, kind and epoch also takes the
// epoch's mutex to derive the key. SetEpoch, SwitchSend, Close and the
// erasure at the end of a grace period take the session's mutex, which
// Seal and Open never take.
//
// The zero value is not usable: create one with NewMeetingSession.
type MeetingSession struct {
	suite      sframe.CipherSuite
	window     int
	tagSize    int    // bytes, the suite's Nt
	overhead   int    // bytes, Overhead
	rekeyAfter uint64 // packets per send key (RekeyAfterPackets)
	graceTime  time.Duration
	clock      clock

	send [numKinds]atomic.Pointer[sendKey] // own keys of the send epoch; nil before SwitchSend and after Close
	ring atomic.Pointer[meetingRing]       // immutable once published

	mu      sync.Mutex    // guards the fields below
	newest  *meetingEpoch // the newest epoch installed
	sending *meetingEpoch // the epoch Seal uses
	closed  bool
	closedA atomic.Bool // closed, for Seal's error without the mutex
}

// meetingRing holds the epochs Open may use, by the KID's epoch bits.
type meetingRing struct {
	epochs [1 << MeetingEpochBits]*meetingEpoch
}

// meetingEpoch is one installed epoch: its senders and the receive keys
// derived so far.
type meetingEpoch struct {
	epoch   uint32
	index   uint8
	senders [MaxSenders]bool
	keys    [MaxSenders * numKinds]atomic.Pointer[recvKey] // by index*numKinds + kind

	mu  sync.Mutex // serializes derivations; guards src
	src KeySource  // nil once erased
}

// NewMeetingSession creates a meeting participant's E2EE layer without
// keys: SetEpoch installs the first epoch, SwitchSend starts sending. cfg
// is optional (at most one); CipherSuite, ReplayWindow and EpochGraceTime
// apply as for NewSession. Errors: ErrInvalidConfig for an unusable cfg,
// or one setting SendStreams, RecvStreams or EpochGracePackets, which
// meetings do not use (keys are per sender index and kind; grace is by
// time).
func NewMeetingSession(cfg ...Config) (*MeetingSession, error) {
	c, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	if c.perSSRC || len(cfg) == 1 && cfg[0].EpochGracePackets != 0 {
		return nil, fmt.Errorf("%w: SendStreams, RecvStreams and EpochGracePackets do not apply to meetings", ErrInvalidConfig)
	}
	m := &MeetingSession{
		suite: c.suite, window: c.window, tagSize: c.suite.TagSize(), rekeyAfter: RekeyAfterPackets,
		graceTime: c.graceTime, clock: c.clock,
	}
	m.overhead = sframe.Header{KID: meetingKIDLimit - 1, CTR: m.rekeyAfter - 1}.Size() + m.tagSize
	m.ring.Store(&meetingRing{})
	return m, nil
}

// Overhead returns the maximum number of bytes Seal adds to an RTP packet:
// with the default suite 22 bytes (1 config byte, 2 KID bytes, at most 3
// CTR bytes, the 16-byte tag).
func (m *MeetingSession) Overhead() int { return m.overhead }

// SetEpoch installs epoch e for receiving: Open accepts its senders'
// packets from now on. The previously newest epoch is superseded: it keeps
// opening for the grace period (Config.EpochGraceTime), then its keys are
// erased. An installed epoch whose number has the same low
// MeetingEpochBits bits (16 or more epochs older) is erased at once (RFC
// 9605, Section 5.2). Seal stays with its epoch until SwitchSend.
//
// Errors: ErrInvalidSecrets for a nil Keys; ErrStaleEpoch for an epoch not
// newer than the newest installed; ErrClosed after Close. On error
// nothing changes.
func (m *MeetingSession) SetEpoch(e MeetingEpoch) error {
	if e.Keys == nil {
		return fmt.Errorf("%w: nil KeySource", ErrInvalidSecrets)
	}
	n := e.Keys.Epoch()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.newest != nil && n <= m.newest.epoch {
		return fmt.Errorf("%w: epoch %d, newest %d", ErrStaleEpoch, n, m.newest.epoch)
	}
	ep := &meetingEpoch{epoch: n, index: e.Index, src: e.Keys}
	for _, i := range e.Senders {
		ep.senders[i] = true
	}
	ring := *m.ring.Load()
	if old := ring.epochs[n&meetingEpochMask]; old != nil {
		old.erase()
	}
	ring.epochs[n&meetingEpochMask] = ep
	if prev := m.newest; prev != nil {
		m.clock.AfterFunc(m.graceTime, func() { m.eraseEpoch(prev) })
	}
	m.newest = ep
	m.ring.Store(&ring)
	return nil
}

// SwitchSend moves Seal to the newest epoch installed, with that epoch's
// sender index: it derives this participant's send keys, one per kind,
// from the epoch's KeySource. Calling it again for the same epoch does
// nothing (the keys and their counters stay). Errors: ErrNotSending
// before any SetEpoch; ErrInvalidSecrets wrapping the KeySource's error;
// ErrClosed after Close. On error Seal keeps its epoch.
func (m *MeetingSession) SwitchSend() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return ErrClosed
	case m.newest == nil:
		return fmt.Errorf("%w: no epoch installed", ErrNotSending)
	case m.sending == m.newest:
		return nil
	}
	ep := m.newest
	var keys [numKinds]*sendKey
	for kind := range MediaKind(numKinds) {
		k, err := m.newKey(ep, ep.index, kind)
		if err != nil {
			return err
		}
		keys[kind] = &sendKey{epoch: uint64(ep.epoch), key: k}
	}
	for kind, sk := range keys {
		m.send[kind].Store(sk)
	}
	m.sending = ep
	return nil
}

// newKey derives the SFrame key of a sender, kind and epoch from the
// epoch's KeySource (RFC 9605, Section 4.4.2) and erases the base key.
// The caller holds m.mu or ep.mu (which guards ep.src).
func (m *MeetingSession) newKey(ep *meetingEpoch, index uint8, kind MediaKind) (sfcore.Key, error) {
	if ep.src == nil {
		return sfcore.Key{}, errUnknownKID // erased
	}
	base, err := ep.src.BaseKey(index, kind)
	if err != nil {
		return sfcore.Key{}, fmt.Errorf("%w: key source: %w", ErrInvalidSecrets, err)
	}
	defer clear(base)
	if len(base) < MinSecretSize {
		return sfcore.Key{}, fmt.Errorf("%w: base key of %d bytes", ErrInvalidSecrets, len(base))
	}
	k, err := sfcore.NewKey(uint16(m.suite), meetingKID(ep.epoch, index, kind), base)
	if err != nil {
		return sfcore.Key{}, fmt.Errorf("%w: %w", ErrInvalidSecrets, err)
	}
	return k, nil
}

// Seal encrypts the payload of the marshalled RTP packet pkt under this
// participant's send key of kind in its send epoch and appends the sealed
// packet to dst, exactly as Session.Seal does (RFC 9605, Section 4.4.3;
// the same code), with the meeting KID of the epoch, its sender index and
// kind. At most Overhead() bytes are added; to seal in place, pass pkt[:0]
// as dst with that much spare capacity.
//
// A send key seals at most RekeyAfterPackets packets; the meeting then
// needs a new epoch (Seal does not ratchet: the KID's epoch is the
// meeting's).
//
// Errors: ErrMalformed (as Session.Seal), ErrUnknownKey (kind is not a
// MediaKind), ErrNotSending (before SwitchSend), ErrKeyExhausted (the key
// sealed RekeyAfterPackets packets), ErrClosed. On error no counter value
// is used.
func (m *MeetingSession) Seal(dst, pkt []byte, kind MediaKind) ([]byte, error) {
	if kind >= numKinds {
		return nil, errUnknownKind
	}
	layout, err := packetLayout(pkt)
	if err != nil {
		return nil, err
	}
	sk := m.send[kind].Load()
	if sk == nil {
		if m.closedA.Load() {
			return nil, ErrClosed
		}
		return nil, errNotSending
	}
	ctr := sk.next.Add(1) - 1
	if ctr >= m.rekeyAfter {
		return nil, errMeetingKeyCap
	}
	return sealPacket(sk, ctr, dst, pkt, layout), nil
}

// Open authenticates and decrypts a packet sealed by another participant's
// Seal and appends the opened RTP packet to dst, returning the sender index
// and media kind its KID names (authenticated: the KID is part of the
// SFrame AAD). It is Session.Open's code (RFC 9605, Section 4.4.4, with the
// replay check before decryption and the window moved only by an
// authenticated packet) with the key found by the meeting KID: the epoch
// by its low bits among those installed and not erased, the receive key by
// sender index and kind, derived on the epoch's first packet of that
// sender and kind. To open in place, pass pkt[:0] as dst.
//
// Errors: ErrMalformed (as Session.Open), ErrUnknownKey (a KID outside
// the meeting layout, of an epoch not installed or erased, of an index
// not among the epoch's Senders or this participant's own; no key is
// derived for these), ErrReplay, ErrAuth, ErrInvalidSecrets (the epoch's
// KeySource failed to give the sender's key). On error the session state
// is unchanged.
func (m *MeetingSession) Open(dst, pkt []byte) ([]byte, uint8, MediaKind, error) {
	layout, h, hlen, err := parseSealed(pkt)
	if err != nil {
		return nil, 0, 0, err
	}
	if h.KID >= meetingKIDLimit || MediaKind(h.KID>>meetingKindShift) >= numKinds {
		return nil, 0, 0, errUnknownKID
	}
	kind, index := MediaKind(h.KID>>meetingKindShift), uint8(h.KID>>MeetingEpochBits)
	ep := m.ring.Load().epochs[h.KID&meetingEpochMask]
	if ep == nil {
		return nil, 0, 0, errUnknownKID
	}
	if !ep.senders[index] || index == ep.index {
		return nil, 0, 0, errUnknownSender
	}
	ret, out, inPlace, err := openOutput(dst, pkt, layout, hlen, m.tagSize)
	if err != nil {
		return nil, 0, 0, err
	}
	slot := &ep.keys[int(index)*numKinds+int(kind)]
	rk := slot.Load()
	if rk == nil {
		if rk, err = m.deriveRecv(ep, slot, index, kind); err != nil {
			return nil, 0, 0, err
		}
	}
	rk.mu.Lock()
	if err = rk.openLocked(out, pkt, layout, h.CTR, hlen, inPlace); err == nil {
		rk.acceptLocked(h.CTR)
	}
	rk.mu.Unlock()
	if err != nil {
		return nil, 0, 0, err
	}
	return ret, index, kind, nil
}

// deriveRecv is Open's step for the first packet of a sender and kind in
// an epoch: it derives the receive key once, under ep.mu, and publishes it
// in slot.
func (m *MeetingSession) deriveRecv(ep *meetingEpoch, slot *atomic.Pointer[recvKey], index uint8, kind MediaKind) (*recvKey, error) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if rk := slot.Load(); rk != nil {
		return rk, nil
	}
	k, err := m.newKey(ep, index, kind)
	if err != nil {
		return nil, err
	}
	rk := &recvKey{key: k, epoch: uint64(ep.epoch), replay: replay.New(m.window)}
	slot.Store(rk)
	return rk, nil
}

// eraseEpoch ends ep's grace period: ep leaves the ring, so its packets get
// ErrUnknownKey, and its keys are erased.
func (m *MeetingSession) eraseEpoch(ep *meetingEpoch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ep == m.newest {
		return // not superseded (Close cleared it)
	}
	ring := *m.ring.Load()
	if ring.epochs[ep.epoch&meetingEpochMask] == ep {
		ring.epochs[ep.epoch&meetingEpochMask] = nil
		m.ring.Store(&ring)
	}
	ep.erase()
}

// erase drops the epoch's KeySource and receive keys, which become
// unreachable once no Open holds them (the AES key schedules inside
// crypto/cipher cannot be wiped from Go; base keys were cleared when
// keyed).
func (ep *meetingEpoch) erase() {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.src != nil {
		ep.src.Erase()
	}
	ep.src = nil
	for i := range ep.keys {
		ep.keys[i].Store(nil)
	}
}

// Close erases the session's keys: every epoch's KeySource reference and
// receive keys, and the send keys. Afterwards Seal, Open, SetEpoch and
// SwitchSend return ErrClosed (Open: ErrUnknownKey, as no epoch is held).
// Close is safe to call concurrently with them (a call past its key lookup
// may finish with the old key) and more than once; it returns nil.
func (m *MeetingSession) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.closedA.Store(true)
	for kind := range m.send {
		m.send[kind].Store(nil)
	}
	for _, ep := range m.ring.Load().epochs {
		if ep != nil {
			ep.erase()
		}
	}
	m.ring.Store(&meetingRing{})
	m.newest, m.sending = nil, nil
	return nil
}
