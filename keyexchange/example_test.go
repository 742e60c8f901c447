package keyexchange_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
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
		si, vi, _ := ri.TakeMediaSecrets()
		sr, vr, _ := rr.TakeMediaSecrets()
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

// BenchmarkHandshake runs complete handshakes, both sides in one
// goroutine, per suite. ns/op is the CPU time of both parties together;
// initiator-ns/op and responder-ns/op split it; the *-B metrics are the
// bytes on the wire of each message (identities "alice"/"bob", call ID
// "bench-call", no retained secrets) and wire-B/op their sum.
func BenchmarkHandshake(b *testing.B) {
	for _, suite := range []keyexchange.Suite{keyexchange.X25519_SHA256, keyexchange.X25519_MLKEM768_SHA256} {
		b.Run(suite.String(), func(b *testing.B) {
			b.ReportAllocs()
			callID := []byte("bench-call")
			var sizes [4]int
			var tI, tR time.Duration
			for b.Loop() {
				t0 := time.Now()
				initiator, _ := keyexchange.New(keyexchange.Config{
					Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
					Suites: []keyexchange.Suite{suite},
				})
				commit, err := initiator.Start()
				t1 := time.Now()
				responder, _ := keyexchange.New(keyexchange.Config{
					Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
					Suites: []keyexchange.Suite{suite},
				})
				response, err2 := responder.Handle(commit)
				t2 := time.Now()
				reveal, err3 := initiator.Handle(response)
				t3 := time.Now()
				confirm, err4 := responder.Handle(reveal)
				t4 := time.Now()
				_, err5 := initiator.Handle(confirm)
				t5 := time.Now()
				if err := errors.Join(err, err2, err3, err4, err5); err != nil || !initiator.Done() {
					b.Fatal(err)
				}
				tI += t1.Sub(t0) + t3.Sub(t2) + t5.Sub(t4)
				tR += t2.Sub(t1) + t4.Sub(t3)
				sizes = [4]int{len(commit), len(response), len(reveal), len(confirm)}
			}
			n := float64(b.N)
			b.ReportMetric(float64(tI.Nanoseconds())/n, "initiator-ns/op")
			b.ReportMetric(float64(tR.Nanoseconds())/n, "responder-ns/op")
			b.ReportMetric(float64(sizes[0]), "commit-B")
			b.ReportMetric(float64(sizes[1]), "response-B")
			b.ReportMetric(float64(sizes[2]), "reveal-B")
			b.ReportMetric(float64(sizes[3]), "confirm-B")
			b.ReportMetric(float64(sizes[0]+sizes[1]+sizes[2]+sizes[3]), "wire-B/op")
		})
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

// exchange runs one handshake between two configured parties, passing the
// messages directly where an app would use its signaling channel.
func exchange(ci, cr keyexchange.Config) (ri, rr *keyexchange.Result, errI, errR error) {
	alice, err := keyexchange.New(ci)
	if err != nil {
		panic(err)
	}
	bob, err := keyexchange.New(cr)
	if err != nil {
		panic(err)
	}
	msg, err := alice.Start()
	for turn := 0; err == nil && msg != nil; turn++ {
		if turn%2 == 0 {
			msg, err = bob.Handle(msg)
		} else {
			msg, err = alice.Handle(msg)
		}
	}
	if err != nil {
		panic(err)
	}
	ri, errI = alice.Result()
	rr, errR = bob.Result()
	return ri, rr, errI, errR
}

// Policy travels in the handshake. Here bob's account is under compliance
// recording: the handshake still completes, both sides learn the same
// decision and why, and the call falls back to transport SRTP only.
func Example_policy() {
	callID := []byte("call 2024-06-01 #18")
	alice := keyexchange.Config{
		Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
		Policy: policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true},
	}
	bob := keyexchange.Config{
		Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
		Policy: policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true, ComplianceRecording: true},
	}
	ra, rb, errA, errB := exchange(alice, bob)

	var pe *keyexchange.PolicyError
	fmt.Println("alice: E2EE disabled:", errors.As(errA, &pe), "-", pe.Decision.Reason)
	fmt.Println("bob:   E2EE disabled:", errors.Is(errB, keyexchange.ErrE2EEDisabled), "-", rb.Decision().Reason)
	_, peer := ra.Policies()
	fmt.Println("blocked by bob's account:", !peer.Allows())
	send, _, err := ra.TakeTransportSecrets() // transport SRTP for a direct call still works
	fmt.Println("transport secret:", len(send), "bytes", err)
	fmt.Println("check numbers match:", verify.CheckNumber(ra) == verify.CheckNumber(rb))
	// Output:
	// alice: E2EE disabled: true - compliance recording is on for an account
	// bob:   E2EE disabled: true - compliance recording is on for an account
	// blocked by bob's account: true
	// transport secret: 32 bytes <nil>
	// check numbers match: true
}

