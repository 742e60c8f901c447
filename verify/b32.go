package verify

import "github.com/callseal/callseal/keyexchange"

// B32Chars is the length of a B32 string: 20 bits in 5-bit characters.
const B32Chars = 4

// b32Alphabet is ZRTP's base32 alphabet (RFC 6189, Section 5.1.6), that of
// z-base-32, ordered so that the characters easiest to tell apart come first.
const b32Alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"

// B32 returns ZRTP's base32 SAS of res: four characters that encode 20
// bits, e.g. "sfa1", according to RFC 6189, Section 5.1.6 (the SAS type
// "B32": the leftmost 20 bits of the SAS value, five bits per character,
// most significant first). The bits are expanded from the SAS secret under
// the label "callseal sas base32". An attacker in the middle passes one
// comparison with probability 2^-20.
func B32(res *keyexchange.Result) string {
	return b32FromBits(expand(res, labelB32, 3))
}

func b32FromSecret(sas []byte) string { return b32FromBits(expandSecret(sas, labelB32, 3)) }

// b32FromBits renders the first 20 bits of b (3 bytes), most significant
// first. It wipes b.
func b32FromBits(b []byte) string {
	if b == nil {
		return "" // Result.Wipe erased the SAS secret
	}
	v := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	clear(b)
	var out [B32Chars]byte
	for i := range out {
		shift := 24 - 5*(i+1) // bits 23..19, 18..14, 13..9, 8..4
		out[i] = b32Alphabet[v>>shift&0x1f]
	}
	return string(out[:])
}
