package sframe

import (
	"fmt"
	"log/slog"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: a Key renders, for fmt (every verb, %x and %#v included) and
// log/slog, only facts that are safe to log, and "[redacted]" for
// sframe_key and sframe_salt.

func (k *Key) facts() []slog.Attr {
	if k == nil {
		return nil
	}
	return []slog.Attr{
		slog.String("suite", k.Suite().String()),
		slog.Uint64("kid", k.KID()),
		slog.String("key", redact.Secret),
		slog.String("salt", redact.Secret),
	}
}

// String returns the cipher suite and KID of k, with sframe_key and
// sframe_salt "[redacted]".
func (k *Key) String() string { return redact.String("sframe.Key", k.facts()) }

// GoString returns String: the Go syntax of k would show its salt.
func (k *Key) GoString() string { return k.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (k *Key) Format(f fmt.State, verb rune) { redact.Format(f, verb, k) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (k *Key) LogValue() slog.Value { return redact.LogValue(k.facts()) }
