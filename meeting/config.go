package meeting

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/callseal/callseal/meeting/internal/wire"
)

// Limits (PROTOCOL.md, "Limits").
const (
	// MaxParticipants is the largest roster, the leader included: the
	// sender index has IndexBits = 8 bits.
	MaxParticipants = wire.MaxRoster
	// MaxMeetingIDSize is the largest meeting ID; at least 1 byte.
	MaxMeetingIDSize = 64 // bytes
	// MaxIDSize is the largest participant ID (keyexchange.MaxIDSize); at
	// least 1 byte.
	MaxIDSize = wire.MaxIDSize // bytes
	// MaxMessageSize is the largest key message in bytes; longer ones are
	// rejected with ErrMalformed.
	MaxMessageSize = wire.MaxMessageSize // bytes
	// DefaultGrace is the grace period of Config.Grace's zero value.
	DefaultGrace = 10 * time.Second
)

// Config configures a Leader or a Member. The zero value of every optional
// field is the sensible default.
type Config struct {
	// MeetingID names the meeting, 1..MaxMeetingIDSize bytes, the same at
	// every participant. It is bound into the channel keys, the leader's
	// proofs, the notices and the meeting code.
	MeetingID []byte
	// Grace is how long the previous epoch's keys stay after a new epoch
	// begins, so media sealed just before the change still opens; then
	// they are erased. Zero means DefaultGrace, a negative value erases
	// them at once. At most one previous epoch is ever held.
	Grace time.Duration
	// Rand is the source of the leader's Ed25519 seed and of fresh epoch
	// secrets; nil means crypto/rand.Reader. Anything else is for
	// deterministic tests only. Members draw no randomness.
	Rand io.Reader

	// now reads the clock for the grace period; nil means time.Now. Tests
	// set it.
	now func() time.Time
}

// validate checks c and returns a copy with defaults filled in.
func (c Config) validate() (Config, error) {
	if len(c.MeetingID) < 1 || len(c.MeetingID) > MaxMeetingIDSize {
		return Config{}, fmt.Errorf("%w: meeting ID of %d bytes, want 1..%d", ErrInvalidConfig, len(c.MeetingID), MaxMeetingIDSize)
	}
	c.MeetingID = append([]byte(nil), c.MeetingID...)
	if c.Grace == 0 {
		c.Grace = DefaultGrace
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

func checkID(id string) error {
	if len(id) < 1 || len(id) > MaxIDSize {
		return fmt.Errorf("%w: participant ID of %d bytes, want 1..%d", ErrInvalidConfig, len(id), MaxIDSize)
	}
	return nil
}
