// Package policy decides whether a 1:1 call or a meeting may use end-to-end
// encryption (E2EE), modelled on the Microsoft Teams enhanced encryption
// policy, and which features are unavailable while it does. Calls are
// described first; meetings have their own rules (section Meetings).
//
// Each party to a call is described by a Party: the admin setting of its
// account, the user's "end-to-end encrypted calls" switch, compliance
// recording on the account, and whether its client can do E2EE. Decide
// combines the two parties into one Decision. It is symmetric —
// Decide(a, b) equals Decide(b, a) — so both sides of a call, each passing
// its own state and the peer's (package keyexchange carries them in the
// handshake), reach the same decision and show the same reason.
//
// # Rules
//
// A party allows E2EE unless one of these holds, checked in this order
// (the first that holds is the party's Reason):
//
//  1. ComplianceRecording: the account is under a compliance recording
//     policy. The recorder needs the media, so E2EE is off whatever the
//     other settings say (ReasonComplianceRecording).
//  2. ClientUnsupported: the client cannot do E2EE, e.g. a web client or an
//     old version (ReasonClientUnsupported).
//  3. Admin is Disabled: the admin did not make E2EE available to the user
//     (ReasonAdminDisabled). This is the Teams default for every account
//     under a tenant policy.
//  4. Admin is DisabledUserOverride and the user's switch is off: E2EE is
//     available but the user did not turn it on (ReasonUserDisabled). In
//     Teams the switch is off until the user turns it on.
//
// A call is end-to-end encrypted only if both parties allow it. Otherwise
// the decision's reason is the first of the two parties' reasons in the
// order above, so the more fundamental cause is shown (compliance before
// client support before the admin before the user) and both sides show the
// same one; Party.Reason tells an app whether it is its own party's.
//
// # Requiring E2EE
//
// A party may also require E2EE (Party.RequireE2EE), as a Teams organizer
// enforces E2EE for a meeting and so blocks anyone who needs compliance
// recording from joining. The flag does not change whether the party allows
// E2EE; it changes what happens when the call cannot have it: if E2EE is
// off for any reason and at least one party requires it, the Decision is
// Refused, and the call must not run at all (not even on transport SRTP
// only). Both sides compute the same Refused from the two states, so both
// learn why the call was refused (Decision.Reason, as for any E2EE-off
// call).
//
// Requiring E2EE is what makes a downgrade by a man in the middle fail
// closed: an attacker on the signaling path who claims that the peer is
// under compliance recording gets the call refused instead of running it
// without E2EE. Without the requirement, an E2EE-off call still shows the
// check number (package verify), which authenticates the policy states
// too; the users must compare it to confirm that the reason is genuine.
//
// # The zero Party
//
// Teams' admin setting has two values, Disabled (the default) and
// DisabledUserOverride. The zero AdminSetting, Unmanaged, is callseal's
// addition for an account under no enhanced encryption policy at all — a
// consumer account, or an app that does not model tenant policy. An
// Unmanaged party allows E2EE (its user switch is not consulted), so the
// zero Party, and a keyexchange.Config that sets no Policy, behave as a
// plain E2EE call. An app that models a Teams tenant sets Admin explicitly:
// Party{Admin: Disabled} is a Teams account with the default policy.
//
// # Meetings
//
// A meeting is decided once, for everyone, from the Meeting: the admin
// setting for meetings on the organizer's account (MeetingAdminSetting;
// Teams: "End-to-end meeting encryption", Off or "Off, but organizers and
// co-organizers can turn them on"), the meeting's E2EE switch, which the
// organizer or a co-organizer sets (SetE2EE), and enforcement by a meeting
// template or sensitivity label. DecideMeeting gives one of three outcomes:
//
//   - End-to-end encrypted, when the setting lets organizers turn E2EE on
//     and the switch is on or E2EE is enforced, or when the setting is
//     MeetingUnmanaged. Audio, video and screen sharing are protected, and
//     the app must not offer the features MeetingFeatures lists.
//   - A normal meeting, not end-to-end encrypted, when nobody asked for E2EE:
//     the switch is off, nothing enforces it, and the setting is
//     MeetingDisabled or MeetingDisabledUserOverride. The decision's reason
//     says so, and the app must show it.
//   - Refused, when the switch is on or E2EE is enforced but the setting is
//     MeetingDisabled, and whenever the setting is not a defined value (fail
//     closed). The meeting must not run at all: a meeting that asked for
//     E2EE never runs without it.
//
// Participants are then admitted one by one (MeetingDecision.Admit), the
// organizer like anyone else. An end-to-end encrypted meeting blocks a
// participant under compliance recording, on a client that cannot do E2EE
// meetings, or without a licence for them (Teams Premium), and reports the
// first of these as a typed reason (AdmitReason; Admission.Err matches
// ErrBlocked and the cause under errors.Is). Blocking one participant
// changes nothing for the others: the meeting is never downgraded to let
// someone in, so its media is never sent in the clear. A normal meeting
// admits everyone, and says that it is not end-to-end encrypted.
//
// Enforcement differs from the switch in two ways: the organizer cannot
// turn an enforced meeting's E2EE off (SetE2EE returns ErrEnforced), and
// E2EE is on whatever the switch says.
//
// The zero MeetingAdminSetting, MeetingUnmanaged, is callseal's addition,
// as Unmanaged is for calls: a meeting under no meeting encryption policy is
// end-to-end encrypted and its switch cannot turn that off, so the zero
// Meeting is a plain E2EE meeting. Teams' default is MeetingDisabled.
package policy

