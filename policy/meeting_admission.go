package policy

import "fmt"

// Role is a participant's role in a meeting.
type Role uint8

const (
	// Attendee: an ordinary participant. The zero value.
	Attendee Role = iota
	// CoOrganizer: a co-organizer, who may change the meeting options as
	// the organizer does.
	CoOrganizer
	// Organizer: the participant who organized the meeting.
	Organizer
)

func (r Role) String() string {
	switch r {
	case Attendee:
		return "attendee"
	case CoOrganizer:
		return "co-organizer"
	case Organizer:
		return "organizer"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Participant is one participant's state as the meeting's admission sees
// it, for one join (one client). The zero value is a licensed attendee on a
// capable client with no compliance recording, which an end-to-end
// encrypted meeting admits.
type Participant struct {
	// Role is the participant's role; it counts only for SetE2EE, not for
	// admission: the organizer is admitted or blocked like anyone else.
	Role Role
	// ComplianceRecording reports that the participant's account is under a
	// compliance recording policy: the recorder needs the media.
	ComplianceRecording bool
	// ClientUnsupported reports that the client joining cannot do E2EE
	// meetings (Teams: web, virtual desktop and cloud video interop
	// clients). The zero value, false, is a capable client.
	ClientUnsupported bool
	// Unlicensed reports that the participant has no licence for E2EE
	// meetings (Teams: Teams Premium). Teams licenses the organizer only,
	// so an app following Teams sets it only when the organizer, or a co-
	// organizer turning E2EE on, lacks the licence; an app that licenses
	// the feature per user sets it for every participant without one.
	Unlicensed bool
}

func (p Participant) String() string {
	return fmt.Sprintf("{%v, compliance recording %v, client unsupported %v, unlicensed %v}",
		p.Role, p.ComplianceRecording, p.ClientUnsupported, p.Unlicensed)
}

// AdmitReason says why a participant is admitted to a meeting or blocked
// from it. Of the reasons a participant's own state gives
// (BlockedComplianceRecording to BlockedUnlicensed), a smaller value is the
// more fundamental cause and is the one reported.
type AdmitReason uint8

const (
	// AdmittedE2EE: admitted to an end-to-end encrypted meeting.
	AdmittedE2EE AdmitReason = iota + 1
	// AdmittedNotE2EE: admitted to a meeting that is not end-to-end
	// encrypted; the app must show that (MeetingDecision.Reason says why).
	AdmittedNotE2EE
	// BlockedComplianceRecording: the meeting is end-to-end encrypted and
	// the participant's account is under compliance recording.
	BlockedComplianceRecording
	// BlockedClientUnsupported: the meeting is end-to-end encrypted and the
	// participant's client cannot do E2EE meetings.
	BlockedClientUnsupported
	// BlockedUnlicensed: the meeting is end-to-end encrypted and the
	// participant has no licence for the feature.
	BlockedUnlicensed
	// BlockedMeetingRefused: the meeting itself is refused
	// (MeetingDecision.Refused); nobody joins.
	BlockedMeetingRefused
)

func (r AdmitReason) String() string {
	switch r {
	case AdmittedE2EE:
		return "admitted to an end-to-end encrypted meeting"
	case AdmittedNotE2EE:
		return "admitted to a meeting that is not end-to-end encrypted"
	case BlockedComplianceRecording:
		return "blocked: compliance recording is on for the participant"
	case BlockedClientUnsupported:
		return "blocked: the client does not support end-to-end encrypted meetings"
	case BlockedUnlicensed:
		return "blocked: no licence for end-to-end encrypted meetings"
	case BlockedMeetingRefused:
		return "blocked: the meeting is refused"
	}
	return fmt.Sprintf("AdmitReason(%d)", uint8(r))
}

// Admission is the outcome of MeetingDecision.Admit for one participant. It
// is a plain value, safe for concurrent use.
type Admission struct {
	// Admitted reports whether the participant may join.
	Admitted bool
	// E2EE reports whether the participant joins with end-to-end encrypted
	// media; it is the meeting's MeetingDecision.E2EE when Admitted, and
	// false otherwise.
	E2EE bool
	// Reason is AdmittedE2EE or AdmittedNotE2EE when Admitted, else why the
	// participant is blocked.
	Reason AdmitReason
}

func (a Admission) String() string { return a.Reason.String() }

// Err returns nil when the participant is admitted, and otherwise an error
// matching both ErrBlocked and the cause under errors.Is: ErrComplianceRecording,
// ErrClientUnsupported, ErrUnlicensed or ErrMeetingRefused.
func (a Admission) Err() error {
	var cause error
	switch a.Reason {
	case AdmittedE2EE, AdmittedNotE2EE:
		return nil
	case BlockedComplianceRecording:
		cause = ErrComplianceRecording
	case BlockedClientUnsupported:
		cause = ErrClientUnsupported
	case BlockedUnlicensed:
		cause = ErrUnlicensed
	default: // BlockedMeetingRefused, and the zero Admission: fail closed
		cause = ErrMeetingRefused
	}
	return &outcomeError{outcome: ErrBlocked, cause: cause}
}

// Admit decides whether participant p may join the meeting d was decided
// for. Each participant is evaluated alone, so a participant that cannot
// take part in an end-to-end encrypted meeting is blocked and the meeting
// stays end-to-end encrypted for everyone else; it is never downgraded.
//
// In an end-to-end encrypted meeting p is blocked for the first of these
// that holds: ComplianceRecording (BlockedComplianceRecording),
// ClientUnsupported (BlockedClientUnsupported), Unlicensed
// (BlockedUnlicensed); otherwise admitted (AdmittedE2EE). In a normal
// meeting every participant is admitted (AdmittedNotE2EE). In a refused
// meeting nobody is (BlockedMeetingRefused), nor with a zero
// MeetingDecision, which DecideMeeting never returns. p.Role does not count.
func (d MeetingDecision) Admit(p Participant) Admission {
	switch {
	case d.Refused || d.Reason == 0: // the zero MeetingDecision fails closed
		return Admission{Reason: BlockedMeetingRefused}
	case !d.E2EE:
		return Admission{Admitted: true, Reason: AdmittedNotE2EE}
	case p.ComplianceRecording:
		return Admission{Reason: BlockedComplianceRecording}
	case p.ClientUnsupported:
		return Admission{Reason: BlockedClientUnsupported}
	case p.Unlicensed:
		return Admission{Reason: BlockedUnlicensed}
	}
	return Admission{Admitted: true, E2EE: true, Reason: AdmittedE2EE}
}
