package srtp

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: Keys and Session render, for fmt (every verb, %x and %#v
// included), log/slog and encoding/json, only facts that are safe to log,
// and "[redacted]" for their key material.

func (k Keys) facts() []slog.Attr {
	return slices.Concat(redact.Bytes("master_key", k.MasterKey), redact.Bytes("master_salt", k.MasterSalt))
}

// String returns the sizes in bytes of k's master key and salt, with the
// bytes "[redacted]".
func (k Keys) String() string { return redact.String("srtp.Keys", k.facts()) }

// GoString returns String: the Go syntax of k would show its secrets.
func (k Keys) GoString() string { return k.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (k Keys) Format(f fmt.State, verb rune) { redact.Format(f, verb, k) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (k Keys) LogValue() slog.Value { return redact.LogValue(k.facts()) }

// MarshalJSON encodes the facts String shows, with the key bytes
// "[redacted]", so that Keys logged as JSON (inside a struct, say) leak
// nothing. SRTP master keys are per call and never stored, so Keys need
// no storage format; there is no UnmarshalJSON.
func (k Keys) MarshalJSON() ([]byte, error) { return redact.JSON(k.facts()) }

func (s *Session) facts() []slog.Attr {
	if s == nil {
		return nil
	}
	return []slog.Attr{slog.String("profile", s.Profile().String()), slog.String("keys", redact.Secret)}
}

// String returns the profile of s, with its keys "[redacted]".
func (s *Session) String() string { return redact.String("srtp.Session", s.facts()) }

// GoString returns String: the Go syntax of s would show its state.
func (s *Session) GoString() string { return s.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (s *Session) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (s *Session) LogValue() slog.Value { return redact.LogValue(s.facts()) }
