package policy

import (
	"errors"
	"strings"
)

// Errors of the meeting policy. MeetingDecision.Err and Admission.Err return
// an error that matches an outcome (ErrMeetingRefused, ErrBlocked) and its
// cause under errors.Is; SetE2EE returns a cause alone.
var (
	// ErrMeetingRefused: the meeting must not run at all: it asks for E2EE
	// and cannot have it, or its admin setting is not a defined value.
	ErrMeetingRefused = errors.New("policy: meeting refused")
	// ErrBlocked: a participant may not join the meeting.
	ErrBlocked = errors.New("policy: participant blocked from the meeting")

	// ErrMeetingAdminDisabled: the admin setting for meetings is
	// MeetingDisabled, so E2EE cannot be turned on.
	ErrMeetingAdminDisabled = errors.New("policy: end-to-end meeting encryption is off by an admin policy")
	// ErrUnknownMeetingSetting: the admin setting is not a defined
	// MeetingAdminSetting; the meeting fails closed.
	ErrUnknownMeetingSetting = errors.New("policy: the admin setting for meeting encryption is not a defined value")
	// ErrComplianceRecording: the participant's account is under compliance
	// recording, which an end-to-end encrypted meeting excludes.
	ErrComplianceRecording = errors.New("policy: compliance recording is on for the participant")
	// ErrClientUnsupported: the participant's client cannot do end-to-end
	// encrypted meetings.
	ErrClientUnsupported = errors.New("policy: the client does not support end-to-end encrypted meetings")
	// ErrUnlicensed: the participant has no licence for end-to-end
	// encrypted meetings.
	ErrUnlicensed = errors.New("policy: no licence for end-to-end encrypted meetings")
	// ErrNotOrganizer: only the organizer or a co-organizer may change the
	// meeting's E2EE switch.
	ErrNotOrganizer = errors.New("policy: only the organizer or a co-organizer can change end-to-end encryption")
	// ErrEnforced: E2EE is enforced (by a meeting template or sensitivity
	// label, or because the meeting is MeetingUnmanaged) and cannot be
	// turned off.
	ErrEnforced = errors.New("policy: end-to-end encryption is enforced for the meeting and cannot be turned off")
)

// outcomeError is an outcome sentinel with its cause; errors.Is matches
// either.
type outcomeError struct{ outcome, cause error }

func (e *outcomeError) Error() string {
	return e.outcome.Error() + ": " + strings.TrimPrefix(e.cause.Error(), "policy: ")
}

func (e *outcomeError) Unwrap() []error { return []error{e.outcome, e.cause} }
