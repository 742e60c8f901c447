package verify

import "github.com/callseal/callseal/keyexchange"

// WordCount is the number of words Words returns.
const WordCount = 2

// Words returns ZRTP's B256 SAS of res: two words of the PGP word list
// separated by a space, e.g. "choking politeness", according to RFC 6189,
// Section 5.1.6: the first byte selects a word of the even (two-syllable)
// list and the second a word of the odd (three-syllable) list, so a
// dropped or swapped word is heard. The 16 bits are expanded from the SAS
// secret under the label "callseal sas words". An attacker in the middle
// passes one comparison with probability 2^-16.
func Words(res *keyexchange.Result) string {
	return wordsFromBits(expand(res, labelWords, WordCount))
}

func wordsFromSecret(sas []byte) string {
	return wordsFromBits(expandSecret(sas, labelWords, WordCount))
}

// wordsFromBits renders two bytes. It wipes b.
func wordsFromBits(b []byte) string {
	if b == nil {
		return "" // Result.Wipe erased the SAS secret
	}
	s := pgpEven[b[0]] + " " + pgpOdd[b[1]]
	clear(b)
	return s
}
