package meeting

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"sync"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting/internal/wire"
)

// Member is a participant's meeting state: the channel to its leader, the
// leader's meeting key and code, its own sender index, the roster and the
// epoch keys (PROTOCOL.md). The app feeds it every key message from the
// leader (Handle) and takes the keys of Current and Previous for media.
//
// A Member is safe for concurrent use by several goroutines.
type Member struct {
	mu          sync.Mutex
	cfg         Config
	state       State
	id          string
	index       uint8
	leaderID    string
	leaderIndex uint8
	leaderKey   ed25519.PublicKey // nil until the first Welcome from this leader
	code        string
	ch          *channel
	roster      roster
	ep          epochs
	handoverTo  string // the new leader named by a Handover notice
}

// NewMember creates a participant's state from its side of a completed
// handshake with the leader (res.LocalID() is the participant's ID,
// res.PeerID() the leader's), in StateAwaitWelcome: the leader's Welcome
// comes next. It derives the channel key (res.Export, PROTOCOL.md,
// "Pairwise channel") and keeps the transcript hash to check the leader's
// proof; res may be wiped afterwards. Errors: ErrInvalidConfig.
func NewMember(cfg Config, res *keyexchange.Result) (*Member, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	ch, err := newChannel(res, cfg.MeetingID)
	if err != nil {
		return nil, err
	}
	return &Member{
		cfg: cfg, state: StateAwaitWelcome, id: ch.localID, leaderID: ch.peerID, ch: ch,
		roster: newRoster(), ep: epochs{grace: cfg.Grace, now: cfg.now},
	}, nil
}

// Handle processes one key message from the leader: a Welcome or Rekey
// over the channel, or a Join or Handover notice broadcast by the leader
// (PROTOCOL.md, "Checks on receipt"). It returns nil once the message is
// applied; the new epoch's keys are then Current and the previous epoch's
// Previous, for the grace period.
//
// Errors, each leaving the Member unchanged: ErrMalformed and ErrVersion
// (bad encoding, a member's message, a roster that does not name this
// participant and its leader); ErrAuth (bad tag, bad signature, a proof
// that does not match this participant's transcript, another leader key);
// ErrReplay (a duplicate, an overtaken channel message, a notice for an
// epoch already held); ErrEpoch (a gap: a key message for a later epoch
// than the next one — send ResyncRequest, or retry the message once the
// missing one arrived); ErrUnknownMember (a Rekey removing an index not in
// the roster); ErrWrongState (a message the state does not expect: a
// notice before the Welcome, anything after Close).
func (m *Member) Handle(msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, err := wire.PeekHeader(msg)
	if err != nil {
		return err
	}
	m.ep.expire()
	if h.Type.Sealed() {
		return m.handleSealed(msg)
	}
	return m.handleNotice(msg)
}

func (m *Member) handleSealed(msg []byte) error {
	if m.state != StateAwaitWelcome && m.state != StateActive {
		return wrongState("Handle (channel message)", m.state)
	}
	s, body, err := m.ch.open(msg, true)
	if err != nil {
		return err
	}
	defer clear(body)
	switch s.Type {
	case wire.TypeWelcome:
		err = m.applyWelcome(s.Epoch, body)
	case wire.TypeRekey:
		err = m.applyRekey(s.Epoch, body)
	}
	if err != nil {
		return err
	}
	m.ch.accept(s.Seq)
	return nil
}

// applyWelcome checks a Welcome body and installs its state.
func (m *Member) applyWelcome(epoch uint32, body []byte) error {
	w, err := wire.ParseWelcome(body)
	if err != nil {
		return err
	}
	defer clear(w.Secret[:])
	key := ed25519.PublicKey(w.LeaderKey[:])
	if !ed25519.Verify(key, proofMessage(m.cfg.MeetingID, m.ch.th, m.id), w.Proof[:]) {
		return fmt.Errorf("%w: the leader proof does not match this participant's transcript", ErrAuth)
	}
	if m.leaderKey != nil && !bytes.Equal(m.leaderKey, key) {
		return fmt.Errorf("%w: Welcome carries another leader key", ErrAuth)
	}
	r := rosterOf(w.Roster)
	if r.ids[w.Index] != m.id || r.ids[w.LeaderIndex] != m.leaderID {
		return fmt.Errorf("%w: the roster does not place %q at %d and the leader %q at %d", ErrMalformed, m.id, w.Index, m.leaderID, w.LeaderIndex)
	}
	cur, held := m.ep.current()
	next := m.ep.cur
	switch {
	case held && epoch < cur, held && epoch == cur && m.state == StateAwaitWelcome:
		return fmt.Errorf("%w: Welcome for epoch %d, holding %d", ErrReplay, epoch, cur)
	case held && epoch == cur:
		// A resync answer when nothing was missed: same secret required.
		k := newEpochKeys(epoch, &w.Secret)
		same := k.sameSecret(m.ep.cur)
		k.erase()
		if !same {
			return fmt.Errorf("%w: Welcome for the current epoch %d with another secret", ErrAuth, epoch)
		}
	default:
		next = newEpochKeys(epoch, &w.Secret)
	}
	if m.leaderKey == nil {
		m.leaderKey = bytes.Clone(key)
		m.code = meetingCode(m.cfg.MeetingID, key)
	}
	m.index, m.leaderIndex, m.roster = w.Index, w.LeaderIndex, r
	if next != m.ep.cur {
		m.ep.advance(next)
	}
	m.state = StateActive
	return nil
}

