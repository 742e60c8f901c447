package handshaketest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/verify"
)

func TestRun(t *testing.T) {
	ci, cr := Pair([]byte("call"), "alice", "bob")
	ri, rr, err := Run(ci, cr)
	if err != nil {
		t.Fatal(err)
	}
	if verify.CheckNumber(ri) != verify.CheckNumber(rr) || ri.PeerID() != "bob" || rr.PeerID() != "alice" {
		t.Errorf("results do not match: %v / %v", ri, rr)
	}

	// Policy off: both Results and the *PolicyError.
	cr.Policy = policy.Party{ComplianceRecording: true}
	ri, rr, err = Run(ci, cr)
	var pe *keyexchange.PolicyError
	if !errors.As(err, &pe) || ri == nil || rr == nil {
		t.Errorf("policy off: %v, %v, %v: want both Results and a *PolicyError", ri, rr, err)
	}

	// A bad config.
	ci.CallID = nil
	if _, _, err := Run(ci, cr); !errors.Is(err, keyexchange.ErrInvalidConfig) {
		t.Errorf("empty call ID: %v, want ErrInvalidConfig", err)
	}
}

func ExampleRun() {
	ri, rr, err := Run(Pair([]byte("call-1"), "alice", "bob"))
	if err != nil {
		panic(err)
	}
	fmt.Println(verify.Equal(verify.CheckNumber(ri), verify.CheckNumber(rr)))
	// Output: true
}
