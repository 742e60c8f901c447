package keyexchange_test

import (
	"fmt"
	"testing"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

// handshake runs a complete handshake between two fresh parties, passing
// the messages directly where an app would use its signaling channel.
func handshake(tb testing.TB, callID []byte) (ri, rr *keyexchange.Result) {
	initiator, err := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
	})
	if err != nil {
		tb.Fatal(err)
	}
	responder, err := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
	})
	if err != nil {
		tb.Fatal(err)
	}
	msg, err := initiator.Start()
	for i := 0; err == nil && msg != nil; i++ {
		if i%2 == 0 {
			msg, err = responder.Handle(msg)
		} else {
			msg, err = initiator.Handle(msg)
		}
	}
	if err != nil {
		tb.Fatal(err)
	}
	if ri, err = initiator.Result(); err != nil {
		tb.Fatal(err)
	}
	if rr, err = responder.Result(); err != nil {
		tb.Fatal(err)
	}
	return ri, rr
}

func TestThousandHandshakes(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	seen := make(map[[keyexchange.SecretSize]byte]bool)
	for k := range n {
		ri, rr := handshake(t, fmt.Appendf(nil, "call-%d", k))
		si, vi := ri.MediaSecrets()
		sr, vr := rr.MediaSecrets()
		if si != vr || sr != vi || si == sr {
			t.Fatalf("handshake %d: media secrets do not pair up", k)
		}
		if ri.SASSecret() != rr.SASSecret() || ri.TranscriptHash() != rr.TranscriptHash() {
			t.Fatalf("handshake %d: SAS secret or transcript differs", k)
		}
		if a, b := verify.CheckNumber(ri), verify.CheckNumber(rr); a != b {
			t.Fatalf("handshake %d: check numbers %q and %q", k, a, b)
		}
		if seen[si] {
			t.Fatalf("handshake %d: media secret repeated", k)
		}
		seen[si] = true
	}
}

func BenchmarkHandshake(b *testing.B) {
	b.ReportAllocs()
	callID := []byte("bench-call")
	for b.Loop() {
		handshake(b, callID)
	}
}

// A full handshake between two parties. In an app, each message travels
// over the signaling channel; here the reply of one side is handed straight
// to the other.
func Example() {
	callID := []byte("call 2024-06-01 #17")
	alice, err := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Initiator, CallID: callID, LocalID: "alice@example.com", PeerID: "bob@example.com",
	})
	if err != nil {
		panic(err)
	}
	bob, err := keyexchange.New(keyexchange.Config{
		Role: keyexchange.Responder, CallID: callID, LocalID: "bob@example.com", PeerID: "alice@example.com",
	})
	if err != nil {
		panic(err)
	}

	commit, _ := alice.Start()          // 1. Commit   alice → bob
	response, _ := bob.Handle(commit)   // 2. Response bob → alice
	reveal, _ := alice.Handle(response) // 3. Reveal   alice → bob
	confirm, _ := bob.Handle(reveal)    // 4. Confirm  bob → alice
	last, err := alice.Handle(confirm)  //    nothing more to send
	fmt.Println("alice:", alice.State(), "bob:", bob.State(), "reply:", last == nil, err)

	ra, _ := alice.Result()
	rb, _ := bob.Result()
	fmt.Println("done:", alice.Done() && bob.Done())
	fmt.Println("check numbers match:", verify.CheckNumber(ra) == verify.CheckNumber(rb))
	// Output:
	// alice: Done bob: Done reply: true <nil>
	// done: true
	// check numbers match: true
}
