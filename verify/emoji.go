package verify

import "github.com/callseal/callseal/keyexchange"

// Emoji SAS parameters.
const (
	// EmojiCount is the number of emoji Emoji returns.
	EmojiCount = 7
	// EmojiAlphabetSize is the number of emoji in the Matrix table; each
	// emoji carries log2(64) = 6 bits.
	EmojiAlphabetSize = 64
)

// An EmojiSymbol is one emoji of the Matrix SAS table.
type EmojiSymbol struct {
	// Index is the emoji's number in the Matrix table, 0..63; apps that
	// show the name in another language look it up by Index in the
	// translations the Matrix specification publishes.
	Index int
	// Emoji is the emoji itself, e.g. "🐶" (U+1F436), with the exact code
	// points of the table (some end in the variation selector U+FE0F).
	Emoji string
	// Name is the English description from the table, e.g. "Dog".
	Name string
}

// String returns the emoji and its name, e.g. "🐶 Dog".
func (e EmojiSymbol) String() string { return e.Emoji + " " + e.Name }

// Emoji returns the emoji SAS of res: seven emoji of the 64 of the Matrix
// SAS table, as in the Matrix Client-Server API ("SAS method: emoji"): the
// first 42 bits of 6 bytes expanded from the SAS secret under the label
// "callseal sas emoji", split into seven 6-bit numbers, most significant
// first, each the index of an emoji. An attacker in the middle passes one
// comparison with probability 2^-42.
func Emoji(res *keyexchange.Result) [EmojiCount]EmojiSymbol {
	return emojiFromBits(expand(res, labelEmoji, 6))
}

func emojiFromSecret(sas []byte) [EmojiCount]EmojiSymbol {
	return emojiFromBits(expandSecret(sas, labelEmoji, 6))
}

// emojiFromBits renders the first 42 bits of b (6 bytes). It wipes b.
func emojiFromBits(b []byte) [EmojiCount]EmojiSymbol {
	if b == nil {
		return [EmojiCount]EmojiSymbol{} // Result.Wipe erased the SAS secret
	}
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	clear(b)
	var out [EmojiCount]EmojiSymbol
	for i := range out {
		idx := int(v >> (48 - 6*(i+1)) & 0x3f)
		out[i] = EmojiSymbol{Index: idx, Emoji: sasEmoji[idx].emoji, Name: sasEmoji[idx].name}
	}
	return out
}
