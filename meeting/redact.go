package meeting

import (
	"fmt"
	"log/slog"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: the types that hold key material (Leader, Member, EpochKeys)
// render, for fmt (every verb) and log/slog, only facts that are safe to
// log, and "[redacted]" for their secrets.

func (k *EpochKeys) facts() []slog.Attr {
	if k == nil {
		return nil
	}
	return []slog.Attr{slog.Any("epoch", k.epoch), slog.String("secret", redact.Secret)}
}

func (l *Leader) facts() []slog.Attr {
	if l == nil {
		return nil
	}
	return []slog.Attr{
		slog.String("state", l.State().String()), slog.String("id", l.id),
		slog.Any("index", l.index), slog.Any("epoch", l.Epoch()),
		slog.Int("participants", len(l.Roster())), slog.String("code", l.code),
		slog.String("secrets", redact.Secret),
	}
}

func (m *Member) facts() []slog.Attr {
	if m == nil {
		return nil
	}
	code, _ := m.Code()
	return []slog.Attr{
		slog.String("state", m.State().String()), slog.String("id", m.id),
		slog.String("leader", m.LeaderID()), slog.Any("index", m.Index()),
		slog.Any("epoch", m.Epoch()), slog.String("code", code),
		slog.String("secrets", redact.Secret),
	}
}

// String returns the epoch number, with the secret "[redacted]".
func (k *EpochKeys) String() string { return redact.String("meeting.EpochKeys", k.facts()) }

// GoString returns String.
func (k *EpochKeys) GoString() string { return k.String() }

// Format implements fmt.Formatter: every verb prints String.
func (k *EpochKeys) Format(f fmt.State, verb rune) { redact.Format(f, verb, k) }

// LogValue implements slog.LogValuer.
func (k *EpochKeys) LogValue() slog.Value { return redact.LogValue(k.facts()) }

// String returns the state, ID, index, epoch, roster size and code, with
// the secrets "[redacted]".
func (l *Leader) String() string { return redact.String("meeting.Leader", l.facts()) }

// GoString returns String.
func (l *Leader) GoString() string { return l.String() }

// Format implements fmt.Formatter: every verb prints String.
func (l *Leader) Format(f fmt.State, verb rune) { redact.Format(f, verb, l) }

// LogValue implements slog.LogValuer.
func (l *Leader) LogValue() slog.Value { return redact.LogValue(l.facts()) }

// String returns the state, IDs, index, epoch and code, with the secrets
// "[redacted]".
func (m *Member) String() string { return redact.String("meeting.Member", m.facts()) }

// GoString returns String.
func (m *Member) GoString() string { return m.String() }

// Format implements fmt.Formatter: every verb prints String.
func (m *Member) Format(f fmt.State, verb rune) { redact.Format(f, verb, m) }

// LogValue implements slog.LogValuer.
func (m *Member) LogValue() slog.Value { return redact.LogValue(m.facts()) }
