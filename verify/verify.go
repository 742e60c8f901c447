// Package verify renders the short authentication string (SAS) of a
// completed handshake for the two users to compare out loud.
//
// # Check number
//
// CheckNumber renders 20 decimal digits in five groups of four, e.g.
// "1234 5678 9012 3456 7890". Both parties compute the same number from
// keyexchange.Result.SASSecret, which is derived from the whole handshake
// transcript (both identities, the call ID, both key shares and nonces) and
// the X25519 shared secret. The derivation is
//
//	okm = HKDF-Expand(SHA-256, PRK = SAS secret, info = "callseal sas check number", L = 16)
//	n   = okm read as a big-endian unsigned 128-bit integer
//	number = n mod 10^20, written as 20 decimal digits with leading zeros
//
// The SAS secret is itself an HKDF-Expand output, hence a valid PRK (RFC
// 5869, Section 3.3). Reducing a uniform 128-bit integer modulo 10^20 gives
// a number whose distribution is within statistical distance
// 10^20 / 2^128 < 2^-61 of uniform over the 10^20 values, so the check number
// carries log2(10^20) ≈ 66.4 bits.
//
// # What a comparison buys
//
// A man in the middle runs one handshake with each party. The commitment in
// message 1 (keyexchange, PROTOCOL.md) fixes the initiator's key share before
// the responder's is known, and the responder's is fixed before the reveal,
// so the attacker cannot search for key shares that make its two check
// numbers equal: they are independent and (near-)uniform, and the attack
// passes one comparison with probability 10^-20 (plus the bias above,
// < 2^-61). The users must compare all 20 digits; comparing only some of
// them lowers the bar to 10^-(digits compared).
//
// Other renderings of the same SAS secret (words, base32, emoji) will be
// derived with their own labels, so they are independent of the check number.
package verify

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"
	"strings"
	"unicode"

	"github.com/callseal/callseal/keyexchange"
)

// Check number parameters.
const (
	// CheckNumberDigits is the number of decimal digits in a check number.
	CheckNumberDigits = 20
	// CheckNumberGroup is the number of digits per space-separated group.
	CheckNumberGroup = 4

	labelCheckNumber = "callseal sas check number"
	checkNumberBytes = 16 // bytes of HKDF output reduced mod 10^20
)

// tenPow20 is 10^CheckNumberDigits.
var tenPow20 = new(big.Int).Exp(big.NewInt(10), big.NewInt(CheckNumberDigits), nil)

// CheckNumber returns the 20-digit check number of res, formatted as five
// groups of four digits separated by single spaces. Both parties of one
// handshake get the same string; see the package documentation for the
// derivation and its security.
func CheckNumber(res *keyexchange.Result) string {
	sas := res.SASSecret()
	defer clear(sas[:])
	return checkNumberFromSecret(sas[:])
}

func checkNumberFromSecret(sas []byte) string {
	okm, err := hkdf.Expand(sha256.New, sas, labelCheckNumber, checkNumberBytes)
	if err != nil {
		// Only possible for an output length beyond 255*32 bytes.
		panic("verify: internal error: " + err.Error())
	}
	n := new(big.Int).SetBytes(okm)
	clear(okm)
	n.Mod(n, tenPow20)
	digits := n.Text(10)
	digits = strings.Repeat("0", CheckNumberDigits-len(digits)) + digits

	var b strings.Builder
	b.Grow(CheckNumberDigits + CheckNumberDigits/CheckNumberGroup - 1)
	for i := 0; i < CheckNumberDigits; i += CheckNumberGroup {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(digits[i : i+CheckNumberGroup])
	}
	return b.String()
}

// Equal reports whether two renderings of a check number (or another SAS
// string) are the same, ignoring white space, dashes and letter case, e.g.
// when a user types the number the peer read out. The normalised strings are
// compared in constant time (their lengths are not secret). Two strings that
// are empty after normalisation are never equal, so an empty field cannot
// pass as a verified check number.
func Equal(a, b string) bool {
	na, nb := normalize(a), normalize(b)
	if len(na) == 0 || len(nb) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(na, nb) == 1
}

func normalize(s string) []byte {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '-' || unicode.Is(unicode.Pd, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return []byte(b.String())
}
