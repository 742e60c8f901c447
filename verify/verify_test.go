package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/callseal/callseal/keyexchange"
)

// Formats of the renderings, as documented.
var (
	checkNumberFormat = regexp.MustCompile(`^[0-9]{4}( [0-9]{4}){4}$`)
	b32Format         = regexp.MustCompile(`^[` + b32Alphabet + `]{4}$`)
	wordsFormat       = regexp.MustCompile(`^[A-Za-z]+ [A-Za-z]+$`)
)

// secret returns the i-th of a fixed sequence of pseudo-random SAS secrets,
// SHA-256 of i, so the statistical tests are deterministic.
func secret(i int) []byte {
	s := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
	return s[:]
}

// vectorSAS is the SAS secret of the X25519_SHA256 vector of
// keyexchange/testdata/handshake_vectors.json.
const vectorSAS = "95845a80218c95d02cdeddfa5254f2286911c637e5fc50abaea1b0935525ce64"

// renderingVectors are the renderings of the SAS secrets of the three
// handshakes of keyexchange/testdata/handshake_vectors.json (whose check
// numbers PROTOCOL.md lists too). The expected values were re-derived
// independently from the package documentation (Python: hmac/hashlib for
// HKDF-Expand, the published PGP word list and Matrix emoji table).
var renderingVectors = []struct {
	name   string
	sas    string
	check  string
	digits map[int]string
	b32    string
	words  string
	emoji  []int
}{
	{
		name:   "X25519_SHA256",
		sas:    vectorSAS,
		check:  "8017 5985 5265 7247 7778",
		digits: map[int]string{1: "8", 4: "0925", 6: "551374", 8: "40918805", 20: "81661813871876201262"},
		b32:    "sfa1",
		words:  "choking politeness",
		emoji:  []int{17, 44, 31, 11, 28, 26, 50},
	},
	{
		name:   "X25519_MLKEM768_SHA256",
		sas:    "d9f6b5593a095d5af583f2a27393676e518f473a0b539b3c0fc23ae657da214a",
		check:  "7161 6273 3941 2885 8299",
		digits: map[int]string{1: "3", 4: "8483", 6: "481348", 8: "93364123", 20: "13835507589325848761"},
		b32:    "15f4",
		words:  "Pluto liberty",
		emoji:  []int{21, 61, 1, 5, 0, 38, 10},
	},
	{
		name:   "X25519_SHA256 with retained secret, E2EE off by policy",
		sas:    "98600b5e06e8e3f1339dc53ece6bae50ed313f32872fd65cafcb4be01a04b329",
		check:  "3184 0166 1450 1780 4490",
		digits: map[int]string{1: "5", 4: "5541", 6: "584474", 8: "73204669", 20: "52250746263613855228"},
		b32:    "8dsd",
		words:  "revenge misnomer",
		emoji:  []int{30, 34, 46, 57, 26, 38, 19},
	},
}

// TestRenderingVectors pins every rendering of the vectors' SAS secrets.
func TestRenderingVectors(t *testing.T) {
	for _, v := range renderingVectors {
		t.Run(v.name, func(t *testing.T) {
			sas, err := hex.DecodeString(v.sas)
			if err != nil {
				t.Fatal(err)
			}
			if got := checkNumberFromSecret(sas); got != v.check {
				t.Errorf("CheckNumber = %q, want %q", got, v.check)
			}
			for n, want := range v.digits {
				if got := digitsFromSecret(sas, n); got != want {
					t.Errorf("Digits(%d) = %q, want %q", n, got, want)
				}
			}
			if got := b32FromSecret(sas); got != v.b32 {
				t.Errorf("B32 = %q, want %q", got, v.b32)
			}
			if got := wordsFromSecret(sas); got != v.words {
				t.Errorf("Words = %q, want %q", got, v.words)
			}
			var idx []int
			for _, e := range emojiFromSecret(sas) {
				idx = append(idx, e.Index)
			}
			if !equalInts(idx, v.emoji) {
				t.Errorf("Emoji indexes = %v, want %v", idx, v.emoji)
			}
		})
	}
}

