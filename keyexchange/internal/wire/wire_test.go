package wire

import (
	"bytes"
	"crypto/mlkem"
	"errors"
	"testing"

	"github.com/callseal/callseal/policy"
)

func sampleCommit() *Commit {
	c := &Commit{
		CallID:      []byte("call-1234"),
		Suites:      []uint16{0x0002, 0x0001},
		InitiatorID: "alice@example.com/phone",
		ResponderID: "bob@example.com/laptop",
		Policy:      policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true},
		RetainedIDs: [][RetainedIDSize]byte{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}},
		KEMKey:      sampleKEMKey(),
	}
	for i := range c.Commitment {
		c.Commitment[i] = byte(i)
	}
	return c
}

// sampleKEMKey is a valid ML-KEM-768 encapsulation key (the parser checks
// only its length; keyexchange checks the rest).
func sampleKEMKey() []byte {
	dk, err := mlkem.NewDecapsulationKey768(make([]byte, mlkem.SeedSize))
	if err != nil {
		panic(err)
	}
	return dk.EncapsulationKey().Bytes()
}

func sampleResponse() *Response {
	r := &Response{
		CallID:        []byte("call-1234"),
		Suite:         0x0002,
		ResponderID:   "bob@example.com/laptop",
		InitiatorID:   "alice@example.com/phone",
		Policy:        policy.Party{Admin: policy.Disabled, ComplianceRecording: true},
		RetainedIDs:   [][RetainedIDSize]byte{{8, 7, 6, 5, 4, 3, 2, 1}},
		KEMCiphertext: bytes.Repeat([]byte{0x5a}, KEMCiphertextSize),
	}
	for i := range r.PublicKey {
		r.PublicKey[i] = byte(0x40 + i)
		r.Nonce[i] = byte(0x80 + i)
	}
	return r
}

// classic returns the X25519-only forms of the samples: no ML-KEM fields,
// no retained IDs, the zero policy.
func classicCommit() *Commit {
	c := sampleCommit()
	c.Suites, c.KEMKey, c.RetainedIDs, c.Policy = []uint16{0x0001}, nil, nil, policy.Party{}
	return c
}

func classicResponse() *Response {
	r := sampleResponse()
	r.Suite, r.KEMCiphertext, r.RetainedIDs, r.Policy = 0x0001, nil, nil, policy.Party{}
	return r
}

func sampleReveal() *Reveal {
	r := &Reveal{CallID: []byte("call-1234")}
	for i := range r.PublicKey {
		r.PublicKey[i] = byte(i)
		r.Nonce[i] = byte(0x20 + i)
		r.Confirm[i] = byte(0xc0 + i)
	}
	return r
}

func sampleConfirm() *Confirm {
	c := &Confirm{CallID: []byte("call-1234")}
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
	return marshalAll(t, map[Type]marshaler{
		TypeCommit:   sampleCommit(),
		TypeResponse: sampleResponse(),
		TypeReveal:   sampleReveal(),
		TypeConfirm:  sampleConfirm(),
	})
}

func classicSamples(t testing.TB) map[Type][]byte {
	return marshalAll(t, map[Type]marshaler{
		TypeCommit:   classicCommit(),
		TypeResponse: classicResponse(),
	})
}

