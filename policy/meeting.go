package policy

import (
	"fmt"
	"slices"
	"strings"
)

// MeetingAdminSetting is the admin setting for end-to-end encrypted meetings
// on the organizer's account (Teams: the MeetingEndToEndEncryption setting of
// the enhanced encryption policy, "End-to-end meeting encryption" in the
// admin center).
type MeetingAdminSetting uint8

const (
	// MeetingUnmanaged: no meeting encryption policy applies to the
	// organizer's account; the meeting is end-to-end encrypted whatever the
	// organizer's switch says. The zero value; see the package documentation.
	MeetingUnmanaged MeetingAdminSetting = iota
	// MeetingDisabled: "Off". Organizers cannot turn E2EE on. The Teams
	// default.
	MeetingDisabled
	// MeetingDisabledUserOverride: "Off, but organizers and co-organizers
	// can turn them on". The organizer's switch (Meeting.OrganizerOn)
	// decides unless E2EE is enforced.
	MeetingDisabledUserOverride
)

func (s MeetingAdminSetting) String() string {
	switch s {
	case MeetingUnmanaged:
		return "Unmanaged"
	case MeetingDisabled:
		return "Disabled"
	case MeetingDisabledUserOverride:
		return "DisabledUserOverride"
	}
	return fmt.Sprintf("MeetingAdminSetting(%d)", uint8(s))
}

// valid reports whether s is one of the defined settings.
func (s MeetingAdminSetting) valid() bool { return s <= MeetingDisabledUserOverride }

// Meeting is one meeting's E2EE policy state: the organizer's admin setting,
// the switch the organizer or a co-organizer sets in the meeting options,
// and enforcement. The zero value is an Unmanaged meeting, which is end-to-
// end encrypted.
//
// A Meeting is a plain value: DecideMeeting and the methods with a value
// receiver are safe for concurrent use; SetE2EE needs exclusive access.
type Meeting struct {
	// Admin is the admin setting of the organizer's account.
	Admin MeetingAdminSetting
	// OrganizerOn is the meeting's "end-to-end encryption" switch, set by
	// the organizer or a co-organizer (SetE2EE). Off by default. It turns
	// E2EE on when Admin is MeetingDisabledUserOverride; with
	// MeetingDisabled it asks for what the admin forbids, and the meeting
	// is refused; with MeetingUnmanaged E2EE is on either way.
	OrganizerOn bool
	// Enforced reports that a meeting template or sensitivity label
	// enforces E2EE: the meeting is end-to-end encrypted whatever
	// OrganizerOn says, the organizer cannot turn it off (SetE2EE returns
	// ErrEnforced), and a meeting that cannot have E2EE is refused.
	Enforced bool
}

func (m Meeting) String() string {
	return fmt.Sprintf("{admin %v, organizer switch %v, enforced %v}", m.Admin, onOff(m.OrganizerOn), m.Enforced)
}

// requested reports whether the organizer, a template or a label asked for
// E2EE explicitly.
func (m Meeting) requested() bool { return m.OrganizerOn || m.Enforced }

// MeetingReason says why a meeting is or is not end-to-end encrypted.
type MeetingReason uint8

const (
	// MeetingReasonEnforced: E2EE is on, enforced by a meeting template or
	// sensitivity label.
	MeetingReasonEnforced MeetingReason = iota + 1
	// MeetingReasonOrganizerOn: E2EE is on; the organizer or a co-organizer
	// turned it on.
	MeetingReasonOrganizerOn
	// MeetingReasonUnmanaged: E2EE is on; no meeting encryption policy
	// applies (MeetingUnmanaged).
	MeetingReasonUnmanaged
	// MeetingReasonOrganizerOff: E2EE is off; the admin lets organizers
	// turn it on, and nobody did. The meeting runs as a normal meeting.
	MeetingReasonOrganizerOff
	// MeetingReasonAdminDisabled: E2EE is off by the admin setting
	// (MeetingDisabled). The meeting runs as a normal meeting, or is
	// refused if E2EE was asked for.
	MeetingReasonAdminDisabled
	// MeetingReasonUnknownSetting: the admin setting is not a defined
	// MeetingAdminSetting; the meeting is refused (fail closed).
	MeetingReasonUnknownSetting
)

func (r MeetingReason) String() string {
	switch r {
	case MeetingReasonEnforced:
		return "end-to-end encryption is enforced by a meeting template or sensitivity label"
	case MeetingReasonOrganizerOn:
		return "the organizer turned on end-to-end encryption"
	case MeetingReasonUnmanaged:
		return "no meeting encryption policy applies; end-to-end encryption is on"
	case MeetingReasonOrganizerOff:
		return "the organizer has not turned on end-to-end encryption"
	case MeetingReasonAdminDisabled:
		return "end-to-end meeting encryption is off by an admin policy"
	case MeetingReasonUnknownSetting:
		return "the admin setting for meeting encryption is not a defined value"
	}
	return fmt.Sprintf("MeetingReason(%d)", uint8(r))
}

