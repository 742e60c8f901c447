package wire

import (
	"bytes"
	"errors"
	"testing"
)

func sampleCommit() *Commit {
	c := &Commit{
		Suites:      []uint16{0x0002, 0x0001},
		CallID:      []byte("call-1234"),
		InitiatorID: "alice@example.com/phone",
		ResponderID: "bob@example.com/laptop",
	}
	for i := range c.Commitment {
		c.Commitment[i] = byte(i)
	}
	return c
}

func sampleResponse() *Response {
	r := &Response{
		Suite:       0x0001,
		CallID:      []byte("call-1234"),
		ResponderID: "bob@example.com/laptop",
		InitiatorID: "alice@example.com/phone",
	}
	for i := range r.PublicKey {
		r.PublicKey[i] = byte(0x40 + i)
		r.Nonce[i] = byte(0x80 + i)
	}
	return r
}

func sampleReveal() *Reveal {
	r := new(Reveal)
	for i := range r.PublicKey {
		r.PublicKey[i] = byte(i)
		r.Nonce[i] = byte(0x20 + i)
		r.Confirm[i] = byte(0xc0 + i)
	}
	return r
}

func sampleConfirm() *Confirm {
	c := new(Confirm)
	for i := range c.Confirm {
		c.Confirm[i] = byte(0xe0 + i)
	}
	return c
}

type marshaler interface{ Marshal() ([]byte, error) }

// parsers maps each message type to a parse function returning a marshaler.
var parsers = map[Type]func([]byte) (marshaler, error){
	TypeCommit:   func(b []byte) (marshaler, error) { return ParseCommit(b) },
	TypeResponse: func(b []byte) (marshaler, error) { return ParseResponse(b) },
	TypeReveal:   func(b []byte) (marshaler, error) { return ParseReveal(b) },
	TypeConfirm:  func(b []byte) (marshaler, error) { return ParseConfirm(b) },
}