// TestRenderingVectorsMatchKeyexchange checks that renderingVectors use the
// SAS secrets that keyexchange's vectors hold now; if the handshake vectors
// are regenerated after a deliberate change, this test names the vectors to
// re-derive.
func TestRenderingVectorsMatchKeyexchange(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "keyexchange", "testdata", "handshake_vectors.json"))
	if err != nil {
		t.Fatalf("keyexchange vectors: %v", err)
	}
	var vectors []struct {
		Name string `json:"name"`
		SAS  string `json:"sas"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, v := range renderingVectors {
		want[v.name] = v.sas
	}
	for _, v := range vectors {
		if want[v.Name] != v.SAS {
			t.Errorf("vector %q: SAS secret %s in keyexchange, %q here", v.Name, v.SAS, want[v.Name])
		}
	}
	if len(vectors) != len(renderingVectors) {
		t.Errorf("%d keyexchange vectors, %d here", len(vectors), len(renderingVectors))
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLabelsDistinct checks that every rendering has its own HKDF label,
// so the renderings are independent of each other.
func TestLabelsDistinct(t *testing.T) {
	seen := map[string]string{}
	add := func(name, label string) {
		if other, ok := seen[label]; ok {
			t.Errorf("%s and %s share the label %q", name, other, label)
		}
		seen[label] = name
	}
	add("CheckNumber", labelCheckNumber)
	add("Emoji", labelEmoji)
	add("B32", labelB32)
	add("Words", labelWords)
	for n := 1; n <= MaxDigits; n++ {
		add("Digits", labelDigits+strconv.Itoa(n))
	}
	// Digits(20) reduces the same way as CheckNumber but from other bits.
	sas, _ := hex.DecodeString(vectorSAS)
	if digitsFromSecret(sas, 20) == strings.ReplaceAll(checkNumberFromSecret(sas), " ", "") {
		t.Error("Digits(20) equals the check number")
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

func TestDigitsFormat(t *testing.T) {
	for n := 1; n <= MaxDigits; n++ {
		zero := false
		for i := range 200 {
			d := digitsFromSecret(secret(i), n)
			if len(d) != n || strings.Trim(d, "0123456789") != "" {
				t.Fatalf("Digits(%d) = %q", n, d)
			}
			zero = zero || d[0] == '0'
		}
		if !zero {
			t.Errorf("Digits(%d): no leading zero among 200 codes", n)
		}
	}
}

func TestDigitsOutOfRange(t *testing.T) {
	res, _ := handshake(t, "call-range")
	for _, n := range []int{-1, 0, MaxDigits + 1} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "verify: ") {
					t.Errorf("Digits(res, %d): recovered %v, want a verify: panic", n, r)
				}
			}()
			Digits(res, n)
		}()
	}
}

// chiSquareBound returns the 0.9999 quantile of the chi-square
// distribution with df degrees of freedom, by the Wilson–Hilferty
// approximation (within 2% of the exact value from df = 9 up, and above
// it, so the tests err on the side of passing a fair distribution; the
// samples are deterministic, so the tests never flake).
func chiSquareBound(df int) float64 {
	const z = 3.719 // standard normal 0.9999 quantile
	k := float64(df)
	return k * math.Pow(1-2/(9*k)+z*math.Sqrt(2/(9*k)), 3)
}

// chiSquare tests the counts of each position against the uniform
// distribution over len(counts[pos]) values.
func chiSquare(t *testing.T, name string, counts [][]int) {
	t.Helper()
	for pos, c := range counts {
		total := 0
		for _, n := range c {
			total += n
		}
		expected := float64(total) / float64(len(c))
		chi2 := 0.0
		for _, n := range c {
			d := float64(n) - expected
			chi2 += d * d / expected
		}
		if bound := chiSquareBound(len(c) - 1); chi2 > bound || math.IsNaN(chi2) {
			t.Errorf("%s position %d: chi-square %.1f > %.1f (%d values, %d samples)", name, pos, chi2, bound, len(c), total)
		}
	}
}

func counts(positions, values int) [][]int {
	c := make([][]int, positions)
	for i := range c {
		c[i] = make([]int, values)
	}
	return c
}

// TestCheckNumberUniform runs a chi-square test of the digit frequencies
// at every one of the 20 positions, over check numbers from pseudo-random
// SAS secrets.
func TestCheckNumberUniform(t *testing.T) {
	c := counts(CheckNumberDigits, 10)
	for i := range 20000 {
		pos := 0
		for _, d := range []byte(checkNumberFromSecret(secret(i))) {
			if d != ' ' {
				c[pos][d-'0']++
				pos++
			}
		}
	}
	chiSquare(t, "check number digit", c)
}

// TestDigitsUniform tests the digits of short codes, position by position,
// and the whole value of 2- and 3-digit codes: the reduction mod 10^n
// leaves no visible bias.
func TestDigitsUniform(t *testing.T) {
	const samples = 20000
	for _, n := range []int{1, 2, 3, 6, 20} {
		c := counts(n, 10)
		var whole [][]int
		if n <= 3 {
			whole = counts(1, int(math.Pow10(n)))
		}
		for i := range samples {
			d := digitsFromSecret(secret(i), n)
			v := 0
			for pos := range n {
				c[pos][d[pos]-'0']++
				v = 10*v + int(d[pos]-'0')
			}
			if whole != nil {
				whole[0][v]++
			}
		}
		chiSquare(t, "Digits("+strconv.Itoa(n)+") digit", c)
		if whole != nil {
			chiSquare(t, "Digits("+strconv.Itoa(n)+") value", whole)
		}
	}
}

func TestB32Uniform(t *testing.T) {
	c := counts(B32Chars, 32)
	for i := range 20000 {
		s := b32FromSecret(secret(i))
		if !b32Format.MatchString(s) {
			t.Fatalf("B32 %q does not match %v", s, b32Format)
		}
		for pos := range B32Chars {
			c[pos][strings.IndexByte(b32Alphabet, s[pos])]++
		}
	}
	chiSquare(t, "B32 character", c)
}

func TestWordsUniform(t *testing.T) {
	even, odd := index(pgpEven[:]), index(pgpOdd[:])
	c := counts(WordCount, 256)
	for i := range 51200 {
		s := wordsFromSecret(secret(i))
		w := strings.Split(s, " ")
		e, ok1 := even[w[0]]
		o, ok2 := odd[w[1]]
		if len(w) != 2 || !ok1 || !ok2 {
			t.Fatalf("Words = %q: not an even word then an odd word", s)
		}
		c[0][e]++
		c[1][o]++
	}
	chiSquare(t, "PGP word", c)
}

func index(words []string) map[string]int {
	m := make(map[string]int, len(words))
	for i, w := range words {
		m[w] = i
	}
	return m
}

func TestEmojiUniform(t *testing.T) {
	c := counts(EmojiCount, EmojiAlphabetSize)
	for i := range 20000 {
		for pos, e := range emojiFromSecret(secret(i)) {
			if e.Emoji != sasEmoji[e.Index].emoji || e.Name != sasEmoji[e.Index].name {
				t.Fatalf("emoji %+v does not match table entry %d", e, e.Index)
			}
			c[pos][e.Index]++
		}
	}
	chiSquare(t, "emoji", c)
}

// TestB32Bits checks the bit order against RFC 6189, Section 5.1.6: the
// leftmost 20 bits, most significant 5 bits first.
func TestB32Bits(t *testing.T) {
	for _, c := range []struct {
		bits [3]byte
		want string
	}{
		{[3]byte{0x00, 0x00, 0x00}, "yyyy"},
		{[3]byte{0xff, 0xff, 0xff}, "9999"},
		{[3]byte{0x08, 0x42, 0x1f}, "bbbb"}, // 00001 00001 00001 00001 1111
		{[3]byte{0x00, 0x00, 0x0f}, "yyyy"}, // the low 4 bits are not used
		{[3]byte{0xf8, 0x00, 0x00}, "9yyy"},
		{[3]byte{0x00, 0x00, 0x10}, "yyyb"},
	} {
		b := c.bits
		if got := b32FromBits(b[:]); got != c.want {
			t.Errorf("b32(%x) = %q, want %q", c.bits, got, c.want)
		}
	}
	if len(b32Alphabet) != 32 {
		t.Fatalf("alphabet has %d characters", len(b32Alphabet))
	}
	for i := range b32Alphabet {
		if strings.Count(b32Alphabet, b32Alphabet[i:i+1]) != 1 {
			t.Errorf("alphabet repeats %q", b32Alphabet[i])
		}
	}
}

// TestEmojiBits checks the bit order of the Matrix emoji SAS: the first
// 42 bits, most significant 6 bits first.
func TestEmojiBits(t *testing.T) {
	// 000000 000001 000010 000011 000100 000101 111111 | 000000
	b := []byte{0x00, 0x10, 0x83, 0x10, 0x5f, 0xc0}
	var got []int
	for _, e := range emojiFromBits(b) {
		got = append(got, e.Index)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 63}; !equalInts(got, want) {
		t.Errorf("indexes = %v, want %v", got, want)
	}
	if s := emojiFromBits([]byte{0, 0, 0, 0, 0, 0})[0].String(); s != "🐶 Dog" {
		t.Errorf("String() = %q, want %q", s, "🐶 Dog")
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
		{"stapler October", "Stapler-october", true},
		{"STAPLER OCTOBER", "stapler october", true},
		{"wno8", "W N O 8", true},
		{"Trumpet Mushroom Rabbit", "trumpet-mushroom-rabbit", true},
		{"1234 5678 9012 3456 7890", "1234 5678 9012 3456 7891", false},
		{"1234 5678 9012 3456 7890", "1234 5678 9012 3456 789", false},
		{"stapler October", "stapler Orlando", false},
		{"wno8", "wno9", false},
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
