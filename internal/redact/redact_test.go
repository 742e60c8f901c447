package redact

import (
	"fmt"
	"log/slog"
	"testing"
)

// secretT is a type whose rendering is built with this package.
type secretT struct {
	id  string
	key []byte
}

func (s *secretT) facts() []slog.Attr {
	if s == nil {
		return nil
	}
	return append([]slog.Attr{slog.String("id", s.id)}, Bytes("key", s.key)...)
}
func (s *secretT) String() string                { return String("pkg.T", s.facts()) }
func (s *secretT) GoString() string              { return "&" + s.String() }
func (s *secretT) Format(f fmt.State, verb rune) { Format(f, verb, s) }

func TestRendering(t *testing.T) {
	v := &secretT{id: "a b", key: []byte{0xde, 0xad, 0xbe, 0xef}}
	const want = `pkg.T{id="a b" key=[redacted] key_size=4}`
	for verb, w := range map[string]string{
		"%v": want, "%+v": want, "%s": want, "%x": want, "%X": want, "%d": want, "%10.3v": want,
		"%#v": "&" + want, "%q": fmt.Sprintf("%q", want),
	} {
		if got := fmt.Sprintf(verb, v); got != w {
			t.Errorf("%s: got %s, want %s", verb, got, w)
		}
	}
	if got := fmt.Sprint((*secretT)(nil)); got != Nil {
		t.Errorf("nil: got %s, want %s", got, Nil)
	}
	for s, want := range map[string]bool{"alice": false, "": true, "a=b": true, "a\nb": true, `a"`: true, "x}": true, Secret: false} {
		if needsQuote(s) != want {
			t.Errorf("needsQuote(%q) = %v, want %v", s, !want, want)
		}
	}
}

func TestJSON(t *testing.T) {
	inner := slog.Group("g", slog.Int("n", 1))
	b, err := JSON([]slog.Attr{slog.String("k", "v\n"), slog.Bool("b", true), inner})
	if want := `{"k":"v\n","b":true,"g":{"n":1}}`; err != nil || string(b) != want {
		t.Errorf("JSON = %s, %v; want %s", b, err, want)
	}
	if b, _ := JSON(nil); string(b) != "null" {
		t.Errorf("JSON(nil) = %s, want null", b)
	}
	if v := LogValue(nil); v.String() != Nil {
		t.Errorf("LogValue(nil) = %v, want %s", v, Nil)
	}
}