// applyRekey checks a Rekey body and moves to its fresh epoch.
func (m *Member) applyRekey(epoch uint32, body []byte) error {
	if m.state != StateActive {
		return wrongState("Rekey", m.state)
	}
	k, err := wire.ParseRekey(body)
	if err != nil {
		return err
	}
	defer clear(k.Secret[:])
	if err := m.nextEpoch("Rekey", epoch); err != nil {
		return err
	}
	for _, i := range k.Removed {
		switch {
		case !m.roster.has(i):
			return fmt.Errorf("%w: Rekey removes index %d, not in the roster", ErrUnknownMember, i)
		case i == m.index || i == m.leaderIndex:
			return fmt.Errorf("%w: Rekey removes the receiver or the leader (index %d)", ErrMalformed, i)
		}
	}
	for _, i := range k.Removed {
		m.roster.remove(i)
	}
	m.ep.advance(newEpochKeys(epoch, &k.Secret))
	return nil
}

// nextEpoch checks that epoch is the one after the current: older or equal
// is ErrReplay, later is ErrEpoch (a gap).
func (m *Member) nextEpoch(what string, epoch uint32) error {
	cur, _ := m.ep.current()
	switch {
	case epoch <= cur:
		return fmt.Errorf("%w: %s for epoch %d, holding %d", ErrReplay, what, epoch, cur)
	case epoch > cur+1:
		return fmt.Errorf("%w: %s for epoch %d, holding %d: missed %d key message(s)", ErrEpoch, what, epoch, cur, epoch-cur-1)
	}
	return nil
}

func (m *Member) handleNotice(msg []byte) error {
	if m.state != StateActive {
		return wrongState("Handle (notice)", m.state)
	}
	n, body, err := wire.ParseNotice(msg)
	if err != nil {
		return err
	}
	if !ed25519.Verify(m.leaderKey, noticeMessage(m.cfg.MeetingID, body), n.Signature[:]) {
		return fmt.Errorf("%w: %v notice signature", ErrAuth, n.Type)
	}
	if n.Type == wire.TypeHandover {
		return m.applyHandover(n)
	}
	if err := m.nextEpoch("Join notice", n.Epoch); err != nil {
		return err
	}
	if _, dup := m.roster.lookup(n.ID); dup || m.roster.has(n.Index) {
		return fmt.Errorf("%w: Join notice for %q at index %d, taken", ErrMalformed, n.ID, n.Index)
	}
	next, err := m.ep.cur.ratchet()
	if err != nil {
		return err
	}
	m.roster.add(n.Index, n.ID)
	m.ep.advance(next)
	return nil
}

func (m *Member) applyHandover(n wire.Notice) error {
	cur, _ := m.ep.current()
	switch {
	case n.Epoch < cur:
		return fmt.Errorf("%w: Handover notice for epoch %d, holding %d", ErrReplay, n.Epoch, cur)
	case n.Epoch > cur:
		return fmt.Errorf("%w: Handover notice for epoch %d, holding %d", ErrEpoch, n.Epoch, cur)
	case m.roster.ids[n.Index] != n.ID || n.Index == m.leaderIndex:
		return fmt.Errorf("%w: Handover to %q at index %d", ErrUnknownMember, n.ID, n.Index)
	}
	m.handoverTo = n.ID
	m.state = StateHandover
	return nil
}

