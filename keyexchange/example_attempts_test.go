package keyexchange_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/callseal/callseal/keyexchange"
)

// Calls that keep failing to set up are the trace a man in the middle
// leaves when it aborts every call whose check numbers would differ. Here
// three calls from alice to bob fail (alice's Reveal never reaches bob);
// the app can see the count before the next call, and the call that
// completes reports it on both sides and resets it.
func ExampleFailedAttempts() {
	dir, err := os.MkdirTemp("", "callseal-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	aliceStore := keyexchange.NewFileStore(filepath.Join(dir, "alice.json"))
	bobStore := keyexchange.NewFileStore(filepath.Join(dir, "bob.json"))
	configs := func(id string) (ci, cr keyexchange.Config) {
		ci = keyexchange.Config{Role: keyexchange.Initiator, CallID: []byte(id), LocalID: "alice", PeerID: "bob", Continuity: aliceStore}
		cr = keyexchange.Config{Role: keyexchange.Responder, CallID: []byte(id), LocalID: "bob", PeerID: "alice", Continuity: bobStore}
		return ci, cr
	}

	for k := range 3 {
		ci, cr := configs(fmt.Sprint("failed-", k))
		alice, err := keyexchange.New(ci)
		if err != nil {
			panic(err)
		}
		bob, err := keyexchange.New(cr)
		if err != nil {
			panic(err)
		}
		commit, err := alice.Start()
		if err != nil {
			panic(err)
		}
		response, err := bob.Handle(commit)
		if err != nil {
			panic(err)
		}
		if _, err := alice.Handle(response); err != nil { // the Reveal is lost
			panic(err)
		}
	}
	n, err := keyexchange.FailedAttempts(aliceStore, "bob")
	if err != nil {
		panic(err)
	}
	fmt.Println("alice's contact page: failed attempts with bob:", n)

	ra, rb, errA, errB := exchange(configs("call-4"))
	if err := errors.Join(errA, errB); err != nil {
		panic(err)
	}
	if n := ra.FailedAttempts(); n >= 3 {
		fmt.Printf("alice: %d calls with bob failed to set up before this one — compare the check number carefully\n", n)
	}
	fmt.Println("bob's count:", rb.FailedAttempts(), "continuity:", ra.Continuity())
	n, _ = keyexchange.FailedAttempts(aliceStore, "bob")
	fmt.Println("after the completed call:", n)
	// Output:
	// alice's contact page: failed attempts with bob: 3
	// alice: 3 calls with bob failed to set up before this one — compare the check number carefully
	// bob's count: 3 continuity: new
	// after the completed call: 0
}
