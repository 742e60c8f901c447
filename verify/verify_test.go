package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"regexp"
	"testing"

	"github.com/callseal/callseal/keyexchange"
)

var checkNumberFormat = regexp.MustCompile(`^[0-9]{4}( [0-9]{4}){4}$`)

func handshake(t testing.TB, callID string) (ri, rr *keyexchange.Result) {
	t.Helper()
	i, err := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Initiator, CallID: []byte(callID), LocalID: "alice", PeerID: "bob",
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Responder, CallID: []byte(callID), LocalID: "bob", PeerID: "alice",
	})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := i.Start()
	for k := 0; err == nil && msg != nil; k++ {
		if k%2 == 0 {
			msg, err = r.Handle(msg)
		} else {
			msg, err = i.Handle(msg)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	ri, _ = i.Result()
	rr, _ = r.Result()
	return ri, rr
}

// secret returns the i-th of a fixed sequence of pseudo-random SAS secrets,
// SHA-256 of i, so the statistical tests are deterministic.
func secret(i int) []byte {
	s := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
	return s[:]
}

func TestCheckNumberBothSides(t *testing.T) {
	seen := make(map[string]bool)
	for _, id := range []string{"call-1", "call-2", "call-3"} {
		ri, rr := handshake(t, id)
		a, b := CheckNumber(ri), CheckNumber(rr)
		if a != b {
			t.Fatalf("%s: initiator %q, responder %q", id, a, b)
		}
		if !checkNumberFormat.MatchString(a) {
			t.Fatalf("%q does not match %v", a, checkNumberFormat)
		}
		if seen[a] {
			t.Fatalf("check number %q repeated across calls", a)
		}
		seen[a] = true
	}
}

// TestCheckNumberVector pins the derivation: the SAS secret of
// keyexchange/testdata/handshake_vector.json and its check number (also
// re-derived independently from PROTOCOL.md).
func TestCheckNumberVector(t *testing.T) {
	sas, _ := hex.DecodeString("27fb1fc7bec6ba052a7b9942372ac9e61168d3bc019241df6c597addd4aa1bc9")
	if got, want := checkNumberFromSecret(sas), "9063 9914 5095 1264 7209"; got != want {
		t.Errorf("check number = %q, want %q", got, want)
	}
}

func TestCheckNumberFormat(t *testing.T) {
	// Numbers below 10^19 keep their leading zeros.
	var zero bool
	for i := range 1000 {
		n := checkNumberFromSecret(secret(i))
		if !checkNumberFormat.MatchString(n) {
			t.Fatalf("%q does not match %v", n, checkNumberFormat)
		}
		zero = zero || n[0] == '0'
	}
	if !zero {
		t.Error("no check number with a leading zero among 1000")
	}
}

// TestCheckNumberUniform runs a chi-square test of the digit frequencies
// at every one of the 20 positions, over check numbers from random SAS
// secrets (a fixed pseudo-random sequence, so the test is deterministic).
// The bound is the 0.9999 quantile of chi-square with 9 degrees of freedom.
func TestCheckNumberUniform(t *testing.T) {
	const samples = 20000
	var counts [CheckNumberDigits][10]int // [position][digit]
	for i := range samples {
		n := checkNumberFromSecret(secret(i))
		pos := 0
		for _, c := range []byte(n) {
			if c == ' ' {
				continue
			}
			counts[pos][c-'0']++
			pos++
		}
	}
	const expected = samples / 10.0
	for pos := range CheckNumberDigits {
		chi2 := 0.0
		for _, c := range counts[pos] {
			d := float64(c) - expected
			chi2 += d * d / expected
		}
		if chi2 > 33.7 || math.IsNaN(chi2) {
			t.Errorf("digit position %d: chi-square %.1f > 33.7 (counts %v)", pos, chi2, counts[pos])
		}
	}
}

func TestDifferentTranscripts(t *testing.T) {
	a, _ := handshake(t, "call-A")
	b, _ := handshake(t, "call-B")
	if CheckNumber(a) == CheckNumber(b) {
		t.Fatal("different calls gave the same check number")
	}
}

func TestEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"1234 5678 9012 3456 7890", "1234 5678 9012 3456 7890", true},
		{"1234 5678 9012 3456 7890", "12345678901234567890", true},
		{"1234-5678-9012-3456-7890", "1234 5678 9012 3456 7890", true},
		{" 1234\t5678 9012 3456 7890\n", "12345678901234567890", true},
		{"1234 – 5678 9012 3456 7890", "12345678901234567890", true}, // en dash
		{"ABCD efgh", "abcd-EFGH", true},
		{"1234 5678 9012 3456 7890", "1234 5678 9012 3456 7891", false},
		{"1234 5678 9012 3456 7890", "1234 5678 9012 3456 789", false},
		{"1234 5678 9012 3456 7890", "", false},
		{"", "", false},
		{" - ", "  ", false},
	} {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := Equal(c.b, c.a); got != c.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

func BenchmarkCheckNumber(b *testing.B) {
	var s [keyexchange.SecretSize]byte
	b.ReportAllocs()
	for b.Loop() {
		checkNumberFromSecret(s[:])
	}
}