// MeetingDecision is the outcome of DecideMeeting for one meeting. It is a
// plain value, safe for concurrent use.
type MeetingDecision struct {
	// E2EE reports whether the meeting is end-to-end encrypted: every
	// participant's audio, video and screen sharing are, and a participant
	// that cannot take part that way is refused (Admit), never given clear
	// media. When false and not Refused, the meeting is a normal meeting and
	// the app must show that it is not end-to-end encrypted.
	E2EE bool
	// Refused reports that the meeting must not run at all: E2EE was asked
	// for (Meeting.OrganizerOn or Meeting.Enforced) but the admin setting
	// does not allow it, or the setting is not a defined value. Always
	// false when E2EE is true.
	Refused bool
	// Reason says why E2EE is on, off or the meeting refused.
	Reason MeetingReason
	// Unavailable lists, in declaration order, the features the app must
	// not offer during the meeting: every MeetingFeature when E2EE is on,
	// none otherwise.
	Unavailable []MeetingFeature
}

// DecideMeeting returns the decision for meeting m, by the rules of the
// package documentation (section Meetings). Every participant's client,
// given the same Meeting, computes the same decision.
func DecideMeeting(m Meeting) MeetingDecision {
	var on MeetingReason
	switch {
	case !m.Admin.valid():
		return MeetingDecision{Refused: true, Reason: MeetingReasonUnknownSetting}
	case m.Admin == MeetingDisabled:
		return MeetingDecision{Refused: m.requested(), Reason: MeetingReasonAdminDisabled}
	case m.Enforced:
		on = MeetingReasonEnforced
	case m.OrganizerOn:
		on = MeetingReasonOrganizerOn
	case m.Admin == MeetingUnmanaged:
		on = MeetingReasonUnmanaged
	default: // MeetingDisabledUserOverride, nobody turned it on
		return MeetingDecision{Reason: MeetingReasonOrganizerOff}
	}
	return MeetingDecision{E2EE: true, Reason: on, Unavailable: MeetingFeatures()}
}

// Err returns nil when the meeting may run (end-to-end encrypted, or a
// normal meeting), and an error matching both ErrMeetingRefused and the
// cause (ErrMeetingAdminDisabled or ErrUnknownMeetingSetting) under
// errors.Is when it is Refused.
func (d MeetingDecision) Err() error {
	if !d.Refused {
		return nil
	}
	cause := ErrMeetingAdminDisabled
	if d.Reason == MeetingReasonUnknownSetting {
		cause = ErrUnknownMeetingSetting
	}
	return &outcomeError{outcome: ErrMeetingRefused, cause: cause}
}

// Available reports whether the app may offer feature f during the meeting.
func (d MeetingDecision) Available(f MeetingFeature) bool {
	return !slices.Contains(d.Unavailable, f)
}

func (d MeetingDecision) String() string {
	switch {
	case d.Refused && d.Reason == MeetingReasonUnknownSetting:
		return "meeting refused: " + d.Reason.String()
	case d.Refused:
		return "meeting refused: end-to-end encryption is required but " + d.Reason.String()
	case !d.E2EE:
		return "meeting not end-to-end encrypted: " + d.Reason.String()
	}
	names := make([]string, len(d.Unavailable))
	for i, f := range d.Unavailable {
		names[i] = f.String()
	}
	return "meeting end-to-end encrypted (" + d.Reason.String() + "); unavailable: " + strings.Join(names, ", ")
}

// SetE2EE records the choice of by, who must be the organizer or a co-
// organizer, to turn the meeting's E2EE switch on or off (Meeting.
// OrganizerOn). On error m is unchanged. The errors, checked in this order:
//
//   - ErrUnknownMeetingSetting: m.Admin is not a defined setting.
//   - ErrNotOrganizer: by is an attendee.
//   - turning on: ErrMeetingAdminDisabled when m.Admin is MeetingDisabled;
//     ErrUnlicensed when by has no licence for E2EE meetings.
//   - turning off: ErrEnforced when m.Enforced is set or m.Admin is
//     MeetingUnmanaged, where E2EE cannot be turned off.
//
// After a successful call, DecideMeeting(*m) is end-to-end encrypted if on
// is true, and is a normal meeting (neither E2EE nor Refused) if on is
// false. SetE2EE is not safe for concurrent use with other uses of m.
func (m *Meeting) SetE2EE(by Participant, on bool) error {
	switch {
	case !m.Admin.valid():
		return ErrUnknownMeetingSetting
	case by.Role != Organizer && by.Role != CoOrganizer:
		return ErrNotOrganizer
	case on && m.Admin == MeetingDisabled:
		return ErrMeetingAdminDisabled
	case on && by.Unlicensed:
		return ErrUnlicensed
	case !on && (m.Enforced || m.Admin == MeetingUnmanaged):
		return ErrEnforced
	}
	m.OrganizerOn = on
	return nil
}