// Key continuity across three calls with file-backed stores: the first call
// is new, the users compare the check number and the app records it, and
// the next call carries the verification over. Then bob loses his store
// (a new device) and alice's side reports the break.
func Example_continuity() {
	dir, err := os.MkdirTemp("", "callseal-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	aliceStore := keyexchange.NewFileStore(filepath.Join(dir, "alice.json"))
	bobStore := keyexchange.NewFileStore(filepath.Join(dir, "bob.json"))
	call := func(id string, bobs keyexchange.ContinuityStore) (*keyexchange.Result, *keyexchange.Result) {
		ra, rb, errA, errB := exchange(
			keyexchange.Config{Role: keyexchange.Initiator, CallID: []byte(id), LocalID: "alice", PeerID: "bob", Continuity: aliceStore},
			keyexchange.Config{Role: keyexchange.Responder, CallID: []byte(id), LocalID: "bob", PeerID: "alice", Continuity: bobs},
		)
		if err := errors.Join(errA, errB); err != nil {
			panic(err)
		}
		return ra, rb
	}

	ra, rb := call("call-1", bobStore)
	fmt.Println("call 1:", ra.Continuity(), "verified:", ra.Verified())
	if verify.Equal(verify.CheckNumber(ra), verify.CheckNumber(rb)) { // the users read it out
		_ = ra.MarkVerified()
		_ = rb.MarkVerified()
	}

	ra, rb = call("call-2", bobStore)
	fmt.Println("call 2:", ra.Continuity(), "verified:", ra.Verified() && rb.Verified())

	fi, _ := os.Stat(filepath.Join(dir, "alice.json"))
	fmt.Println("store file mode:", fi.Mode().Perm())

	newDevice := keyexchange.NewFileStore(filepath.Join(dir, "bob-new-phone.json"))
	ra, rb = call("call-3", newDevice)
	fmt.Println("call 3, alice:", ra.Continuity(), "break:", ra.Continuity().Break(), "verified:", ra.Verified())
	fmt.Println("call 3, bob:  ", rb.Continuity())
	// Output:
	// call 1: new verified: false
	// call 2: kept verified: true
	// store file mode: -rw-------
	// call 3, alice: break: peer has no retained secret break: true verified: false
	// call 3, bob:   break: no local retained secret
}

// A party that requires E2EE (policy.Party.RequireE2EE) refuses a call
// without it. Here alice requires it and bob's account is under compliance
// recording: the handshake completes, both sides get a *PolicyError that
// matches ErrE2EERequired, and neither runs the call. The check numbers
// still match, so the users can confirm that the refusal is genuine.
func Example_requireE2EE() {
	callID := []byte("call 2024-06-01 #19")
	alice := keyexchange.Config{
		Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
		Policy: policy.Party{RequireE2EE: true},
	}
	bob := keyexchange.Config{
		Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
		Policy: policy.Party{ComplianceRecording: true},
	}
	ra, rb, errA, errB := exchange(alice, bob)

	var pe *keyexchange.PolicyError
	fmt.Println("alice refused:", errors.As(errA, &pe) && pe.Decision.Refused, "-", pe.Decision.Reason)
	fmt.Println("bob refused:  ", errors.Is(errB, keyexchange.ErrE2EERequired), "-", rb.Decision().Reason)
	fmt.Println(errA)
	fmt.Println("check numbers match:", verify.CheckNumber(ra) == verify.CheckNumber(rb))
	// Output:
	// alice refused: true - compliance recording is on for an account
	// bob refused:   true - compliance recording is on for an account
	// keyexchange: call refused: end-to-end encryption is required but not allowed by policy: compliance recording is on for an account
	// check numbers match: true
}
