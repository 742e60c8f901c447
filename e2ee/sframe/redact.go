package sframe

import (
	"fmt"
	"log/slog"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: Key and Scratch render, for fmt (every verb, %x and %#v
// included) and log/slog, only facts that are safe to log, and
// "[redacted]" for sframe_key, sframe_salt and the nonce (sframe_salt XOR
// CTR, which with the CTR from the header gives the salt).

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

func (s Scratch) facts() []slog.Attr {
	return []slog.Attr{slog.String("nonce", redact.Secret)}
}

// String returns "sframe.Scratch{nonce=[redacted]}": its nonce would give
// away sframe_salt.
func (s Scratch) String() string { return redact.String("sframe.Scratch", s.facts()) }

// GoString returns String.
func (s Scratch) GoString() string { return s.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (s Scratch) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (s Scratch) LogValue() slog.Value { return redact.LogValue(s.facts()) }
