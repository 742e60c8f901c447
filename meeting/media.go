package meeting

import (
	"fmt"

	"github.com/callseal/callseal/e2ee"
)

// The adapter to package e2ee: EpochKeys is an e2ee.KeySource, and the
// Leader and Member describe their current epoch as an e2ee.MeetingEpoch
// for e2ee.MeetingSession.SetEpoch. The media keys live there, in the
// participant's MeetingSession; the SFU never holds one.

var _ e2ee.KeySource = (*EpochKeys)(nil)

// BaseKey is SenderBaseKey with e2ee's MediaKind (the values are equal),
// so that an EpochKeys is an e2ee.KeySource: 32 bytes, owned by the
// caller. Errors: ErrInvalidConfig for an invalid kind, ErrErased once
// the epoch's keys were erased.
func (k *EpochKeys) BaseKey(index uint8, kind e2ee.MediaKind) ([]byte, error) {
	return k.SenderBaseKey(index, Kind(kind))
}

// MediaEpoch returns the leader's current epoch for
// e2ee.MeetingSession.SetEpoch: a copy of its keys, which the session
// erases (Erase) at the end of its grace period, whatever the Leader does
// with its own; the leader's sender index; the roster's indexes; all read
// together. Errors: ErrWrongState after Close.
func (l *Leader) MediaEpoch() (e2ee.MeetingEpoch, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return mediaEpoch(l.ep.cur, l.index, &l.roster, l.state)
}

// MediaEpoch returns the member's current epoch for
// e2ee.MeetingSession.SetEpoch: a copy of its keys, which the session
// erases (Erase) at the end of its grace period; the member's sender
// index; the roster's indexes; all read together. Errors: ErrWrongState before the
// Welcome and after Close.
func (m *Member) MediaEpoch() (e2ee.MeetingEpoch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return mediaEpoch(m.ep.cur, m.index, &m.roster, m.state)
}

func mediaEpoch(cur *EpochKeys, index uint8, r *roster, s State) (e2ee.MeetingEpoch, error) {
	if cur == nil {
		return e2ee.MeetingEpoch{}, fmt.Errorf("%w: no epoch keys", wrongState("MediaEpoch", s))
	}
	keys, err := cur.clone()
	if err != nil {
		return e2ee.MeetingEpoch{}, err
	}
	senders := make([]uint8, 0, r.len())
	for _, p := range r.list() {
		senders = append(senders, p.Index)
	}
	return e2ee.MeetingEpoch{Keys: keys, Index: index, Senders: senders}, nil
}

// clone returns a copy of k with its own secret. Errors: ErrErased.
func (k *EpochKeys) clone() (*EpochKeys, error) {
	var s [EpochSecretSize]byte
	defer clear(s[:])
	if err := k.copySecret(&s); err != nil {
		return nil, err
	}
	return newEpochKeys(k.epoch, &s), nil
}

// Erase erases k's secret (best-effort: Go may have copied it); BaseKey
// and SenderBaseKey then return ErrErased. e2ee.MeetingSession calls it
// on the copy MediaEpoch handed it when the epoch's grace period ends.
func (k *EpochKeys) Erase() { k.erase() }
