package keyexchange

import "fmt"

// Role is a party's role in the handshake.
type Role uint8

const (
	// Initiator sends Commit (message 1) and Reveal (message 3).
	Initiator Role = iota + 1
	// Responder sends Response (message 2) and Confirm (message 4).
	Responder
)

func (r Role) String() string {
	switch r {
	case Initiator:
		return "initiator"
	case Responder:
		return "responder"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Suite names a key-exchange suite: the key agreement and the hash used for
// the transcript and HKDF. Its 2-byte code point is sent on the wire.
type Suite uint16

const (
	// X25519_SHA256 is X25519 (RFC 7748) with SHA-256 and HKDF-SHA256. Default.
	X25519_SHA256 Suite = 0x0001
	// X25519_MLKEM768_SHA256 is the hybrid of ML-KEM-768 (FIPS 203) and X25519;
	// shared secret = ML-KEM ss ‖ X25519 ss, as X25519MLKEM768 in TLS.
	X25519_MLKEM768_SHA256 Suite = 0x0002
)

func (s Suite) String() string {
	switch s {
	case X25519_SHA256:
		return "X25519_SHA256"
	case X25519_MLKEM768_SHA256:
		return "X25519_MLKEM768_SHA256"
	}
	return fmt.Sprintf("Suite(0x%04x)", uint16(s))
}
