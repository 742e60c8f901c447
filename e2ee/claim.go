package e2ee

import (
	"errors"
	"fmt"
	"reflect"
)

// ErrSessionInUse is returned by Session.Claim, and by the integrations that
// call it (pioninterceptor.Factory.SetSession), when the Session already
// carries the media of another owner. One Session keys one call over one
// transport binding: attached to two, it would key two calls (or two
// PeerConnections) with the same keys, and their receive windows and epochs
// would interfere.
var ErrSessionInUse = errors.New("e2ee: session already in use by another owner")

// Claim binds the session to owner, the one transport binding that seals and
// opens its packets: a pioninterceptor.Factory, a callseal.Session, or an
// app's own integration, which should claim the sessions it is given the
// same way. owner is compared with ==, so use a pointer.
//
// It returns nil when the session is unclaimed (and then belongs to owner
// from now on) or already owner's, and an error wrapping ErrSessionInUse
// when another owner claimed it, or when owner is nil or not comparable.
// The claim lasts as long as the session, also after Close: a session is
// never handed on. To move a call to another transport, keep the owner and
// give it the new transport (pion keeps its interceptors across an ICE
// restart; callseal.Session.SetTransport).
//
// Claim is safe for concurrent use; exactly one of several owners racing
// for an unclaimed session wins.
func (s *Session) Claim(owner any) error {
	if owner == nil || !reflect.TypeOf(owner).Comparable() {
		return fmt.Errorf("%w: owner %T is nil or not comparable", ErrSessionInUse, owner)
	}
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	switch s.owner {
	case nil:
		s.owner = owner
		return nil
	case owner:
		return nil
	}
	return fmt.Errorf("%w: claimed by a %T", ErrSessionInUse, s.owner)
}
