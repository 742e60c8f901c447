package policy_test

import (
	"errors"
	"fmt"

	"github.com/callseal/callseal/policy"
)

// A Teams tenant keeps the default meeting policy, so a meeting is a normal
// one. The admin then lets organizers turn E2EE on, the organizer does, and
// four people join: one is under compliance recording and one is on a web
// client. Both are refused; the meeting stays end-to-end encrypted for the
// others.
func ExampleDecideMeeting() {
	m := policy.Meeting{Admin: policy.MeetingDisabled}
	fmt.Println(policy.DecideMeeting(m))

	m.Admin = policy.MeetingDisabledUserOverride
	organizer := policy.Participant{Role: policy.Organizer}
	if err := m.SetE2EE(organizer, true); err != nil {
		fmt.Println(err)
		return
	}
	d := policy.DecideMeeting(m)
	fmt.Println("E2EE:", d.E2EE, "-", d.Reason)
	fmt.Println("breakout rooms available:", d.Available(policy.MeetingBreakoutRooms))

	for _, p := range []policy.Participant{
		organizer,
		{ComplianceRecording: true},
		{ClientUnsupported: true},
		{},
	} {
		fmt.Printf("%v: %v\n", p.Role, d.Admit(p))
	}
	// Output:
	// meeting not end-to-end encrypted: end-to-end meeting encryption is off by an admin policy
	// E2EE: true - the organizer turned on end-to-end encryption
	// breakout rooms available: false
	// organizer: admitted to an end-to-end encrypted meeting
	// attendee: blocked: compliance recording is on for the participant
	// attendee: blocked: the client does not support end-to-end encrypted meetings
	// attendee: admitted to an end-to-end encrypted meeting
}

// A sensitivity label enforces E2EE: the organizer cannot turn it off, and
// an attendee cannot change the switch at all.
func ExampleMeeting_SetE2EE() {
	m := policy.Meeting{Admin: policy.MeetingDisabledUserOverride, Enforced: true}
	err := m.SetE2EE(policy.Participant{Role: policy.Organizer}, false)
	fmt.Println(errors.Is(err, policy.ErrEnforced), err)
	err = m.SetE2EE(policy.Participant{Role: policy.Attendee}, true)
	fmt.Println(errors.Is(err, policy.ErrNotOrganizer), err)
	fmt.Println(policy.DecideMeeting(m).Reason)
	// Output:
	// true policy: end-to-end encryption is enforced for the meeting and cannot be turned off
	// true policy: only the organizer or a co-organizer can change end-to-end encryption
	// end-to-end encryption is enforced by a meeting template or sensitivity label
}

// The errors an app acts on: a participant without the licence is blocked
// with a typed cause, and a meeting whose template enforces E2EE while the
// admin policy forbids it is refused rather than run in the clear.
func ExampleMeetingDecision_Admit() {
	d := policy.DecideMeeting(policy.Meeting{Enforced: true})
	err := d.Admit(policy.Participant{Unlicensed: true}).Err()
	fmt.Println(errors.Is(err, policy.ErrBlocked), errors.Is(err, policy.ErrUnlicensed))
	fmt.Println(err)

	d = policy.DecideMeeting(policy.Meeting{Admin: policy.MeetingDisabled, Enforced: true})
	fmt.Println(d)
	fmt.Println(errors.Is(d.Err(), policy.ErrMeetingRefused), d.Admit(policy.Participant{Role: policy.Organizer}))
	// Output:
	// true true
	// policy: participant blocked from the meeting: no licence for end-to-end encrypted meetings
	// meeting refused: end-to-end encryption is required but end-to-end meeting encryption is off by an admin policy
	// true blocked: the meeting is refused
}

// The features an app must not offer during an end-to-end encrypted meeting.
func ExampleMeetingFeatures() {
	for _, f := range policy.MeetingFeatures() {
		fmt.Println(f)
	}
	// Output:
	// live captions and transcription
	// recording
	// Together mode
	// companion mode
	// large gallery
	// breakout rooms
	// PowerPoint Live
	// Excel Live
}
