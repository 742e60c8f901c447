package meeting

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting/internal/wire"
)

// Leader is the meeting leader's state (the organizer's client): the
// roster with sender indexes, the epoch and its secret, a pairwise channel
// per member, and the per-meeting Ed25519 key whose fingerprint is the
// meeting code (PROTOCOL.md). The leader is a participant too: it sends
// media with its own index (Index) and the keys of Current.
//
// Key messages go out as byte slices the app delivers over its signaling:
// Admit returns a Welcome for the newcomer and a Join notice for every
// other member, Remove one Rekey per remaining member, Handle answers a
// member's Resync request, HandOver returns a Handover notice for all.
//
// A Leader is safe for concurrent use by several goroutines.
type Leader struct {
	mu     sync.Mutex
	cfg    Config
	state  State
	id     string
	index  uint8
	priv   ed25519.PrivateKey
	pub    ed25519.PublicKey
	code   string
	roster roster
	links  map[string]*link // by participant ID; every roster entry but the leader
	ep     epochs
}

// link is the leader's side of one member's channel, nil until the member
// completed a handshake with this leader (after TakeOver).
type link struct {
	ch    *channel
	proof [wire.SignatureSize]byte
}

// Outgoing is a key message for one participant.
type Outgoing struct {
	To    string // the participant's ID
	Index uint8  // its sender index
	Msg   []byte
}

// NewLeader starts a meeting led by the participant with the given ID
// (1..MaxIDSize bytes; the identity it uses in every pairwise handshake),
// at sender index 0 and epoch 0. It draws, from cfg.Rand, the Ed25519 seed
// of its meeting key (32 bytes) and the epoch-0 secret (32 bytes).
// Errors: ErrInvalidConfig; a read error of cfg.Rand.
func NewLeader(cfg Config, id string) (*Leader, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	r := newRoster()
	r.add(0, id)
	return newLeader(cfg, id, 0, r, 0, nil)
}

// newLeader draws the key and the secret of epoch and builds the Leader;
// prev, if not nil, becomes the previous epoch (TakeOver).
func newLeader(cfg Config, id string, index uint8, r roster, epoch uint32, prev *EpochKeys) (*Leader, error) {
	var seed [ed25519.SeedSize]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(cfg.Rand, seed[:]); err != nil {
		return nil, fmt.Errorf("meeting: leader key: %w", err)
	}
	keys, err := freshKeys(cfg.Rand, epoch)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	l := &Leader{
		cfg: cfg, state: StateLeading, id: id, index: index,
		priv: priv, pub: pub, code: meetingCode(cfg.MeetingID, pub),
		roster: r, links: make(map[string]*link),
		ep: epochs{cur: prev, grace: cfg.Grace, now: cfg.now},
	}
	for _, p := range r.list() {
		if p.ID != id {
			l.links[p.ID] = nil
		}
	}
	if prev == nil {
		l.ep.cur = keys
	} else {
		l.ep.advance(keys)
	}
	return l, nil
}

// freshKeys draws a random epoch secret (leave, leader change, start).
func freshKeys(rand io.Reader, epoch uint32) (*EpochKeys, error) {
	var s [EpochSecretSize]byte
	defer clear(s[:])
	if _, err := io.ReadFull(rand, s[:]); err != nil {
		return nil, fmt.Errorf("meeting: epoch secret: %w", err)
	}
	return newEpochKeys(epoch, &s), nil
}

