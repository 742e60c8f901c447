package policy

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// meetingTable lists every Meeting — 3 defined admin settings and one
// undefined × the organizer's switch × enforcement, 16 in all — with the
// decision written out by hand from the rules in the package doc.
var meetingTable = []struct {
	m       Meeting
	e2ee    bool
	refused bool
	want    MeetingReason
}{
	// Admin, OrganizerOn, Enforced
	{Meeting{MeetingUnmanaged, false, false}, true, false, MeetingReasonUnmanaged},
	{Meeting{MeetingUnmanaged, false, true}, true, false, MeetingReasonEnforced},
	{Meeting{MeetingUnmanaged, true, false}, true, false, MeetingReasonOrganizerOn},
	{Meeting{MeetingUnmanaged, true, true}, true, false, MeetingReasonEnforced},

	{Meeting{MeetingDisabled, false, false}, false, false, MeetingReasonAdminDisabled}, // the Teams default: a normal meeting
	{Meeting{MeetingDisabled, false, true}, false, true, MeetingReasonAdminDisabled},   // enforced but forbidden: refused
	{Meeting{MeetingDisabled, true, false}, false, true, MeetingReasonAdminDisabled},   // asked for but forbidden: refused
	{Meeting{MeetingDisabled, true, true}, false, true, MeetingReasonAdminDisabled},

	{Meeting{MeetingDisabledUserOverride, false, false}, false, false, MeetingReasonOrganizerOff},
	{Meeting{MeetingDisabledUserOverride, false, true}, true, false, MeetingReasonEnforced}, // enforced beats the switch
	{Meeting{MeetingDisabledUserOverride, true, false}, true, false, MeetingReasonOrganizerOn},
	{Meeting{MeetingDisabledUserOverride, true, true}, true, false, MeetingReasonEnforced},

	{Meeting{MeetingAdminSetting(3), false, false}, false, true, MeetingReasonUnknownSetting}, // fail closed
	{Meeting{MeetingAdminSetting(3), false, true}, false, true, MeetingReasonUnknownSetting},
	{Meeting{MeetingAdminSetting(3), true, false}, false, true, MeetingReasonUnknownSetting},
	{Meeting{MeetingAdminSetting(3), true, true}, false, true, MeetingReasonUnknownSetting},
}

// participantTable lists every Participant state that counts for admission
// — compliance recording × client support × licence, 8 in all — with the
// reason an end-to-end encrypted meeting gives, by hand. The tests run each
// under every Role.
var participantTable = []struct {
	p    Participant
	want AdmitReason
}{
	// Role, ComplianceRecording, ClientUnsupported, Unlicensed
	{Participant{Attendee, false, false, false}, AdmittedE2EE},
	{Participant{Attendee, false, false, true}, BlockedUnlicensed},
	{Participant{Attendee, false, true, false}, BlockedClientUnsupported},
	{Participant{Attendee, false, true, true}, BlockedClientUnsupported},
	{Participant{Attendee, true, false, false}, BlockedComplianceRecording},
	{Participant{Attendee, true, false, true}, BlockedComplianceRecording},
	{Participant{Attendee, true, true, false}, BlockedComplianceRecording},
	{Participant{Attendee, true, true, true}, BlockedComplianceRecording},
}

var allRoles = []Role{Attendee, CoOrganizer, Organizer}

func TestDecideMeetingEveryCombination(t *testing.T) {
	seen := make(map[Meeting]bool)
	for _, tc := range meetingTable {
		if seen[tc.m] {
			t.Fatalf("%v listed twice", tc.m)
		}
		seen[tc.m] = true
		d := DecideMeeting(tc.m)
		if d.E2EE != tc.e2ee || d.Refused != tc.refused || d.Reason != tc.want {
			t.Errorf("DecideMeeting(%v) = %+v, want E2EE %v, refused %v, %v", tc.m, d, tc.e2ee, tc.refused, tc.want)
		}
		if tc.e2ee && !reflect.DeepEqual(d.Unavailable, MeetingFeatures()) {
			t.Errorf("%v: E2EE on, Unavailable = %v", tc.m, d.Unavailable)
		}
		if !tc.e2ee && len(d.Unavailable) != 0 {
			t.Errorf("%v: E2EE off, Unavailable = %v", tc.m, d.Unavailable)
		}
		err := d.Err()
		if (err != nil) != tc.refused || (tc.refused && !errors.Is(err, ErrMeetingRefused)) {
			t.Errorf("%v: Err() = %v", tc.m, err)
		}
	}
	if len(seen) != 4*2*2 {
		t.Fatalf("table has %d meetings, want 16", len(seen))
	}
}

