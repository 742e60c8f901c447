// Package verify renders the short authentication string (SAS) of a
// completed handshake for the two users to compare, out loud or on screen.
//
// All renderings come from the one SAS secret of keyexchange.Result
// (Result.SASSecret), which the key schedule derives from the whole
// transcript (both identities, the call ID, the offered and chosen suites,
// both key shares and nonces) and the shared secret (keyexchange,
// PROTOCOL.md). Each rendering expands its own bits from it with its own
// HKDF label (RFC 5869, Section 2.3; the SAS secret is itself an HKDF
// output, hence a valid PRK):
//
//	bits = HKDF-Expand(SHA-256, PRK = SAS secret, info = label, L)
//
// so the renderings are independent of each other: learning one says
// nothing about another. Both parties of a handshake get the same string
// from every rendering.
//
// # Renderings
//
//	rendering    label (info)                       L    shown as                                  bits
//	CheckNumber  "callseal sas check number"        16   n mod 10^20: 20 digits, five groups of 4  66.4
//	Digits(n)    "callseal sas digits " + n         16   n mod 10^n: n digits (1..20)              3.32·n
//	Emoji        "callseal sas emoji"               6    first 42 bits: 7 × 6 bits → Matrix emoji  42
//	B32          "callseal sas base32"              3    first 20 bits: 4 × 5 bits → ZRTP base32   20
//	Words        "callseal sas words"               2    byte 0 → even PGP word, byte 1 → odd      16
//
// The label of Digits ends in the decimal number of digits ("callseal sas
// digits 6"), so codes of different lengths are independent too.
//
//   - CheckNumber is the Teams-style security code: 20 decimal digits in
//     five groups of four, e.g. "8017 5985 5265 7247 7778". The 16 bytes
//     are read as a big-endian 128-bit integer and reduced mod 10^20,
//     with leading zeros kept.
//   - Digits(res, n) is a shorter numeric code, n digits without
//     separators, e.g. Digits(res, 6) = "551374", for a user interface
//     with little room. Reduced like CheckNumber, mod 10^n.
//   - Emoji is Matrix's emoji SAS: the first 42 bits split into seven
//     6-bit numbers, most significant first, each naming one of the 64
//     emoji of the Matrix table with its English name ("🐶 Dog" …
//     "📌 Pin"), as in the Matrix Client-Server API, "SAS method: emoji".
//   - B32 is ZRTP's base32 SAS (RFC 6189, Section 5.1.6): the first 20
//     bits as four 5-bit groups, most significant first, each written
//     with the alphabet "ybndrfg8ejkmcpqxot1uwisza345h769", e.g. "sfa1".
//   - Words is ZRTP's B256 SAS (RFC 6189, Section 5.1.6): two words of
//     the PGP word list, the first byte from the even (two-syllable)
//     list and the second from the odd (three-syllable) list, e.g.
//     "choking politeness".
//
// Equal compares what a user typed or read with the displayed string,
// ignoring spaces, dashes and case, in constant time.
//
// After keyexchange.Result.Wipe (or Handshake.Wipe) the SAS secret is gone:
// CheckNumber, Digits, B32 and Words return "", which Equal never accepts,
// and Emoji returns zero EmojiSymbols (empty Emoji and Name), so a wiped
// Result never shows a check number the users could match.
//
// # What one comparison buys
//
// A man in the middle (MitM) runs one handshake with each party and
// relays the media between them; it wins if the users compare their
// strings and find them equal. The commitment in message 1 of the
// handshake (PROTOCOL.md, "Why a man in the middle gets one guess")
// fixes the initiator's key share before the responder's is known, and
// the responder's is fixed before the initiator's is revealed, so in each
// of its two handshakes the attacker has fixed everything it contributes
// before the honest party's last contribution decides the SAS secret.
// It cannot search for key shares that make its two strings equal; the
// strings are independent and uniform, and one attempt passes the
// comparison with probability 2^-bits — one guess per attempt:
//
//	rendering      bits    one attempt passes with   N for 1 % (see below)
//	CheckNumber    66.4    10^-20                    ≈ 1.0 × 10^18
//	Digits(n)      3.32·n  10^-n                     ≈ 10^(n-2), e.g. 10^4 for n = 6
//	Emoji          42      2^-42 ≈ 2.3 × 10^-13      ≈ 4.4 × 10^10
//	B32            20      2^-20 ≈ 9.5 × 10^-7       ≈ 1.1 × 10^4   (ZRTP's usual SAS)
//	Words          16      2^-16 ≈ 1.5 × 10^-5       ≈ 660
//
// (bits = log2 of the number of strings: log2(10^20) ≈ 66.4 for
// CheckNumber; the decimal renderings add < 10^n / 2^128, < 2^-61 for 20
// digits, from the reduction mod 10^n.)
//
// The attacker may make many attempts. It learns both strings before
// either party completes its handshake (the responder's from the
// responder's message 2, the initiator's from the initiator's message 3),
// so it aborts every attempt in which they differ; the users see a call
// that failed to set up, not two different strings. After N attempts
// aborted unseen it has passed with probability 1 − (1 − 2^-bits)^N ≤
// N × 2^-bits; the last column gives the N at which that reaches 1 %.
// Each party counts such attempts per peer in its continuity store
// (keyexchange.Result.FailedAttempts, keyexchange.FailedAttempts): after
// a few, the app warns the user to compare carefully, and it never
// retries a failed setup automatically without limit (SECURITY.md, "What
// apps must do"). Users must compare the whole string; comparing only
// part of it gives the probability for the bits compared (the first 8
// digits of the check number: 10^-8 per attempt).
//
// # Why a code without a commitment needs far more digits
//
// A code computed only from values that each side publishes — for
// instance a hash of the two DTLS certificate fingerprints, as in a
// 20-digit security code derived from DTLS-SRTP (Teams' E2EE calls show
// such a code) — has no commitment. The attacker can then choose its key
// pair after it has seen the victim's, and it can do so offline: it
// generates key pairs (or certificates) and computes the code of each
// until the code on one leg equals the code on the other. For a k-bit
// code that costs about 2^k key generations against a fixed leg, and
// about 2^(k/2) when it varies its keys on both legs and knows both
// victims' values in advance, as with long-lived certificates (a
// collision search). The code length is then the whole security margin against
// offline computation: 20 decimal digits (66 bits) give 2^66 work, or
// 2^33 for a collision, which is why such a code must be long, and a
// 4-character B32 code (2^20 tries, seconds of work) would be worthless.
// With the commitment no offline search is possible — every try is a
// real call attempt, which the attacker can abort but the parties count
// — so a code holds at 2^-bits per attempt. A short code (Words, B32,
// Digits with few digits) then falls to a few hundred or thousand failed
// calls; the 20-digit check number is far beyond what any attacker can
// hope to pass.
package verify