// Admit adds the participant at the other end of res, the leader's side
// of a completed handshake (res.PeerID() is the participant's ID), and
// returns the key messages of PROTOCOL.md, "Join":
//
//   - a newcomer gets the next free sender index; the epoch secret is
//     ratcheted forward (a new epoch), welcome carries the ratcheted secret
//     and the roster to it, and notice is the signed Join notice to
//     broadcast to every other member, which ratchets by itself;
//   - a participant already in the roster (it rejoins, or completes its
//     handshake with a new leader after TakeOver) keeps its index and gets
//     the current state; notice is nil.
//
// The welcome also carries the leader's public key and its signature over
// the participant's transcript hash, from which the participant checks the
// key and computes the meeting code. Admit does not check policy: decide
// admission (package policy) before. res may be wiped afterwards.
// Errors: ErrWrongState after HandOver or Close; ErrInvalidConfig for an
// unusable res or the leader's own ID; ErrRosterFull.
func (l *Leader) Admit(res *keyexchange.Result) (welcome, notice []byte, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != StateLeading {
		return nil, nil, wrongState("Admit", l.state)
	}
	ch, err := newChannel(res, l.cfg.MeetingID)
	if err != nil {
		return nil, nil, err
	}
	id := ch.peerID
	if ch.localID != l.id || id == l.id {
		return nil, nil, fmt.Errorf("%w: handshake between %q and %q, leader is %q", ErrInvalidConfig, ch.localID, id, l.id)
	}
	lk := &link{ch: ch}
	copy(lk.proof[:], ed25519.Sign(l.priv, proofMessage(l.cfg.MeetingID, ch.th, id)))
	l.ep.expire()

	index, known := l.roster.lookup(id)
	if !known {
		var ok bool
		if index, ok = l.roster.free(); !ok {
			return nil, nil, fmt.Errorf("%w: %d participants", ErrRosterFull, MaxParticipants)
		}
		next, err := l.ep.cur.ratchet()
		if err != nil {
			return nil, nil, err
		}
		n := wire.Notice{Header: wire.Header{Type: wire.TypeJoin, Epoch: next.epoch}, Index: index, ID: id}
		if notice, err = l.signNotice(&n); err != nil {
			next.erase()
			return nil, nil, err
		}
		l.roster.add(index, id)
		l.ep.advance(next)
	}
	if old := l.links[id]; old != nil {
		old.ch.erase()
	}
	l.links[id] = lk
	welcome, err = l.welcome(lk, index)
	if err != nil {
		return nil, nil, err
	}
	return welcome, notice, nil
}

// signNotice signs n with the meeting key and returns the complete notice.
func (l *Leader) signNotice(n *wire.Notice) ([]byte, error) {
	body, err := n.AppendBody(nil)
	if err != nil {
		return nil, fmt.Errorf("%w: notice: %w", ErrInvalidConfig, err)
	}
	copy(n.Signature[:], ed25519.Sign(l.priv, noticeMessage(l.cfg.MeetingID, body)))
	return append(body, n.Signature[:]...), nil
}

// welcome seals a Welcome with the current state for the member at index.
func (l *Leader) welcome(lk *link, index uint8) ([]byte, error) {
	w := wire.Welcome{Proof: lk.proof, Index: index, LeaderIndex: l.index, Roster: l.roster.entries()}
	copy(w.LeaderKey[:], l.pub)
	defer clear(w.Secret[:])
	if err := l.ep.cur.copySecret(&w.Secret); err != nil {
		return nil, err
	}
	body, err := w.Append(make([]byte, 0, w.Size()))
	if err != nil {
		return nil, fmt.Errorf("meeting: welcome: %w", err)
	}
	defer clear(body)
	return lk.ch.seal(wire.Header{Type: wire.TypeWelcome, Epoch: l.ep.cur.epoch}, body), nil
}

// Remove removes the participants with the given IDs (a leave or a
// removal; one call for several at once) and starts a new epoch with a
// fresh random secret (32 bytes from Config.Rand), which it seals to each
// remaining member with a channel, together with the removed indexes
// (PROTOCOL.md, "Leave and removal"): one Outgoing per member, in index
// order. The removed participants receive nothing and their channels are
// erased, so they cannot derive the new epoch's keys. Members still
// without a channel to this leader (after TakeOver) get the current state
// when Admit runs for them.
// Errors: ErrWrongState after HandOver or Close; ErrUnknownMember for an ID
// not in the roster; ErrInvalidConfig for the leader's own ID, a repeated
// ID or none; a read error of Config.Rand. On error nothing changes.
func (l *Leader) Remove(ids ...string) ([]Outgoing, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != StateLeading {
		return nil, wrongState("Remove", l.state)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: Remove without IDs", ErrInvalidConfig)
	}
	removed := make([]uint8, 0, len(ids))
	for _, id := range ids {
		index, ok := l.roster.lookup(id)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %q", ErrUnknownMember, id)
		case id == l.id:
			return nil, fmt.Errorf("%w: the leader cannot remove itself; use HandOver", ErrInvalidConfig)
		case slices.Contains(removed, index):
			return nil, fmt.Errorf("%w: %q listed twice", ErrInvalidConfig, id)
		}
		removed = append(removed, index)
	}
	slices.Sort(removed)
	l.ep.expire()
	next, err := freshKeys(l.cfg.Rand, l.ep.cur.epoch+1)
	if err != nil {
		return nil, err
	}
	for _, index := range removed {
		id := l.roster.ids[index]
		if lk := l.links[id]; lk != nil {
			lk.ch.erase()
		}
		delete(l.links, id)
		l.roster.remove(index)
	}
	l.ep.advance(next)

	k := wire.Rekey{Removed: removed}
	defer clear(k.Secret[:])
	if err := next.copySecret(&k.Secret); err != nil {
		return nil, err
	}
	body, err := k.Append(nil)
	if err != nil {
		return nil, fmt.Errorf("meeting: rekey: %w", err)
	}
	defer clear(body)
	h := wire.Header{Type: wire.TypeRekey, Epoch: next.epoch}
	out := make([]Outgoing, 0, l.roster.len())
	for _, p := range l.roster.list() {
		if lk := l.links[p.ID]; lk != nil {
			out = append(out, Outgoing{To: p.ID, Index: p.Index, Msg: lk.ch.seal(h, body)})
		}
	}
	return out, nil
}

