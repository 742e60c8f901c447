package e2ee

import (
	"fmt"
	"log/slog"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: a Session renders, for fmt (every verb, %x and %#v included)
// and log/slog, only its cipher suite and overhead, and "[redacted]" for
// its keys.

func (s *Session) facts() []slog.Attr {
	if s == nil {
		return nil
	}
	return []slog.Attr{
		slog.String("cipher_suite", s.CipherSuite().String()),
		slog.Int("overhead", s.Overhead()),
		slog.String("keys", redact.Secret),
	}
}

// String returns the cipher suite and overhead (bytes) of s, with its keys
// "[redacted]".
func (s *Session) String() string { return redact.String("e2ee.Session", s.facts()) }

// GoString returns String: the Go syntax of s would show its state.
func (s *Session) GoString() string { return s.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (s *Session) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (s *Session) LogValue() slog.Value { return redact.LogValue(s.facts()) }
