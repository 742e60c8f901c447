// Package redact renders values that hold key material for fmt, log/slog
// and encoding/json without the key material. Each callseal type that holds
// secrets lists the facts about itself that are safe to log (suite, role,
// IDs, state, sizes; Secret in place of every secret) as slog attributes,
// and its String, GoString, Format, LogValue (and, where its secrets are
// exported fields, MarshalJSON) render that list with this package.
package redact

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
)

// Secret stands for secret bytes in a rendering.
const Secret = "[redacted]"

// Nil is the rendering of a nil receiver, whose facts are nil.
const Nil = "<nil>"

// String renders facts as name{key=value ...}; nil facts render as Nil.
// String values are quoted where they contain spaces, '=', quotes, braces
// or unprintable runes, so a value cannot forge another fact or a line
// break; other values are rendered as fmt.Sprint renders them (a nested
// LogValuer through its own String).
func String(name string, facts []slog.Attr) string {
	if facts == nil {
		return Nil
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, a := range facts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a.Key)
		b.WriteByte('=')
		s := a.Value.String()
		if a.Value.Kind() == slog.KindString && needsQuote(s) {
			s = strconv.Quote(s)
		}
		b.WriteString(s)
	}
	b.WriteByte('}')
	return b.String()
}

func needsQuote(s string) bool {
	return s == "" || strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '=' || r == '"' || r == '{' || r == '}' || !unicode.IsPrint(r)
	}) >= 0
}

// Bytes returns the facts of a secret byte string: key=Secret and its
// size in bytes, key_size=len(b).
func Bytes(key string, b []byte) []slog.Attr {
	return []slog.Attr{slog.String(key, Secret), slog.Int(key+"_size", len(b))}
}

// Format implements fmt.Formatter for v: %#v writes v.GoString(), %q the
// quoted v.String(), and every other verb (%v, %+v, %s, %x, %X, %d, ...)
// v.String(), so that no verb reaches the fields. It never formats v
// itself, so it cannot recurse.
func Format(f fmt.State, verb rune, v interface {
	String() string
	GoString() string
}) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, v.GoString())
	case verb == 'q':
		io.WriteString(f, strconv.Quote(v.String()))
	default:
		io.WriteString(f, v.String())
	}
}

// LogValue returns facts as a slog group; nil facts give the string Nil.
func LogValue(facts []slog.Attr) slog.Value {
	if facts == nil {
		return slog.StringValue(Nil)
	}
	return slog.GroupValue(facts...)
}

// JSON returns facts as a JSON object, keys in order (nil facts: null).
// Values that are slog.LogValuers are resolved first, groups become
// nested objects.
func JSON(facts []slog.Attr) ([]byte, error) {
	if facts == nil {
		return []byte("null"), nil
	}
	b := []byte{'{'}
	for i, a := range facts {
		if i > 0 {
			b = append(b, ',')
		}
		key, err := json.Marshal(a.Key)
		if err != nil {
			return nil, err
		}
		b = append(append(b, key...), ':')
		v := a.Value.Resolve()
		var enc []byte
		if v.Kind() == slog.KindGroup {
			enc, err = JSON(v.Group())
		} else {
			enc, err = json.Marshal(v.Any())
		}
		if err != nil {
			return nil, err
		}
		b = append(b, enc...)
	}
	return append(b, '}'), nil
}
