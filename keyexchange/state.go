package keyexchange

import "fmt"

// State is the position of a Handshake in the protocol (PROTOCOL.md,
// "State machine"). Each role walks its own path:
//
//	initiator: StateStart ─Start→ StateAwaitResponse ─Response→ StateAwaitConfirm ─Confirm→ StateDone
//	responder: StateAwaitCommit ─Commit→ StateAwaitReveal ─Reveal→ StateDone
//
// A rejected message never changes the state.
type State uint8

const (
	// StateStart: an initiator that has not called Start yet.
	StateStart State = iota + 1
	// StateAwaitCommit: a responder waiting for message 1.
	StateAwaitCommit
	// StateAwaitResponse: an initiator that sent Commit (message 1).
	StateAwaitResponse
	// StateAwaitReveal: a responder that sent Response (message 2).
	StateAwaitReveal
	// StateAwaitConfirm: an initiator that sent Reveal (message 3).
	StateAwaitConfirm
	// StateDone: keys are confirmed; Result is available.
	StateDone
)

func (s State) String() string {
	switch s {
	case StateStart:
		return "Start"
	case StateAwaitCommit:
		return "AwaitCommit"
	case StateAwaitResponse:
		return "AwaitResponse"
	case StateAwaitReveal:
		return "AwaitReveal"
	case StateAwaitConfirm:
		return "AwaitConfirm"
	case StateDone:
		return "Done"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}
