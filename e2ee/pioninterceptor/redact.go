package pioninterceptor

import (
	"fmt"
	"log/slog"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: a Factory renders, for fmt (every verb, %x and %#v included)
// and log/slog, only whether it has a session and that session's redacted
// rendering (e2ee.Session.String).

func (f *Factory) facts() []slog.Attr {
	if f == nil {
		return nil
	}
	if s := f.Session(); s != nil {
		return []slog.Attr{slog.Any("session", s)}
	}
	return []slog.Attr{slog.String("session", "none")}
}

// String returns the redacted rendering of f's session, or session=none.
func (f *Factory) String() string { return redact.String("pioninterceptor.Factory", f.facts()) }

// GoString returns String: the Go syntax of f would show its state.
func (f *Factory) GoString() string { return f.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (f *Factory) Format(s fmt.State, verb rune) { redact.Format(s, verb, f) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (f *Factory) LogValue() slog.Value { return redact.LogValue(f.facts()) }
