package policy_test

import (
	"fmt"

	"github.com/callseal/callseal/policy"
)

// Two Teams accounts: alice's admin lets users choose and she turned the
// switch on; bob's admin kept the default. Then bob's admin allows it too,
// and finally compliance recording is put on alice's account.
func Example() {
	alice := policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true}
	bob := policy.Party{Admin: policy.Disabled}
	fmt.Println(policy.Decide(alice, bob))

	bob = policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true}
	d := policy.Decide(alice, bob)
	fmt.Println("E2EE:", d.E2EE)
	for _, f := range d.Unavailable {
		fmt.Println(" unavailable:", f)
	}

	alice.ComplianceRecording = true
	d = policy.Decide(bob, alice) // symmetric: either order gives the same
	fmt.Println(d, "| alice's own reason:", alice.Reason() == d.Reason)
	// Output:
	// E2EE off: end-to-end encryption is disabled by an admin policy
	// E2EE: true
	//  unavailable: live captions and transcription
	//  unavailable: recording
	//  unavailable: call transfer
	//  unavailable: consult then transfer
	//  unavailable: call merge
	//  unavailable: call park
	//  unavailable: call companion / transfer to another device
	//  unavailable: adding a participant
	// E2EE off: compliance recording is on for an account | alice's own reason: true
}

// A party that requires E2EE (Teams: the organizer enforces it) refuses the
// call when the peer's account is under compliance recording, instead of
// running it without E2EE. Both sides compute the same refusal and reason.
func ExampleParty_RequireE2EE() {
	organizer := policy.Party{RequireE2EE: true}
	recorded := policy.Party{ComplianceRecording: true}
	d := policy.Decide(organizer, recorded)
	fmt.Println("E2EE:", d.E2EE, "refused:", d.Refused)
	fmt.Println(d)
	fmt.Println(policy.Decide(organizer, policy.Party{}))
	// Output:
	// E2EE: false refused: true
	// call refused: end-to-end encryption is required but off: compliance recording is on for an account
	// E2EE on; unavailable: live captions and transcription, recording, call transfer, consult then transfer, call merge, call park, call companion / transfer to another device, adding a participant
}