func samples(t testing.TB) map[Type][]byte {
	out := make(map[Type][]byte)
	for typ, m := range map[Type]marshaler{
		TypeCommit:   sampleCommit(),
		TypeResponse: sampleResponse(),
		TypeReveal:   sampleReveal(),
		TypeConfirm:  sampleConfirm(),
	} {
		b, err := m.Marshal()
		if err != nil {
			t.Fatalf("%v: Marshal: %v", typ, err)
		}
		out[typ] = b
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for typ, msg := range samples(t) {
		if msg[0] != Version || Type(msg[1]) != typ {
			t.Errorf("%v: header %x", typ, msg[:2])
		}
		m, err := parsers[typ](msg)
		if err != nil {
			t.Fatalf("%v: parse: %v", typ, err)
		}
		again, err := m.Marshal()
		if err != nil || !bytes.Equal(again, msg) {
			t.Errorf("%v: round trip = %x, %v; want %x", typ, again, err, msg)
		}
	}
}

func TestRevealTranscriptPart(t *testing.T) {
	r := sampleReveal()
	msg, _ := r.Marshal()
	part := r.TranscriptPart()
	if !bytes.Equal(part, msg[:len(msg)-RevealConfirmFieldSize]) {
		t.Errorf("TranscriptPart = %x, want message without its confirm field", part)
	}
}

// TestLayout pins the byte layout documented in PROTOCOL.md.
func TestLayout(t *testing.T) {
	s := samples(t)
	if got, want := len(s[TypeConfirm]), 2+2+32; got != want {
		t.Errorf("Confirm is %d bytes, want %d", got, want)
	}
	if got, want := len(s[TypeReveal]), 2+3*(2+32); got != want {
		t.Errorf("Reveal is %d bytes, want %d", got, want)
	}
	c := sampleCommit()
	want := 2 + (2 + 2*len(c.Suites)) + (2 + len(c.CallID)) + (2 + len(c.InitiatorID)) + (2 + len(c.ResponderID)) + (2 + 32)
	if got := len(s[TypeCommit]); got != want {
		t.Errorf("Commit is %d bytes, want %d", got, want)
	}
	if !bytes.Equal(s[TypeCommit][:8], []byte{1, 1, 0, 4, 0, 2, 0, 1}) {
		t.Errorf("Commit starts %x", s[TypeCommit][:8])
	}
}

// TestStrictPrefixesAndSuffixes: no strict prefix of a valid message parses,
// and nothing may follow the last field.
func TestStrictPrefixesAndSuffixes(t *testing.T) {
	for typ, msg := range samples(t) {
		for n := 0; n < len(msg); n++ {
			if _, err := parsers[typ](msg[:n]); !errors.Is(err, ErrMalformed) {
				t.Errorf("%v: prefix of %d bytes: err = %v, want ErrMalformed", typ, n, err)
			}
		}
		if _, err := parsers[typ](append(bytes.Clone(msg), 0)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%v: trailing byte: err = %v, want ErrMalformed", typ, err)
		}
	}
}

func TestRejects(t *testing.T) {
	s := samples(t)
	bad := func(name string, typ Type, msg []byte, want error) {
		t.Helper()
		if _, err := parsers[typ](msg); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
	v2 := bytes.Clone(s[TypeConfirm])
	v2[0] = 2
	bad("version 2", TypeConfirm, v2, ErrVersion)
	wrongType := bytes.Clone(s[TypeConfirm])
	wrongType[1] = byte(TypeReveal)
	bad("wrong type", TypeConfirm, wrongType, ErrMalformed)
	unknown := bytes.Clone(s[TypeConfirm])
	unknown[1] = 9
	bad("unknown type", TypeConfirm, unknown, ErrMalformed)
	bad("oversized", TypeCommit, append(bytes.Clone(s[TypeCommit]), make([]byte, MaxMessageSize)...), ErrMalformed)

	// A field one byte too long: MAC of 33 bytes.
	long := []byte{Version, byte(TypeConfirm), 0, 33}
	long = append(long, make([]byte, 33)...)
	bad("33-byte MAC", TypeConfirm, long, ErrMalformed)

	// Suites: odd length, duplicate, empty.
	c := sampleCommit()
	c.Suites = []uint16{1, 1}
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with duplicate suites: %v", err)
	}
	c.Suites = nil
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with no suites: %v", err)
	}
	dup := bytes.Clone(s[TypeCommit])
	copy(dup[4:8], []byte{0, 1, 0, 1})
	bad("duplicate suites", TypeCommit, dup, ErrMalformed)
	odd := []byte{Version, byte(TypeCommit), 0, 3, 0, 1, 0}
	odd = append(odd, s[TypeCommit][8:]...)
	bad("odd suites", TypeCommit, odd, ErrMalformed)

	// Limits enforced on marshal too.
	c = sampleCommit()
	c.CallID = make([]byte, MaxCallIDSize+1)
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with long call ID: %v", err)
	}
	r := sampleResponse()
	r.InitiatorID = ""
	if _, err := r.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with empty ID: %v", err)
	}
}

func TestPeekType(t *testing.T) {
	for typ, msg := range samples(t) {
		if got, err := PeekType(msg); got != typ || err != nil {
			t.Errorf("PeekType = %v, %v; want %v", got, err, typ)
		}
	}
	if _, err := PeekType([]byte{1}); !errors.Is(err, ErrMalformed) {
		t.Errorf("PeekType(1 byte) = %v", err)
	}
	if got := Type(7).String(); got != "Type(7)" {
		t.Errorf("Type(7).String() = %q", got)
	}
}

// fuzzParse checks that parsing never panics and that whatever parses
// marshals back to the same bytes (canonical encoding), and that no strict
// prefix of an accepted message is accepted.
func fuzzParse(f *testing.F, typ Type) {
	s := samples(f)
	for _, msg := range s {
		f.Add(msg)
	}
	f.Add([]byte{})
	f.Add([]byte{Version, byte(typ)})
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := parsers[typ](msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := m.Marshal()
		if err != nil {
			t.Fatalf("Marshal after parse: %v", err)
		}
		if !bytes.Equal(again, msg) {
			t.Fatalf("round trip:\n got %x\nwant %x", again, msg)
		}
		for n := 0; n < len(msg); n++ {
			if _, err := parsers[typ](msg[:n]); err == nil {
				t.Fatalf("strict prefix of %d bytes parsed", n)
			}
		}
	})
}

func FuzzParseCommit(f *testing.F)   { fuzzParse(f, TypeCommit) }
func FuzzParseResponse(f *testing.F) { fuzzParse(f, TypeResponse) }
func FuzzParseReveal(f *testing.F)   { fuzzParse(f, TypeReveal) }
func FuzzParseConfirm(f *testing.F)  { fuzzParse(f, TypeConfirm) }
