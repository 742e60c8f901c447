package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPGPWordList pins the PGP word list against the published table (the
// PGPfone manual's, as reproduced in the Wikipedia article "PGP word
// list", columns "Hex", "Even word", "Odd word"). The lists in
// pgpwords.go were checked entry by entry against two independent
// transcriptions of that table (IANA's DNSSEC key ceremony tools,
// sha2wordlist.h; magic-wormhole's _wordlist.py); the SHA-256 of each
// list, words joined by "\n", pins that checked state.
func TestPGPWordList(t *testing.T) {
	for _, c := range []struct {
		b         byte
		even, odd string
	}{
		{0x00, "aardvark", "adroitness"},
		{0x01, "absurd", "adviser"},
		{0x09, "Algol", "applicant"},
		{0x0a, "allow", "Apollo"},
		{0x17, "banjo", "bookseller"},
		{0x2c, "Burbank", "Chicago"},
		{0x40, "crackdown", "Dakota"},
		{0x52, "Dupont", "enrollment"},
		{0x7f, "lockup", "integrate"},
		{0x80, "merit", "intention"},
		{0x9c, "python", "October"},
		{0xb6, "Scotland", "potato"},
		{0xd7, "stopwatch", "stethoscope"},
		{0xea, "Trojan", "undaunted"},
		{0xfe, "woodlark", "yesteryear"},
		{0xff, "Zulu", "Yucatan"},
	} {
		if pgpEven[c.b] != c.even || pgpOdd[c.b] != c.odd {
			t.Errorf("%#02x: even %q odd %q, want %q %q", c.b, pgpEven[c.b], pgpOdd[c.b], c.even, c.odd)
		}
	}
	for _, c := range []struct {
		name string
		list []string
		sum  string
	}{
		{"even", pgpEven[:], "dc8ab3dc96fe33b8bdaadd02b308f03819564be7e3a18fb1d9d18a2c2fba1845"},
		{"odd", pgpOdd[:], "d370a975447ee8bbaac0cb66e344dd689eea252ab8a86645f71f192c8c475c85"},
	} {
		sum := sha256.Sum256([]byte(strings.Join(c.list, "\n")))
		if got := hex.EncodeToString(sum[:]); got != c.sum {
			t.Errorf("%s list: SHA-256 %s, want %s", c.name, got, c.sum)
		}
	}
	// All 512 words differ, even ignoring case, so a word names its byte
	// and its position.
	seen := map[string]bool{}
	for _, w := range append(pgpEven[:], pgpOdd[:]...) {
		if seen[strings.ToLower(w)] {
			t.Errorf("word %q appears twice", w)
		}
		seen[strings.ToLower(w)] = true
	}
}

// TestEmojiTable pins the Matrix SAS emoji table (matrix-org/matrix-spec,
// data-definitions/sas-emoji.json: "number", "emoji", "description",
// "unicode") at entries spread over the table, with their code points.
func TestEmojiTable(t *testing.T) {
	for _, c := range []struct {
		i     int
		emoji string
		name  string
	}{
		{0, "\U0001F436", "Dog"},
		{1, "\U0001F431", "Cat"},
		{4, "\U0001F984", "Unicorn"},
		{21, "\u2601\uFE0F", "Cloud"},
		{29, "\u2764\uFE0F", "Heart"},
		{34, "\U0001F527", "Spanner"},
		{36, "\U0001F44D", "Thumbs Up"},
		{38, "\u231B", "Hourglass"},
		{41, "\U0001F4A1", "Light Bulb"},
		{49, "\u260E\uFE0F", "Telephone"},
		{53, "\u2708\uFE0F", "Aeroplane"},
		{56, "\u26BD", "Ball"},
		{62, "\U0001F4C1", "Folder"},
		{63, "\U0001F4CC", "Pin"},
	} {
		if e := sasEmoji[c.i]; e.emoji != c.emoji || e.name != c.name {
			t.Errorf("emoji %d: %q %q (%U), want %q %q (%U)", c.i, e.emoji, e.name, []rune(e.emoji), c.emoji, c.name, []rune(c.emoji))
		}
	}
	seenEmoji, seenName := map[string]bool{}, map[string]bool{}
	for i, e := range sasEmoji {
		if n := utf8.RuneCountInString(e.emoji); n < 1 || n > 2 || e.name == "" {
			t.Errorf("emoji %d: %q (%d code points) %q", i, e.emoji, n, e.name)
		}
		if seenEmoji[e.emoji] || seenName[e.name] {
			t.Errorf("emoji %d: %q %q repeats an earlier entry", i, e.emoji, e.name)
		}
		seenEmoji[e.emoji], seenName[e.name] = true, true
	}
}