// TestAdmitEveryCombination admits every participant state under every
// role to every meeting: blocked for its own reason in an E2EE meeting,
// admitted without E2EE to a normal meeting, blocked from a refused one;
// the role never counts; Err agrees with the reason.
func TestAdmitEveryCombination(t *testing.T) {
	for _, mt := range meetingTable {
		d := DecideMeeting(mt.m)
		for _, pt := range participantTable {
			for _, role := range allRoles {
				p := pt.p
				p.Role = role
				want := Admission{Admitted: true, Reason: AdmittedNotE2EE}
				switch {
				case mt.refused:
					want = Admission{Reason: BlockedMeetingRefused}
				case mt.e2ee:
					ok := pt.want == AdmittedE2EE
					want = Admission{Admitted: ok, E2EE: ok, Reason: pt.want}
				}
				got := d.Admit(p)
				if got != want {
					t.Errorf("DecideMeeting(%v).Admit(%v) = %+v, want %+v", mt.m, p, got, want)
				}
				checkAdmissionErr(t, got)
			}
		}
	}
}

// checkAdmissionErr checks that a.Err is nil exactly when a is admitted,
// and otherwise matches ErrBlocked and the cause of a.Reason.
func checkAdmissionErr(t *testing.T, a Admission) {
	t.Helper()
	cause := map[AdmitReason]error{
		BlockedComplianceRecording: ErrComplianceRecording,
		BlockedClientUnsupported:   ErrClientUnsupported,
		BlockedUnlicensed:          ErrUnlicensed,
		BlockedMeetingRefused:      ErrMeetingRefused,
	}[a.Reason]
	err := a.Err()
	switch {
	case a.Admitted && err != nil:
		t.Errorf("%+v: admitted, Err() = %v", a, err)
	case !a.Admitted && (!errors.Is(err, ErrBlocked) || !errors.Is(err, cause)):
		t.Errorf("%+v: Err() = %v, want ErrBlocked and %v", a, err, cause)
	}
}

// TestOneBlockedParticipantDoesNotDowngrade: a recorded participant and a
// web client are refused from an E2EE meeting; everyone admitted before
// and after still joins end-to-end encrypted.
func TestOneBlockedParticipantDoesNotDowngrade(t *testing.T) {
	d := DecideMeeting(Meeting{Admin: MeetingDisabledUserOverride, OrganizerOn: true})
	joins := []struct {
		p    Participant
		want AdmitReason
	}{
		{Participant{Role: Organizer}, AdmittedE2EE},
		{Participant{}, AdmittedE2EE},
		{Participant{ComplianceRecording: true}, BlockedComplianceRecording},
		{Participant{Role: CoOrganizer}, AdmittedE2EE},
		{Participant{ClientUnsupported: true}, BlockedClientUnsupported},
		{Participant{}, AdmittedE2EE},
	}
	for i, j := range joins {
		a := d.Admit(j.p)
		if a.Reason != j.want || a.E2EE != (j.want == AdmittedE2EE) {
			t.Errorf("join %d (%v): %+v, want %v", i, j.p, a, j.want)
		}
		if !d.E2EE || d.Refused {
			t.Fatalf("after join %d the meeting is %v", i, d)
		}
	}
}

func TestZeroMeetingValues(t *testing.T) {
	d := DecideMeeting(Meeting{})
	if !d.E2EE || d.Reason != MeetingReasonUnmanaged {
		t.Errorf("DecideMeeting(zero) = %v, want E2EE on, unmanaged", d)
	}
	if a := d.Admit(Participant{}); !a.Admitted || !a.E2EE {
		t.Errorf("zero participant: %v", a)
	}
	// A MeetingDecision not made by DecideMeeting admits nobody.
	if a := (MeetingDecision{}).Admit(Participant{}); a.Admitted || a.Reason != BlockedMeetingRefused {
		t.Errorf("zero decision admits: %+v", a)
	}
	if err := (Admission{}).Err(); !errors.Is(err, ErrBlocked) || !errors.Is(err, ErrMeetingRefused) {
		t.Errorf("zero Admission: Err() = %v", err)
	}
	// The Teams default is a normal meeting, not refused.
	if d := DecideMeeting(Meeting{Admin: MeetingDisabled}); d.E2EE || d.Refused || d.Err() != nil {
		t.Errorf("Teams default: %v, %v", d, d.Err())
	}
}

