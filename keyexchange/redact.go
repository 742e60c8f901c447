package keyexchange

import (
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/callseal/callseal/internal/redact"
)

// Redaction: every type of this package that holds key material renders,
// for fmt (every verb, %x and %#v included), log/slog and encoding/json,
// only facts that are safe to log, and "[redacted]" for its secrets. The
// facts are read through the exported accessors.

// facts are what r's renderings show: suite, role, call ID (hex), both
// identities, the policy decision, continuity; never the transcript hash
// or a secret.
func (r *Result) facts() []slog.Attr {
	if r == nil {
		return nil
	}
	d := r.Decision()
	return []slog.Attr{
		slog.String("suite", r.Suite().String()),
		slog.String("role", r.Role().String()),
		slog.String("call_id", hex.EncodeToString(r.CallID())),
		slog.String("local_id", r.LocalID()),
		slog.String("peer_id", r.PeerID()),
		slog.Bool("e2ee", d.E2EE),
		slog.String("reason", d.Reason.String()),
		slog.String("continuity", r.Continuity().String()),
		slog.Bool("verified", r.Verified()),
		slog.String("secrets", redact.Secret),
	}
}

// String returns the suite, role, call ID, identities, policy decision and
// continuity of r, with its secrets "[redacted]".
func (r *Result) String() string { return redact.String("keyexchange.Result", r.facts()) }

// GoString returns String: the Go syntax of r would show its secrets.
func (r *Result) GoString() string { return r.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (r *Result) Format(f fmt.State, verb rune) { redact.Format(f, verb, r) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (r *Result) LogValue() slog.Value { return redact.LogValue(r.facts()) }

// facts are h's state and, once it is done, its Result's facts. They take
// h's lock.
func (h *Handshake) facts() []slog.Attr {
	if h == nil {
		return nil
	}
	state := slog.String("state", h.State().String())
	if res, _ := h.Result(); res != nil {
		return append([]slog.Attr{state}, res.facts()...)
	}
	return []slog.Attr{state, slog.String("secrets", redact.Secret)}
}

// String returns the state of h and, once it is done, what Result.String
// shows, with its secrets "[redacted]". It takes h's lock.
func (h *Handshake) String() string { return redact.String("keyexchange.Handshake", h.facts()) }

// GoString returns String: the Go syntax of h would show its secrets.
func (h *Handshake) GoString() string { return h.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (h *Handshake) Format(f fmt.State, verb rune) { redact.Format(f, verb, h) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (h *Handshake) LogValue() slog.Value { return redact.LogValue(h.facts()) }

func (r ContinuityRecord) facts() []slog.Attr {
	return []slog.Attr{
		slog.String("secret", redact.Secret),
		slog.String("previous", redact.Secret),
		slog.Bool("has_previous", r.HasPrevious),
		slog.Bool("verified", r.Verified),
	}
}

// String returns HasPrevious and Verified of r, with Secret and Previous
// "[redacted]".
func (r ContinuityRecord) String() string {
	return redact.String("keyexchange.ContinuityRecord", r.facts())
}

// GoString returns String: the Go syntax of r would show its secrets.
func (r ContinuityRecord) GoString() string { return r.String() }

// Format implements fmt.Formatter: every verb prints String (%#v GoString,
// %q the quoted String).
func (r ContinuityRecord) Format(f fmt.State, verb rune) { redact.Format(f, verb, r) }

// LogValue implements slog.LogValuer: the facts String shows, as a group.
func (r ContinuityRecord) LogValue() slog.Value { return redact.LogValue(r.facts()) }

// MarshalJSON encodes the facts String shows, with Secret and Previous
// "[redacted]", so that r logged as JSON (inside a struct, say) leaks
// nothing. It is not a storage format: a ContinuityStore encodes Secret
// and Previous itself, as FileStore does (hex).
func (r ContinuityRecord) MarshalJSON() ([]byte, error) { return redact.JSON(r.facts()) }
