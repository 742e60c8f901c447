package callseal

import (
	"fmt"
	"log/slog"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: Session and KeySource render, for fmt (every verb, %x and %#v
// included) and log/slog, only facts that are safe to log, and
// "[redacted]" for their keys. A Session's check number is not shown
// either: show it to the users, do not log it.

func (s *Session) facts() []slog.Attr {
	if s == nil {
		return nil
	}
	on, reason := s.E2EE()
	return []slog.Attr{
		slog.Bool("e2ee", on),
		slog.String("reason", reason.String()),
		slog.String("profile", s.Profile().String()),
		slog.Int("overhead", s.Overhead()),
		slog.String("keys", redact.Secret),
	}
}

// String returns whether s is end-to-end encrypted (and if not, why), its
// SRTP profile and overhead in bytes, with its keys "[redacted]".
func (s *Session) String() string { return redact.String("callseal.Session", s.facts()) }

// GoString returns String: the Go syntax of s would show its state.
func (s *Session) GoString() string { return s.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (s *Session) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (s *Session) LogValue() slog.Value { return redact.LogValue(s.facts()) }

func (k KeySource) facts() []slog.Attr {
	return []slog.Attr{slog.String("profile", k.Profile().String()), slog.String("keys", redact.Secret)}
}

// String returns the SRTP profile of k, with its keys "[redacted]".
func (k KeySource) String() string { return redact.String("callseal.KeySource", k.facts()) }

// GoString returns String: the Go syntax of k would show its keys.
func (k KeySource) GoString() string { return k.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (k KeySource) Format(f fmt.State, verb rune) { redact.Format(f, verb, k) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (k KeySource) LogValue() slog.Value { return redact.LogValue(k.facts()) }