import (
	"fmt"
	"strings"
)

// AdminSetting is the enhanced encryption policy an admin assigned to the
// account (Teams: the CallingEndtoEndEncryptionEnabledType setting).
type AdminSetting uint8

const (
	// Unmanaged: no enhanced encryption policy applies to the account; E2EE
	// is allowed. The zero value; see the package documentation.
	Unmanaged AdminSetting = iota
	// Disabled: E2EE is not available to the user. The Teams default.
	Disabled
	// DisabledUserOverride: E2EE is available, and the user's "end-to-end
	// encrypted calls" switch (Party.UserEnabled) decides.
	DisabledUserOverride
)

func (s AdminSetting) String() string {
	switch s {
	case Unmanaged:
		return "Unmanaged"
	case Disabled:
		return "Disabled"
	case DisabledUserOverride:
		return "DisabledUserOverride"
	}
	return fmt.Sprintf("AdminSetting(%d)", uint8(s))
}

// Party is one side's E2EE policy state. The zero value is an Unmanaged
// account on a capable client, which allows E2EE.
type Party struct {
	// Admin is the account's admin setting.
	Admin AdminSetting
	// UserEnabled is the user's "end-to-end encrypted calls" switch. It
	// counts only when Admin is DisabledUserOverride; off by default.
	UserEnabled bool
	// ComplianceRecording reports that the account is under a compliance
	// recording policy; it forces E2EE off.
	ComplianceRecording bool
	// ClientUnsupported reports that the client cannot do E2EE (a web
	// client, an old version). The zero value, false, is a capable client.
	ClientUnsupported bool
	// RequireE2EE reports that the party refuses any call that is not end-
	// to-end encrypted (Teams: the organizer enforces E2EE). It does not
	// count in Reason or Allows; Decide marks an E2EE-off call Refused
	// when either party sets it. Off by default.
	RequireE2EE bool
}

// Reason reports why p alone allows E2EE or not: ReasonEnabled, or the
// first rule of the package documentation that blocks it. An AdminSetting
// outside the defined values counts as Disabled (fail closed).
func (p Party) Reason() Reason {
	switch {
	case p.ComplianceRecording:
		return ReasonComplianceRecording
	case p.ClientUnsupported:
		return ReasonClientUnsupported
	}
	switch p.Admin {
	case Unmanaged:
		return ReasonEnabled
	case DisabledUserOverride:
		if p.UserEnabled {
			return ReasonEnabled
		}
		return ReasonUserDisabled
	}
	return ReasonAdminDisabled
}

// Allows reports whether p alone allows E2EE. RequireE2EE does not count.
func (p Party) Allows() bool { return p.Reason() == ReasonEnabled }