// ResyncRequest returns a Resync request sealed to the leader, which
// answers (Leader.Handle) with a Welcome carrying its current epoch secret
// and roster. Send it after Handle returned ErrEpoch, or when the Welcome
// does not arrive. Errors: ErrWrongState outside StateAwaitWelcome and
// StateActive.
func (m *Member) ResyncRequest() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != StateAwaitWelcome && m.state != StateActive {
		return nil, wrongState("ResyncRequest", m.state)
	}
	cur, _ := m.ep.current()
	return m.ch.seal(wire.Header{Type: wire.TypeResync, Epoch: cur}, nil), nil
}

// NewLeader installs the channel to the new leader named by the Handover
// notice, from this participant's side of a completed handshake with it
// (res.PeerID() is the new leader), and waits for its Welcome
// (StateAwaitWelcome). The old channel and leader key are erased; the
// epoch keys stay until the new epoch's grace period ends. The new
// leader's Welcome brings a new key, hence a new meeting code (PROTOCOL.md,
// "Leader change"). Errors: ErrWrongState outside StateHandover;
// ErrUnknownMember when res is not with the named new leader;
// ErrInvalidConfig for an unusable res.
func (m *Member) NewLeader(res *keyexchange.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != StateHandover {
		return wrongState("NewLeader", m.state)
	}
	ch, err := newChannel(res, m.cfg.MeetingID)
	if err != nil {
		return err
	}
	if ch.localID != m.id || ch.peerID != m.handoverTo {
		return fmt.Errorf("%w: handshake between %q and %q, the new leader is %q", ErrUnknownMember, ch.localID, ch.peerID, m.handoverTo)
	}
	m.ch.erase()
	m.ch, m.leaderID, m.leaderKey, m.code = ch, m.handoverTo, nil, ""
	m.state = StateAwaitWelcome
	return nil
}

// TakeOver makes this member, named by the Handover notice, the new
// leader (PROTOCOL.md, "Leader change"): a Leader with a new meeting key
// (hence a new code), epoch Epoch()+1 with a fresh random secret (64 bytes
// from Config.Rand: key seed, then secret), the roster without the old
// leader, its own sender index, and the current epoch's keys as the
// previous epoch for the grace period. Every other member then runs a
// handshake with it, and Leader.Admit welcomes each with its old index.
// The Member is closed afterwards (its keys moved to the Leader).
// Errors: ErrWrongState outside StateHandover or when the notice named
// another participant; a read error of Config.Rand.
func (m *Member) TakeOver() (*Leader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != StateHandover || m.handoverTo != m.id {
		return nil, wrongState("TakeOver", m.state)
	}
	r := m.roster.clone()
	r.remove(m.leaderIndex)
	l, err := newLeader(m.cfg, m.id, m.index, r, m.ep.cur.epoch+1, m.ep.cur)
	if err != nil {
		return nil, err
	}
	m.ep.prev.erase()
	m.ep = epochs{}
	m.ch.erase()
	m.state = StateClosed
	return l, nil
}

// Close erases every secret of the Member (best-effort): the channel and
// the epoch keys handed out by Current and Previous. Calling it again does
// nothing.
func (m *Member) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ch != nil {
		m.ch.erase()
	}
	m.ep.eraseAll()
	m.state = StateClosed
}

// State returns the member's state.
func (m *Member) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// ID returns this participant's ID.
func (m *Member) ID() string { return m.id }

// LeaderID returns the current leader's participant ID.
func (m *Member) LeaderID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.leaderID
}

// Index returns this participant's sender index (valid from StateActive).
func (m *Member) Index() uint8 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.index
}

// Code returns the meeting code this participant shows: the fingerprint
// of the leader key its Welcome carried and proved over its own handshake
// transcript (CodeDigits = 39 digits in groups of 3). If it differs from
// the code the leader reads out, someone is in the middle of this
// participant's channel. Errors: ErrWrongState before the Welcome.
func (m *Member) Code() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.code == "" {
		return "", wrongState("Code", m.state)
	}
	return m.code, nil
}

// Epoch returns the current epoch number (0 before the Welcome).
func (m *Member) Epoch() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, _ := m.ep.current()
	return e
}

// Roster returns the participants in index order, the leader included.
func (m *Member) Roster() []Participant {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.roster.list()
}

// Current returns the current epoch's keys, nil before the Welcome and
// after Close.
func (m *Member) Current() *EpochKeys {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ep.cur
}

// Previous returns the previous epoch's keys while its grace period lasts
// (Config.Grace), else nil; the first call after the period erases them.
func (m *Member) Previous() *EpochKeys {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ep.expire()
	return m.ep.prev
}
