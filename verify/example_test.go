package verify_test

import (
	"bytes"
	"fmt"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

// seq returns n bytes counting up from start: fixed "randomness" so that
// the output below is stable (the handshake of
// X25519_SHA256 vector of keyexchange/testdata/handshake_vectors.json). Real code leaves Rand nil.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// handshake runs the handshake of the test vector in memory; in an app the
// messages travel over its signaling channel.
func handshake() (alice, bob *keyexchange.Result) {
	callID := []byte("call-42")
	a, _ := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
		Rand: bytes.NewReader(seq(0x00, 64)),
	})
	b, _ := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
		Rand: bytes.NewReader(seq(0x40, 64)),
	})
	m1, _ := a.Start()
	m2, _ := b.Handle(m1)
	m3, _ := a.Handle(m2)
	m4, _ := b.Handle(m3)
	if _, err := a.Handle(m4); err != nil {
		panic(err)
	}
	alice, _ = a.Result()
	bob, _ = b.Result()
	return alice, bob
}

// Both parties show the check number; the users read it to each other and
// confirm it matches.
func ExampleCheckNumber() {
	alice, bob := handshake()
	fmt.Println("alice sees:", verify.CheckNumber(alice))
	fmt.Println("bob sees:  ", verify.CheckNumber(bob))
	// Output:
	// alice sees: 8017 5985 5265 7247 7778
	// bob sees:   8017 5985 5265 7247 7778
}

// A shorter numeric code, for a small screen: 6 digits pass an attacker in
// the middle with probability 10^-6.
func ExampleDigits() {
	alice, bob := handshake()
	fmt.Println(verify.Digits(alice, 6), verify.Digits(bob, 6))
	// Output:
	// 551374 551374
}

// ZRTP's two-word rendering: an even-list word, then an odd-list word.
func ExampleWords() {
	alice, _ := handshake()
	fmt.Println(verify.Words(alice))
	// Output:
	// choking politeness
}

// ZRTP's four-character base32 rendering.
func ExampleB32() {
	alice, _ := handshake()
	fmt.Println(verify.B32(alice))
	// Output:
	// sfa1
}

// Seven of the 64 Matrix SAS emoji, with their English names.
func ExampleEmoji() {
	alice, _ := handshake()
	for _, e := range verify.Emoji(alice) {
		fmt.Printf("%2d %s\n", e.Index, e)
	}
	// Output:
	// 17 🌵 Cactus
	// 44 📎 Paperclip
	// 31 🤖 Robot
	// 11 🐢 Turtle
	// 28 🎂 Cake
	// 26 🌽 Corn
	// 50 🏁 Flag
}

// Equal compares what a user typed with the displayed string.
func ExampleEqual() {
	fmt.Println(verify.Equal("8017 5985 5265 7247 7778", "8017-5985-5265-7247-7778"))
	fmt.Println(verify.Equal("8017 5985 5265 7247 7778", "8017 5985 5265 7247 7779"))
	fmt.Println(verify.Equal("choking politeness", "CHOKING-POLITENESS"))
	// Output:
	// true
	// false
	// true
}