// Handle processes a key message from the member with the given ID (as
// the app's signaling identified the sender; the channel key authenticates
// it). The only such message is a Resync request, answered with a Welcome
// carrying the current epoch secret and roster (PROTOCOL.md, "Missed
// messages"), which the app sends back to that member.
// Errors: ErrWrongState after HandOver or Close; ErrUnknownMember for an ID
// without a channel; ErrMalformed, ErrVersion, ErrAuth, ErrReplay for a bad
// message. On error nothing changes.
func (l *Leader) Handle(from string, msg []byte) (reply []byte, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != StateLeading {
		return nil, wrongState("Handle", l.state)
	}
	lk := l.links[from]
	if lk == nil {
		return nil, fmt.Errorf("%w: no channel with %q", ErrUnknownMember, from)
	}
	s, body, err := lk.ch.open(msg, false)
	if err != nil {
		return nil, err
	}
	if len(body) != 0 {
		return nil, fmt.Errorf("%w: Resync with a %d-byte body", ErrMalformed, len(body))
	}
	l.ep.expire()
	index, _ := l.roster.lookup(from)
	reply, err = l.welcome(lk, index)
	if err != nil {
		return nil, err
	}
	lk.ch.accept(s.Seq)
	return reply, nil
}

// HandOver ends this leader's role and returns the signed Handover notice
// naming the participant with the given ID as the new leader, for every
// member (PROTOCOL.md, "Leader change"). The members then run a handshake
// with the new leader; the new leader calls Member.TakeOver. This Leader
// erases its meeting key and channels and keeps the current epoch's keys
// for the grace period (its own media still opens meanwhile); if it stays
// in the meeting, it joins the new leader as a newcomer.
// Errors: ErrWrongState after HandOver or Close; ErrUnknownMember for an ID
// not in the roster; ErrInvalidConfig for its own ID.
func (l *Leader) HandOver(to string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != StateLeading {
		return nil, wrongState("HandOver", l.state)
	}
	index, ok := l.roster.lookup(to)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownMember, to)
	}
	if to == l.id {
		return nil, fmt.Errorf("%w: hand over to itself", ErrInvalidConfig)
	}
	n := wire.Notice{Header: wire.Header{Type: wire.TypeHandover, Epoch: l.ep.cur.epoch}, Index: index, ID: to}
	notice, err := l.signNotice(&n)
	if err != nil {
		return nil, err
	}
	l.dropKeyAndLinks()
	l.state = StateHandedOver
	return notice, nil
}

// dropKeyAndLinks erases the meeting key and every channel.
func (l *Leader) dropKeyAndLinks() {
	clear(l.priv)
	l.priv = nil
	for id, lk := range l.links {
		if lk != nil {
			lk.ch.erase()
		}
		delete(l.links, id)
	}
}

// Close erases every secret of the Leader (best-effort): the meeting key,
// the channels and the epoch keys handed out by Current and Previous.
// Afterwards every method returns ErrWrongState or zero values. Calling it
// again does nothing.
func (l *Leader) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropKeyAndLinks()
	l.ep.eraseAll()
	l.state = StateClosed
}

// State returns the leader's state.
func (l *Leader) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// ID returns the leader's participant ID.
func (l *Leader) ID() string { return l.id }

// Index returns the leader's own sender index.
func (l *Leader) Index() uint8 { return l.index }

// Code returns the meeting code (CodeDigits = 39 digits in groups of 3),
// the fingerprint of this leader's meeting key: the leader reads it out
// first and every participant compares the code its Member shows. It stays
// the same for the whole leadership and changes with the leader.
func (l *Leader) Code() string { return l.code }

// Epoch returns the current epoch number.
func (l *Leader) Epoch() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, _ := l.ep.current()
	return e
}

// Roster returns the participants in index order, the leader included.
func (l *Leader) Roster() []Participant {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.roster.list()
}

// Current returns the current epoch's keys, nil after Close.
func (l *Leader) Current() *EpochKeys {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ep.cur
}

// Previous returns the previous epoch's keys while its grace period lasts
// (Config.Grace), else nil; the first call after the period erases them.
func (l *Leader) Previous() *EpochKeys {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ep.expire()
	return l.ep.prev
}