func (p Party) String() string {
	return fmt.Sprintf("{admin %v, user switch %v, compliance recording %v, client unsupported %v, requires E2EE %v}",
		p.Admin, onOff(p.UserEnabled), p.ComplianceRecording, p.ClientUnsupported, p.RequireE2EE)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Reason says why a call is or is not end-to-end encrypted. Among the
// reasons that block E2EE, a smaller value is the more fundamental cause.
type Reason uint8

const (
	// ReasonEnabled: both parties allow E2EE; the call is end-to-end encrypted.
	ReasonEnabled Reason = iota + 1
	// ReasonComplianceRecording: an account is under compliance recording.
	ReasonComplianceRecording
	// ReasonClientUnsupported: a client cannot do E2EE.
	ReasonClientUnsupported
	// ReasonAdminDisabled: an admin has not made E2EE available (Disabled).
	ReasonAdminDisabled
	// ReasonUserDisabled: E2EE is available but a user's switch is off.
	ReasonUserDisabled
)

func (r Reason) String() string {
	switch r {
	case ReasonEnabled:
		return "end-to-end encryption enabled by both parties"
	case ReasonComplianceRecording:
		return "compliance recording is on for an account"
	case ReasonClientUnsupported:
		return "a client does not support end-to-end encryption"
	case ReasonAdminDisabled:
		return "end-to-end encryption is disabled by an admin policy"
	case ReasonUserDisabled:
		return "a user has not turned on end-to-end encrypted calls"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Feature is a call feature that is unavailable while a call is end-to-end
// encrypted: each needs a server, bot or third device to see the media or
// to join the call, which E2EE excludes.
type Feature uint8

const (
	// LiveCaptions: live captions and transcription.
	LiveCaptions Feature = iota + 1
	// Recording: call recording.
	Recording
	// CallTransfer: transferring the call to someone else.
	CallTransfer
	// ConsultTransfer: consult first, then transfer.
	ConsultTransfer
	// CallMerge: merging the call with another call.
	CallMerge
	// CallPark: parking the call to pick it up elsewhere.
	CallPark
	// CallCompanion: call companion, or transferring the call to another
	// of the user's devices.
	CallCompanion
	// AddParticipant: adding a participant (which would make it a group call).
	AddParticipant
)

// allFeatures lists every Feature in declaration order.
var allFeatures = [...]Feature{
	LiveCaptions, Recording, CallTransfer, ConsultTransfer,
	CallMerge, CallPark, CallCompanion, AddParticipant,
}

// Features returns every Feature that E2EE makes unavailable, in
// declaration order.
func Features() []Feature { return append([]Feature(nil), allFeatures[:]...) }

func (f Feature) String() string {
	switch f {
	case LiveCaptions:
		return "live captions and transcription"
	case Recording:
		return "recording"
	case CallTransfer:
		return "call transfer"
	case ConsultTransfer:
		return "consult then transfer"
	case CallMerge:
		return "call merge"
	case CallPark:
		return "call park"
	case CallCompanion:
		return "call companion / transfer to another device"
	case AddParticipant:
		return "adding a participant"
	}
	return fmt.Sprintf("Feature(%d)", uint8(f))
}

// Decision is the outcome of Decide for one call.
type Decision struct {
	// E2EE reports whether the call is end-to-end encrypted. When false,
	// media runs on transport SRTP only, unless Refused.
	E2EE bool
	// Reason is ReasonEnabled when E2EE is true, else why it is off.
	Reason Reason
	// Refused reports that E2EE is off and at least one party requires it
	// (Party.RequireE2EE): the call must not run at all, not even on
	// transport SRTP only. Reason says why E2EE is off. Always false when
	// E2EE is true.
	Refused bool
	// Unavailable lists, in declaration order, the features the app must
	// not offer during the call: every Feature when E2EE is on, none when off.
	Unavailable []Feature
}

// Available reports whether the app may offer feature f during the call.
func (d Decision) Available(f Feature) bool {
	for _, u := range d.Unavailable {
		if u == f {
			return false
		}
	}
	return true
}

func (d Decision) String() string {
	if d.Refused {
		return "call refused: end-to-end encryption is required but off: " + d.Reason.String()
	}
	if !d.E2EE {
		return "E2EE off: " + d.Reason.String()
	}
	names := make([]string, len(d.Unavailable))
	for i, f := range d.Unavailable {
		names[i] = f.String()
	}
	return "E2EE on; unavailable: " + strings.Join(names, ", ")
}

// Decide returns the decision for a call between parties a and b. It is
// symmetric: Decide(a, b) and Decide(b, a) are equal (reflect.DeepEqual), so
// both sides compute the same decision from the same two states. When E2EE
// is off and a or b requires it, the decision is Refused.
func Decide(a, b Party) Decision {
	ra, rb := a.Reason(), b.Reason()
	if ra == ReasonEnabled && rb == ReasonEnabled {
		return Decision{E2EE: true, Reason: ReasonEnabled, Unavailable: Features()}
	}
	r := ra
	if r == ReasonEnabled || (rb != ReasonEnabled && rb < r) {
		r = rb
	}
	return Decision{E2EE: false, Reason: r, Refused: a.RequireE2EE || b.RequireE2EE}
}