func TestUnknownMeetingSettingFailsClosed(t *testing.T) {
	for _, s := range []MeetingAdminSetting{3, 9, 255} {
		for _, m := range []Meeting{{Admin: s}, {Admin: s, OrganizerOn: true, Enforced: true}} {
			d := DecideMeeting(m)
			if d.E2EE || !d.Refused || !errors.Is(d.Err(), ErrUnknownMeetingSetting) || !errors.Is(d.Err(), ErrMeetingRefused) {
				t.Errorf("%v: %v, Err() = %v", m, d, d.Err())
			}
			if a := d.Admit(Participant{Role: Organizer}); a.Admitted {
				t.Errorf("%v: organizer admitted", m)
			}
			if err := m.SetE2EE(Participant{Role: Organizer}, true); !errors.Is(err, ErrUnknownMeetingSetting) {
				t.Errorf("%v: SetE2EE = %v", m, err)
			}
		}
	}
}

// setE2EETable gives, by hand, SetE2EE's error for a licensed organizer
// for every defined and one undefined admin setting × enforcement × the
// direction of the change.
var setE2EETable = []struct {
	admin    MeetingAdminSetting
	enforced bool
	on       bool
	want     error
}{
	{MeetingUnmanaged, false, true, nil},
	{MeetingUnmanaged, false, false, ErrEnforced}, // unmanaged: always on
	{MeetingUnmanaged, true, true, nil},
	{MeetingUnmanaged, true, false, ErrEnforced},
	{MeetingDisabled, false, true, ErrMeetingAdminDisabled},
	{MeetingDisabled, false, false, nil},
	{MeetingDisabled, true, true, ErrMeetingAdminDisabled},
	{MeetingDisabled, true, false, ErrEnforced},
	{MeetingDisabledUserOverride, false, true, nil},
	{MeetingDisabledUserOverride, false, false, nil},
	{MeetingDisabledUserOverride, true, true, nil},
	{MeetingDisabledUserOverride, true, false, ErrEnforced},
	{MeetingAdminSetting(3), false, true, ErrUnknownMeetingSetting},
	{MeetingAdminSetting(3), false, false, ErrUnknownMeetingSetting},
	{MeetingAdminSetting(3), true, true, ErrUnknownMeetingSetting},
	{MeetingAdminSetting(3), true, false, ErrUnknownMeetingSetting},
}

// TestSetE2EEEveryCombination runs every row of setE2EETable from either
// switch position, by every role, licensed or not: a co-organizer gets
// what the organizer gets; an attendee gets ErrNotOrganizer (after the
// unknown setting); an unlicensed one cannot turn E2EE on where a licensed
// one could. On error the meeting is unchanged; on success the switch is
// set, and the meeting is end-to-end encrypted if turned on and a normal
// meeting if turned off.
func TestSetE2EEEveryCombination(t *testing.T) {
	for _, tc := range setE2EETable {
		for _, start := range []bool{false, true} {
			for _, role := range allRoles {
				for _, unlicensed := range []bool{false, true} {
					m := Meeting{Admin: tc.admin, OrganizerOn: start, Enforced: tc.enforced}
					by := Participant{Role: role, Unlicensed: unlicensed}
					want := tc.want
					switch {
					case want == ErrUnknownMeetingSetting:
					case role == Attendee:
						want = ErrNotOrganizer
					case unlicensed && tc.on && want == nil:
						want = ErrUnlicensed
					}
					before := m
					err := m.SetE2EE(by, tc.on)
					if err != want {
						t.Errorf("%v.SetE2EE(%v, %v) = %v, want %v", before, by, tc.on, err, want)
						continue
					}
					if err != nil {
						if m != before {
							t.Errorf("%v.SetE2EE(%v, %v) failed but changed it to %v", before, by, tc.on, m)
						}
						continue
					}
					if m.OrganizerOn != tc.on {
						t.Errorf("%v.SetE2EE(%v, %v): switch %v", before, by, tc.on, m.OrganizerOn)
					}
					if d := DecideMeeting(m); d.E2EE != tc.on || d.Refused {
						t.Errorf("%v.SetE2EE(%v, %v) then %v", before, by, tc.on, d)
					}
				}
			}
		}
	}
}

