package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// seeds returns the records of the meeting test vectors
// (meeting/testdata/meeting_vectors.json) by JSON key.
func seeds(tb testing.TB) map[string][]byte {
	b, err := os.ReadFile("../../testdata/meeting_vectors.json")
	if err != nil {
		tb.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	out := make(map[string][]byte)
	for _, k := range []string{"welcome_member", "welcome_newcomer", "join_notice_newcomer", "resync_request", "resync_reply", "rekey_member", "handover_notice"} {
		s, _ := v[k].(string)
		if out[k], err = hex.DecodeString(s); err != nil || len(out[k]) == 0 {
			tb.Fatalf("%s: %v", k, err)
		}
	}
	return out
}

func FuzzParseSealed(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		s, err := ParseSealed(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		re := append(AppendSealedHeader(nil, s.Header, s.Seq), s.Ciphertext...)
		if !bytes.Equal(re, msg) {
			t.Fatal("sealed record does not re-encode to its input")
		}
	})
}

func FuzzParseNotice(f *testing.F) {
	sd := seeds(f)
	f.Add(sd["join_notice_newcomer"])
	f.Add(sd["handover_notice"])
	f.Fuzz(func(t *testing.T, msg []byte) {
		n, body, err := ParseNotice(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		re, err := n.Marshal()
		if err != nil || !bytes.Equal(re, msg) || !bytes.Equal(body, msg[:len(msg)-SignatureSize]) {
			t.Fatalf("notice does not re-encode to its input: %v", err)
		}
	})
}

// bodies are plausible plaintexts: the fuzzer cannot decrypt the seeds.
func welcomeSeed() []byte {
	w := Welcome{Index: 1, Roster: []Entry{{0, "alice"}, {1, "bob"}, {7, "carol"}}}
	b, _ := w.Append(nil)
	return b
}

func FuzzParseWelcome(f *testing.F) {
	f.Add(welcomeSeed())
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWelcome(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		re, err := w.Append(nil)
		if err != nil || !bytes.Equal(re, b) || w.Size() != len(b) {
			t.Fatalf("welcome does not re-encode to its input: %v", err)
		}
	})
}

func FuzzParseRekey(f *testing.F) {
	k := Rekey{Removed: []uint8{2, 9}}
	b, _ := k.Append(nil)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseRekey(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		re, err := k.Append(nil)
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("rekey does not re-encode to its input: %v", err)
		}
	})
}

// TestStrictParsing: no strict prefix of a record or body parses, and
// records of the wrong class are refused.
func TestStrictParsing(t *testing.T) {
	sd := seeds(t)
	for _, k := range []string{"join_notice_newcomer", "handover_notice"} {
		n := sd[k]
		for i := range n {
			if _, _, err := ParseNotice(n[:i]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s prefix %d: %v", k, i, err)
			}
		}
		if _, err := ParseSealed(n); !errors.Is(err, ErrMalformed) {
			t.Fatalf("notice parsed as sealed: %v", err)
		}
	}
	if _, _, err := ParseNotice(sd["welcome_member"]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("sealed parsed as notice: %v", err)
	}
	w := welcomeSeed()
	for i := range w {
		if _, err := ParseWelcome(w[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("welcome prefix %d: %v", i, err)
		}
	}
	bad := []Welcome{
		{Roster: nil},
		{Roster: []Entry{{1, "a"}, {0, "b"}}},
		{Roster: []Entry{{0, "a"}, {1, "a"}}},
		{Roster: []Entry{{0, ""}}},
	}
	for i, b := range bad {
		if _, err := b.Append(nil); !errors.Is(err, ErrMalformed) {
			t.Fatalf("bad welcome %d: %v", i, err)
		}
	}
	for _, r := range [][]uint8{nil, {3, 3}, {4, 2}} {
		if _, err := (&Rekey{Removed: r}).Append(nil); !errors.Is(err, ErrMalformed) {
			t.Fatalf("bad rekey %v: %v", r, err)
		}
	}
	if _, err := PeekHeader(make([]byte, MaxMessageSize+1)); !errors.Is(err, ErrMalformed) {
		t.Fatal(err)
	}
}