func marshalAll(t testing.TB, in map[Type]marshaler) map[Type][]byte {
	out := make(map[Type][]byte)
	for typ, m := range in {
		b, err := m.Marshal()
		if err != nil {
			t.Fatalf("%v: Marshal: %v", typ, err)
		}
		out[typ] = b
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	all := samples(t)
	for typ, msg := range classicSamples(t) {
		all[typ+100] = msg
	}
	for typ, msg := range all {
		if typ > 100 {
			typ -= 100
		}
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
	part, err := r.TranscriptPart()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(part, msg[:len(msg)-RevealConfirmFieldSize]) {
		t.Errorf("TranscriptPart = %x, want message without its confirm field", part)
	}
}

// TestLayout pins the byte layout documented in PROTOCOL.md.
func TestLayout(t *testing.T) {
	s := samples(t)
	cid := 2 + len("call-1234")
	if got, want := len(s[TypeConfirm]), 2+cid+2+32; got != want {
		t.Errorf("Confirm is %d bytes, want %d", got, want)
	}
	if got, want := len(s[TypeReveal]), 2+cid+3*(2+32); got != want {
		t.Errorf("Reveal is %d bytes, want %d", got, want)
	}
	c := sampleCommit()
	want := 2 + cid + (2 + 2*len(c.Suites)) + (2 + len(c.InitiatorID)) + (2 + len(c.ResponderID)) +
		(2 + 1) + (2 + 16) + (2 + KEMKeySize) + (2 + 32)
	if got := len(s[TypeCommit]); got != want {
		t.Errorf("Commit is %d bytes, want %d", got, want)
	}
	r := sampleResponse()
	want = 2 + cid + (2 + 2) + (2 + len(r.ResponderID)) + (2 + len(r.InitiatorID)) +
		(2 + 1) + (2 + 8) + (2 + 32) + (2 + KEMCiphertextSize) + (2 + 32)
	if got := len(s[TypeResponse]); got != want {
		t.Errorf("Response is %d bytes, want %d", got, want)
	}
	if want := []byte{1, 1, 0, 9, 'c', 'a', 'l', 'l', '-', '1', '2', '3', '4', 0, 4, 0, 2, 0, 1}; !bytes.HasPrefix(s[TypeCommit], want) {
		t.Errorf("Commit starts %x, want %x", s[TypeCommit][:len(want)], want)
	}
	cl := classicSamples(t)[TypeCommit]
	// ... policy 0x00, no retained IDs, empty ML-KEM key, commitment.
	tail := append([]byte{0, 1, 0x00, 0, 0, 0, 0, 0, 32}, c.Commitment[:]...)
	if !bytes.HasSuffix(cl, tail) {
		t.Errorf("classic Commit ends %x, want %x", cl[len(cl)-len(tail):], tail)
	}
}

func TestPolicyEncoding(t *testing.T) {
	seen := map[byte]bool{}
	for _, admin := range []policy.AdminSetting{policy.Unmanaged, policy.Disabled, policy.DisabledUserOverride} {
		for bits := range 16 {
			p := policy.Party{Admin: admin, UserEnabled: bits&1 != 0, ComplianceRecording: bits&2 != 0, ClientUnsupported: bits&4 != 0,
				RequireE2EE: bits&8 != 0}
			b, err := EncodePolicy(p)
			if err != nil {
				t.Fatal(err)
			}
			seen[b] = true
			if q, err := DecodePolicy(b); err != nil || q != p {
				t.Errorf("DecodePolicy(EncodePolicy(%v)) = %v, %v", p, q, err)
			}
		}
	}
	if len(seen) != 48 {
		t.Errorf("%d distinct encodings, want 48", len(seen))
	}
	if b, _ := EncodePolicy(policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true, ComplianceRecording: true, ClientUnsupported: true}); b != 0x1e {
		t.Errorf("encoding = 0x%02x, want 0x1e", b)
	}
	// RequireE2EE is bit 5 (PROTOCOL.md, "Policy byte"); 0 when not set, so
	// the encodings of parties without it are unchanged.
	if b, _ := EncodePolicy(policy.Party{RequireE2EE: true}); b != 0x20 {
		t.Errorf("RequireE2EE alone: encoding = 0x%02x, want 0x20", b)
	}
	if p, err := DecodePolicy(0x29); err != nil || p != (policy.Party{Admin: policy.Disabled, ComplianceRecording: true, RequireE2EE: true}) {
		t.Errorf("DecodePolicy(0x29) = %v, %v", p, err)
	}
	for b := range 256 {
		if !seen[byte(b)] {
			if _, err := DecodePolicy(byte(b)); !errors.Is(err, ErrMalformed) {
				t.Errorf("DecodePolicy(0x%02x) = %v, want ErrMalformed", b, err)
			}
		}
	}
	if _, err := EncodePolicy(policy.Party{Admin: 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("EncodePolicy(admin 3) = %v", err)
	}
}

func TestPeekCallID(t *testing.T) {
	for typ, msg := range samples(t) {
		got, id, err := PeekCallID(msg)
		if err != nil || got != typ || string(id) != "call-1234" {
			t.Errorf("PeekCallID(%v) = %v, %q, %v", typ, got, id, err)
		}
	}
	if _, _, err := PeekCallID([]byte{Version, byte(TypeConfirm), 0, 0}); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty call ID: %v", err)
	}
	if _, _, err := PeekCallID([]byte{Version, byte(TypeConfirm), 0, 5, 'a'}); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated call ID: %v", err)
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
	long := []byte{Version, byte(TypeConfirm), 0, 1, 'x', 0, 33}
	long = append(long, make([]byte, 33)...)
	bad("33-byte MAC", TypeConfirm, long, ErrMalformed)

	// Suites (at offset 13, after header and call ID): odd length, duplicate, empty.
	c := sampleCommit()
	c.Suites = []uint16{1, 1}
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with duplicate suites: %v", err)
	}
	c.Suites = nil
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with no suites: %v", err)
	}
	const suitesAt = 2 + 2 + len("call-1234")
	dup := bytes.Clone(s[TypeCommit])
	copy(dup[suitesAt+2:suitesAt+6], []byte{0, 1, 0, 1})
	bad("duplicate suites", TypeCommit, dup, ErrMalformed)
	odd := append([]byte(nil), s[TypeCommit][:suitesAt]...)
	odd = append(odd, 0, 3, 0, 1, 0)
	odd = append(odd, s[TypeCommit][suitesAt+6:]...)
	bad("odd suites", TypeCommit, odd, ErrMalformed)

	// ML-KEM fields present exactly for the hybrid suite.
	noHybrid := bytes.Clone(s[TypeCommit])
	copy(noHybrid[suitesAt+2:suitesAt+4], []byte{0, 3}) // offer 0x0003, 0x0001 but carry a key
	bad("KEM key without hybrid offer", TypeCommit, noHybrid, ErrMalformed)
	c = classicCommit()
	c.KEMKey = sampleKEMKey()
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with a KEM key and no hybrid offer: %v", err)
	}
	c = sampleCommit()
	c.KEMKey = nil
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal offering hybrid without a KEM key: %v", err)
	}
	cr := classicSamples(t)[TypeResponse]
	hybridChoice := bytes.Clone(cr)
	hybridChoice[suitesAt+3] = 2 // chose the hybrid suite, carries no ciphertext
	bad("hybrid choice without ciphertext", TypeResponse, hybridChoice, ErrMalformed)
	classicChoice := bytes.Clone(s[TypeResponse])
	classicChoice[suitesAt+3] = 1
	bad("ciphertext without hybrid choice", TypeResponse, classicChoice, ErrMalformed)

	// Policy: reserved bits; admin setting 3.
	polAt := suitesAt + 2 + 2 + 2 + len(sampleResponse().ResponderID) + 2 + len(sampleResponse().InitiatorID) + 2
	if got := s[TypeResponse][polAt-2 : polAt+1]; !bytes.Equal(got, []byte{0, 1, 0x09}) {
		t.Fatalf("policy field at %d = %x", polAt, got)
	}
	for _, b := range []byte{0x40, 0x80, 0x03, 0x0b} {
		m := bytes.Clone(s[TypeResponse])
		m[polAt] = b
		bad("policy byte", TypeResponse, m, ErrMalformed)
	}

	// Retained IDs: too many, duplicated, not a multiple of 8.
	c = sampleCommit()
	c.RetainedIDs = append(c.RetainedIDs, [RetainedIDSize]byte{42})
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with 3 retained IDs: %v", err)
	}
	c.RetainedIDs = [][RetainedIDSize]byte{{1}, {1}}
	if _, err := c.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Marshal with duplicate retained IDs: %v", err)
	}
	idsAt := polAt + 1
	dupIDs := bytes.Clone(s[TypeResponse])
	copy(dupIDs[idsAt:], []byte{0, 8})
	bad("retained ID list shorter than declared", TypeResponse, dupIDs[:len(dupIDs)-1], ErrMalformed)
	r12 := append([]byte(nil), s[TypeResponse][:idsAt]...)
	r12 = append(r12, 0, 12)
	r12 = append(r12, make([]byte, 12)...)
	r12 = append(r12, s[TypeResponse][idsAt+2+8:]...)
	bad("12-byte retained IDs", TypeResponse, r12, ErrMalformed)

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
	for _, msg := range samples(f) {
		f.Add(msg)
	}
	for _, msg := range classicSamples(f) {
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

// FuzzPeekCallID: PeekCallID never panics, agrees with the full parser on
// every message the parser accepts, and returns a typed error otherwise.
func FuzzPeekCallID(f *testing.F) {
	for _, msg := range samples(f) {
		f.Add(msg)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		typ, id, err := PeekCallID(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(id) < 1 || len(id) > MaxCallIDSize {
			t.Fatalf("call ID of %d bytes", len(id))
		}
		if _, err := parsers[typ](msg); err == nil && !bytes.Equal(id, msg[HeaderSize+LengthSize:HeaderSize+LengthSize+len(id)]) {
			t.Fatalf("call ID %x does not match the message", id)
		}
	})
}