func TestMeetingFeatures(t *testing.T) {
	want := []string{
		"live captions and transcription", "recording", "Together mode", "companion mode",
		"large gallery", "breakout rooms", "PowerPoint Live", "Excel Live",
	}
	fs := MeetingFeatures()
	if len(fs) != len(want) {
		t.Fatalf("%d features, want %d", len(fs), len(want))
	}
	for i, f := range fs {
		if f.String() != want[i] {
			t.Errorf("feature %d = %q, want %q", i, f, want[i])
		}
	}
	fs[0] = 0 // MeetingFeatures returns a copy
	if MeetingFeatures()[0] != MeetingLiveCaptions {
		t.Error("MeetingFeatures shares its storage")
	}
	on := DecideMeeting(Meeting{})
	on.Unavailable[1] = 0 // each decision has its own list
	if DecideMeeting(Meeting{}).Unavailable[1] != MeetingRecording {
		t.Error("decisions share their feature list")
	}
	on = DecideMeeting(Meeting{})
	normal := DecideMeeting(Meeting{Admin: MeetingDisabled})
	refused := DecideMeeting(Meeting{Admin: MeetingDisabled, Enforced: true})
	for _, f := range MeetingFeatures() {
		if on.Available(f) || !normal.Available(f) || !refused.Available(f) {
			t.Errorf("%v: available on=%v normal=%v refused=%v", f, on.Available(f), normal.Available(f), refused.Available(f))
		}
	}
}

func TestMeetingStrings(t *testing.T) {
	for _, tc := range []struct {
		s    fmt.Stringer
		want string
	}{
		{DecideMeeting(Meeting{Admin: MeetingDisabledUserOverride}),
			"meeting not end-to-end encrypted: the organizer has not turned on end-to-end encryption"},
		{DecideMeeting(Meeting{Admin: MeetingDisabled, OrganizerOn: true}),
			"meeting refused: end-to-end encryption is required but end-to-end meeting encryption is off by an admin policy"},
		{DecideMeeting(Meeting{Admin: 7}),
			"meeting refused: the admin setting for meeting encryption is not a defined value"},
		{DecideMeeting(Meeting{Enforced: true}),
			"meeting end-to-end encrypted (end-to-end encryption is enforced by a meeting template or sensitivity label); " +
				"unavailable: live captions and transcription, recording, Together mode, companion mode, large gallery, " +
				"breakout rooms, PowerPoint Live, Excel Live"},
		{Meeting{Admin: MeetingDisabledUserOverride, OrganizerOn: true}, "{admin DisabledUserOverride, organizer switch on, enforced false}"},
		{Participant{Role: CoOrganizer, Unlicensed: true}, "{co-organizer, compliance recording false, client unsupported false, unlicensed true}"},
		{Admission{Reason: BlockedClientUnsupported}, "blocked: the client does not support end-to-end encrypted meetings"},
		{MeetingAdminSetting(7), "MeetingAdminSetting(7)"},
		{MeetingReason(0), "MeetingReason(0)"},
		{AdmitReason(0), "AdmitReason(0)"},
		{MeetingFeature(0), "MeetingFeature(0)"},
		{Role(9), "Role(9)"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
	// Every defined value has its own non-empty name.
	names := make(map[string]bool)
	for _, s := range []fmt.Stringer{MeetingUnmanaged, MeetingDisabled, MeetingDisabledUserOverride,
		MeetingReasonEnforced, MeetingReasonOrganizerOn, MeetingReasonUnmanaged, MeetingReasonOrganizerOff,
		MeetingReasonAdminDisabled, MeetingReasonUnknownSetting,
		AdmittedE2EE, AdmittedNotE2EE, BlockedComplianceRecording, BlockedClientUnsupported, BlockedUnlicensed,
		BlockedMeetingRefused, Attendee, CoOrganizer, Organizer} {
		n := s.String()
		if n == "" || names[n] {
			t.Errorf("%#v: name %q empty or repeated", s, n)
		}
		names[n] = true
	}
}

func TestMeetingErrorMessages(t *testing.T) {
	err := DecideMeeting(Meeting{OrganizerOn: true}).Admit(Participant{ComplianceRecording: true}).Err()
	if err == nil {
		t.Fatal("recorded participant admitted")
	}
	if got, want := err.Error(), "policy: participant blocked from the meeting: compliance recording is on for the participant"; got != want {
		t.Errorf("Err() = %q, want %q", got, want)
	}
	err = DecideMeeting(Meeting{Admin: MeetingDisabled, Enforced: true}).Err()
	if err == nil {
		t.Fatal("enforced meeting under MeetingDisabled not refused")
	}
	if got, want := err.Error(), "policy: meeting refused: end-to-end meeting encryption is off by an admin policy"; got != want {
		t.Errorf("Err() = %q, want %q", got, want)
	}
	if errors.Is(err, ErrBlocked) || errors.Is(err, ErrUnknownMeetingSetting) {
		t.Errorf("%v matches an unrelated sentinel", err)
	}
}
