package meeting

import (
	"errors"

	"github.com/callseal/callseal/meeting/internal/wire"
)

// Errors. Every error the package returns wraps one of these sentinels
// (test with errors.Is); the wrapping text adds detail, never key material.
// A key message rejected with any of them leaves the Leader or Member as it
// was, so the genuine message that follows still works.
var (
	// ErrMalformed: a key message does not follow the wire layout
	// (PROTOCOL.md, "Encoding"): truncated, oversized, trailing bytes, a
	// field out of its limits, an unknown type, a type the receiver never
	// accepts (a leader's message sent to the leader), or a roster that
	// does not name the receiver and the leader.
	ErrMalformed = wire.ErrMalformed
	// ErrVersion: a key message of a protocol version other than 1.
	ErrVersion = wire.ErrVersion
	// ErrAuth: a key message failed authentication: a bad AES-GCM tag on a
	// sealed message, a bad Ed25519 signature on a notice, a leader proof
	// that does not verify against the receiver's own transcript hash, or
	// a Welcome from the current leader's channel carrying another leader
	// key.
	ErrAuth = errors.New("meeting: key message authentication failed")
	// ErrReplay: a key message not newer than one already accepted: a
	// sealed message whose sequence number is not above the last one
	// accepted on its channel (duplicate, replay, or overtaken), or a
	// notice for an epoch this member already has.
	ErrReplay = errors.New("meeting: replayed or outdated key message")
	// ErrEpoch: a key message for an epoch the member cannot reach from
	// its own (it missed a key message, detected by the epoch number), or a
	// key lookup for an epoch that is not held. Send Member.ResyncRequest
	// to the leader, which answers with its current state; or retry the
	// message after the missing one arrives; or rejoin.
	ErrEpoch = errors.New("meeting: key message for an unexpected epoch: resync")
	// ErrUnknownMember: a message from, or naming, a participant that is
	// not in the roster (or has no channel with this leader yet).
	ErrUnknownMember = errors.New("meeting: unknown participant")
	// ErrRosterFull: the roster already holds MaxParticipants entries.
	ErrRosterFull = errors.New("meeting: roster full")
	// ErrWrongState: API misuse for the current State (Code before the
	// first Welcome, Admit after HandOver, TakeOver by a member the
	// handover does not name, ...).
	ErrWrongState = errors.New("meeting: wrong state for this call")
	// ErrInvalidConfig: an unusable Config, an unusable keyexchange.Result,
	// or an invalid argument (kind, ID).
	ErrInvalidConfig = errors.New("meeting: invalid config or argument")
	// ErrErased: the epoch's keys were erased (grace period over,
	// superseded, or Close).
	ErrErased = errors.New("meeting: epoch keys erased")
)
