package meeting

import "fmt"

// State is the position of a Leader or a Member in the protocol
// (PROTOCOL.md, "State machines"):
//
//	leader: StateLeading ─HandOver→ StateHandedOver ─Close→ StateClosed
//	member: StateAwaitWelcome ─Welcome→ StateActive ─Handover notice→ StateHandover
//	        StateHandover ─NewLeader→ StateAwaitWelcome  (or ─TakeOver→ StateClosed, as the new leader)
//	        any ─Close→ StateClosed
//
// A rejected key message never changes the state.
type State uint8

const (
	// StateLeading: a Leader that admits, removes and answers members.
	StateLeading State = iota + 1
	// StateHandedOver: a Leader that handed the meeting over; it keeps its
	// epoch keys for the grace period and does nothing else.
	StateHandedOver
	// StateAwaitWelcome: a Member with a channel to its leader, waiting for
	// the Welcome (first join, rejoin, or after NewLeader).
	StateAwaitWelcome
	// StateActive: a Member that holds the current epoch and the leader's
	// key; Code is available.
	StateActive
	// StateHandover: a Member that accepted a Handover notice and waits
	// for a handshake with the new leader (NewLeader), or is the new
	// leader (TakeOver). It keeps its epoch keys meanwhile.
	StateHandover
	// StateClosed: Close erased every secret, or TakeOver moved them.
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateLeading:
		return "Leading"
	case StateHandedOver:
		return "HandedOver"
	case StateAwaitWelcome:
		return "AwaitWelcome"
	case StateActive:
		return "Active"
	case StateHandover:
		return "Handover"
	case StateClosed:
		return "Closed"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

func wrongState(op string, s State) error {
	return fmt.Errorf("%w: %s in state %v", ErrWrongState, op, s)
}
