package verify

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"github.com/callseal/callseal/keyexchange"
)

// Parameters of the decimal renderings.
const (
	// CheckNumberDigits is the number of decimal digits in a check number.
	CheckNumberDigits = 20
	// CheckNumberGroup is the number of digits per space-separated group.
	CheckNumberGroup = 4
	// MaxDigits is the largest n for Digits: the reduction of 128 bits mod
	// 10^n stays within 2^-61 of uniform up to n = 20.
	MaxDigits = 20
)

// The HKDF labels (info) of the renderings; see the package documentation.
const (
	labelCheckNumber = "callseal sas check number"
	labelDigits      = "callseal sas digits " // followed by n in decimal
	labelEmoji       = "callseal sas emoji"
	labelB32         = "callseal sas base32"
	labelWords       = "callseal sas words"

	decimalBytes = 16 // bytes of HKDF output reduced mod 10^n
)

// expand returns L bytes derived from the SAS secret of res with label,
// or nil when Result.Wipe erased the secret.
func expand(res *keyexchange.Result, label string, l int) []byte {
	if res.Wiped() {
		return nil
	}
	sas := res.SASSecret()
	defer clear(sas[:])
	return expandSecret(sas[:], label, l)
}

func expandSecret(sas []byte, label string, l int) []byte {
	okm, err := hkdf.Expand(sha256.New, sas, label, l)
	if err != nil {
		// Only possible for an output length beyond 255*32 bytes.
		panic("verify: internal error: " + err.Error())
	}
	return okm
}

// CheckNumber returns the 20-digit check number of res, formatted as five
// groups of four digits separated by single spaces, e.g.
// "8017 5985 5265 7247 7778". Both parties of one handshake get the same
// string; see the package documentation for the derivation and its
// security (an attacker in the middle passes one comparison with
// probability 10^-20).
//
// After res.Wipe it returns "", which Equal never accepts.
func CheckNumber(res *keyexchange.Result) string {
	if res.Wiped() {
		return ""
	}
	sas := res.SASSecret()
	defer clear(sas[:])
	return checkNumberFromSecret(sas[:])
}

func checkNumberFromSecret(sas []byte) string {
	digits := decimal(expandSecret(sas, labelCheckNumber, decimalBytes), CheckNumberDigits)
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

// Digits returns a numeric code of n decimal digits (1 ≤ n ≤ MaxDigits),
// without separators, e.g. "551374" for n = 6: for a user interface with
// no room for the full check number. An attacker in the middle passes one
// comparison with probability 10^-n, and it can abort the attempts whose
// codes would differ unseen, so after N such attempts its chance is about
// N·10^-n: 6 digits give it 1 % after about 10^4 failed call setups, the
// 20-digit CheckNumber after about 10^18 (see the package documentation and
// Result.FailedAttempts). Prefer CheckNumber; use at least 6 digits, and
// count failed setups. Each n has its own label, so the codes of
// different lengths are independent of each other and of CheckNumber.
// Digits panics if n is out of range.
func Digits(res *keyexchange.Result, n int) string {
	if n < 1 || n > MaxDigits {
		panic("verify: Digits: n = " + strconv.Itoa(n) + " out of range 1.." + strconv.Itoa(MaxDigits))
	}
	if res.Wiped() {
		return "" // Result.Wipe erased the SAS secret
	}
	sas := res.SASSecret()
	defer clear(sas[:])
	return digitsFromSecret(sas[:], n)
}

func digitsFromSecret(sas []byte, n int) string {
	return decimal(expandSecret(sas, labelDigits+strconv.Itoa(n), decimalBytes), n)
}

// decimal reads okm as a big-endian unsigned integer, reduces it mod 10^n
// and writes it as n digits with leading zeros. It wipes okm.
func decimal(okm []byte, n int) string {
	x := new(big.Int).SetBytes(okm)
	clear(okm)
	x.Mod(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil))
	s := x.Text(10)
	return strings.Repeat("0", n-len(s)) + s
}

// Equal reports whether two renderings of a SAS are the same, ignoring
// white space, dashes (including Unicode dashes such as "–") and letter
// case, e.g. when a user types the check number the peer read out, or
// reads the words in capitals. The normalised strings are compared in
// constant time (their lengths are not secret). Two strings that are empty
// after normalisation are never equal, so an empty field cannot pass as a
// verified code.
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
