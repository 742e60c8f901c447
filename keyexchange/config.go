package keyexchange

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/callseal/callseal/keyexchange/internal/wire"
	"github.com/callseal/callseal/policy"
)

// Limits on Config and on every handshake message (PROTOCOL.md, "Limits").
const (
	// MaxMessageSize is the largest handshake message in bytes; longer
	// messages are rejected with ErrMalformed.
	MaxMessageSize = wire.MaxMessageSize // bytes
	// MaxCallIDSize is the largest call ID; it must be at least 1 byte.
	MaxCallIDSize = wire.MaxCallIDSize // bytes
	// MaxIDSize is the largest identity (LocalID, PeerID); at least 1 byte.
	MaxIDSize = wire.MaxIDSize // bytes
	// MaxSuites is the largest number of suites a Config may list.
	MaxSuites = wire.MaxSuites
)

// Config configures one party of one handshake. The zero value of every
// optional field is the sensible default.
type Config struct {
	// Role is Initiator (sends Commit) or Responder.
	Role Role
	// CallID is unique per call and bound into the transcript: a message
	// from another call is rejected with ErrCallID. 1..MaxCallIDSize bytes.
	CallID []byte
	// LocalID and PeerID are this party's and the expected peer's identity
	// (user or device), bound into the transcript. A message naming anyone
	// else is rejected with ErrIdentity. 1..MaxIDSize bytes each. PeerID
	// also keys the ContinuityStore.
	LocalID, PeerID string
	// Suites lists the acceptable suites; nil means {X25519_SHA256}. The
	// initiator offers them in this order, its preference. The responder
	// picks the first suite of the offer that its own list contains (the
	// initiator's preference rules; the order of the responder's list does
	// not matter).
	Suites []Suite
	// Policy is this party's E2EE policy state, sent to the peer; both
	// parties decide with policy.Decide (Result.Decision). The zero value,
	// an Unmanaged account on a capable client, allows E2EE.
	Policy policy.Party
	// Continuity, when not nil, keeps retained secrets per peer for key
	// continuity (Result.Continuity, Result.Verified). nil turns it off.
	Continuity ContinuityStore
	// Rand is the source of the X25519 private key, the initiator's ML-KEM
	// seed and the nonce; nil means crypto/rand.Reader. Anything else is for
	// deterministic tests only. The responder's ML-KEM encapsulation always
	// uses crypto/rand (see mlkem.go), so a hybrid handshake is fully
	// determined by Rand only under the tests' hook.
	Rand io.Reader
}

// supported reports whether this version implements suite s.
func (s Suite) supported() bool {
	return s == X25519_SHA256 || s == X25519_MLKEM768_SHA256
}

// hybrid reports whether s includes ML-KEM-768.
func (s Suite) hybrid() bool { return s == X25519_MLKEM768_SHA256 }

// validate checks c and returns a copy with defaults filled in and with the
// slices copied, so later changes by the caller do not reach the Handshake.
func (c Config) validate() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	if c.Role != Initiator && c.Role != Responder {
		return bad("role %v", c.Role)
	}
	if len(c.CallID) < 1 || len(c.CallID) > MaxCallIDSize {
		return bad("call ID of %d bytes, want 1..%d", len(c.CallID), MaxCallIDSize)
	}
	if len(c.LocalID) < 1 || len(c.LocalID) > MaxIDSize {
		return bad("local ID of %d bytes, want 1..%d", len(c.LocalID), MaxIDSize)
	}
	if len(c.PeerID) < 1 || len(c.PeerID) > MaxIDSize {
		return bad("peer ID of %d bytes, want 1..%d", len(c.PeerID), MaxIDSize)
	}
	if c.Suites == nil {
		c.Suites = []Suite{X25519_SHA256}
	}
	if len(c.Suites) < 1 || len(c.Suites) > MaxSuites {
		return bad("%d suites, want 1..%d", len(c.Suites), MaxSuites)
	}
	for i, s := range c.Suites {
		if !s.supported() {
			return bad("suite %v is not supported", s)
		}
		for _, t := range c.Suites[:i] {
			if s == t {
				return bad("suite %v listed twice", s)
			}
		}
	}
	if _, err := wire.EncodePolicy(c.Policy); err != nil {
		return bad("policy: %v", c.Policy.Admin)
	}
	c.CallID = append([]byte(nil), c.CallID...)
	c.Suites = append([]Suite(nil), c.Suites...)
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return c, nil
}
