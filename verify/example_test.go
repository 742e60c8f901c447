package verify_test

import (
	"bytes"
	"fmt"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

// seq returns n bytes counting up from start: fixed "randomness" so that
// the output below is stable (the handshake of
// keyexchange/testdata/handshake_vector.json). Real code leaves Rand nil.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// Both parties show the check number; the users read it to each other and
// confirm it matches.
func ExampleCheckNumber() {
	callID := []byte("call-42")
	alice, _ := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
		Rand: bytes.NewReader(seq(0x00, 64)),
	})
	bob, _ := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
		Rand: bytes.NewReader(seq(0x40, 64)),
	})
	m1, _ := alice.Start()
	m2, _ := bob.Handle(m1)
	m3, _ := alice.Handle(m2)
	m4, _ := bob.Handle(m3)
	if _, err := alice.Handle(m4); err != nil {
		panic(err)
	}
	ra, _ := alice.Result()
	rb, _ := bob.Result()

	fmt.Println("alice sees:", verify.CheckNumber(ra))
	fmt.Println("bob sees:  ", verify.CheckNumber(rb))
	// Output:
	// alice sees: 9063 9914 5095 1264 7209
	// bob sees:   9063 9914 5095 1264 7209
}

// Equal compares what a user typed with the displayed number.
func ExampleEqual() {
	fmt.Println(verify.Equal("9063 9914 5095 1264 7209", "9063-9914-5095-1264-7209"))
	fmt.Println(verify.Equal("9063 9914 5095 1264 7209", "9063 9914 5095 1264 7208"))
	// Output:
	// true
	// false
}
