package policy

import (
	"fmt"
	"reflect"
	"testing"
)

// partyTable lists every Party — 3 admin settings × user switch ×
// compliance recording × client support, 24 in all — with the reason it
// alone gives, written out by hand from the rules in the package doc.
var partyTable = []struct {
	p    Party
	want Reason
}{
	// Admin, UserEnabled, ComplianceRecording, ClientUnsupported
	{Party{Unmanaged, false, false, false}, ReasonEnabled},
	{Party{Unmanaged, false, false, true}, ReasonClientUnsupported},
	{Party{Unmanaged, false, true, false}, ReasonComplianceRecording},
	{Party{Unmanaged, false, true, true}, ReasonComplianceRecording},
	{Party{Unmanaged, true, false, false}, ReasonEnabled},
	{Party{Unmanaged, true, false, true}, ReasonClientUnsupported},
	{Party{Unmanaged, true, true, false}, ReasonComplianceRecording},
	{Party{Unmanaged, true, true, true}, ReasonComplianceRecording},

	{Party{Disabled, false, false, false}, ReasonAdminDisabled},
	{Party{Disabled, false, false, true}, ReasonClientUnsupported},
	{Party{Disabled, false, true, false}, ReasonComplianceRecording},
	{Party{Disabled, false, true, true}, ReasonComplianceRecording},
	{Party{Disabled, true, false, false}, ReasonAdminDisabled}, // the switch does not override Disabled
	{Party{Disabled, true, false, true}, ReasonClientUnsupported},
	{Party{Disabled, true, true, false}, ReasonComplianceRecording},
	{Party{Disabled, true, true, true}, ReasonComplianceRecording},

	{Party{DisabledUserOverride, false, false, false}, ReasonUserDisabled},
	{Party{DisabledUserOverride, false, false, true}, ReasonClientUnsupported},
	{Party{DisabledUserOverride, false, true, false}, ReasonComplianceRecording},
	{Party{DisabledUserOverride, false, true, true}, ReasonComplianceRecording},
	{Party{DisabledUserOverride, true, false, false}, ReasonEnabled},
	{Party{DisabledUserOverride, true, false, true}, ReasonClientUnsupported},
	{Party{DisabledUserOverride, true, true, false}, ReasonComplianceRecording}, // compliance beats the switch
	{Party{DisabledUserOverride, true, true, true}, ReasonComplianceRecording},
}

func TestPartyReasonEveryCombination(t *testing.T) {
	seen := make(map[Party]bool)
	for _, tc := range partyTable {
		if seen[tc.p] {
			t.Fatalf("%v listed twice", tc.p)
		}
		seen[tc.p] = true
		if got := tc.p.Reason(); got != tc.want {
			t.Errorf("%v.Reason() = %v, want %v", tc.p, got, tc.want)
		}
		if got := tc.p.Allows(); got != (tc.want == ReasonEnabled) {
			t.Errorf("%v.Allows() = %v", tc.p, got)
		}
	}
	if len(seen) != 3*2*2*2 {
		t.Fatalf("table has %d parties, want 24", len(seen))
	}
}

// TestDecideEveryPair checks all 24 × 24 pairs: E2EE exactly when both
// allow it, the more fundamental reason otherwise, the full feature list
// only when on, and symmetry.
func TestDecideEveryPair(t *testing.T) {
	for _, a := range partyTable {
		for _, b := range partyTable {
			d := Decide(a.p, b.p)
			if !reflect.DeepEqual(d, Decide(b.p, a.p)) {
				t.Fatalf("Decide(%v, %v) = %v is not symmetric", a.p, b.p, d)
			}
			both := a.want == ReasonEnabled && b.want == ReasonEnabled
			if d.E2EE != both {
				t.Errorf("Decide(%v, %v).E2EE = %v", a.p, b.p, d.E2EE)
			}
			want := ReasonEnabled
			switch {
			case both:
			case a.want == ReasonEnabled:
				want = b.want
			case b.want == ReasonEnabled:
				want = a.want
			default:
				want = min(a.want, b.want)
			}
			if d.Reason != want {
				t.Errorf("Decide(%v, %v).Reason = %v, want %v", a.p, b.p, d.Reason, want)
			}
			if both && !reflect.DeepEqual(d.Unavailable, Features()) {
				t.Errorf("E2EE on: Unavailable = %v", d.Unavailable)
			}
			if !both && len(d.Unavailable) != 0 {
				t.Errorf("E2EE off: Unavailable = %v", d.Unavailable)
			}
		}
	}
}

func TestReasonPriority(t *testing.T) {
	// One named case per pair of blocking reasons: the more fundamental wins.
	compliance := Party{Admin: DisabledUserOverride, UserEnabled: true, ComplianceRecording: true}
	web := Party{ClientUnsupported: true}
	admin := Party{Admin: Disabled}
	user := Party{Admin: DisabledUserOverride}
	for _, tc := range []struct {
		a, b Party
		want Reason
	}{
		{compliance, web, ReasonComplianceRecording},
		{compliance, admin, ReasonComplianceRecording},
		{compliance, user, ReasonComplianceRecording},
		{web, admin, ReasonClientUnsupported},
		{web, user, ReasonClientUnsupported},
		{admin, user, ReasonAdminDisabled},
	} {
		if got := Decide(tc.a, tc.b).Reason; got != tc.want {
			t.Errorf("Decide(%v, %v).Reason = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestZeroPartyAllows(t *testing.T) {
	if d := Decide(Party{}, Party{}); !d.E2EE || d.Reason != ReasonEnabled {
		t.Errorf("Decide(zero, zero) = %v, want E2EE on", d)
	}
	if d := Decide(Party{}, Party{Admin: Disabled}); d.E2EE || d.Reason != ReasonAdminDisabled {
		t.Errorf("zero vs Teams default = %v, want off by the admin", d)
	}
}

func TestUnknownAdminSettingFailsClosed(t *testing.T) {
	p := Party{Admin: AdminSetting(9), UserEnabled: true}
	if p.Allows() || p.Reason() != ReasonAdminDisabled {
		t.Errorf("unknown admin setting: %v", p.Reason())
	}
}

func TestFeatures(t *testing.T) {
	want := []string{
		"live captions and transcription", "recording", "call transfer", "consult then transfer",
		"call merge", "call park", "call companion / transfer to another device", "adding a participant",
	}
	fs := Features()
	if len(fs) != len(want) {
		t.Fatalf("%d features, want %d", len(fs), len(want))
	}
	for i, f := range fs {
		if f.String() != want[i] {
			t.Errorf("feature %d = %q, want %q", i, f, want[i])
		}
	}
	fs[0] = 0 // Features returns a copy
	if Features()[0] != LiveCaptions {
		t.Error("Features shares its storage")
	}
	on := Decide(Party{}, Party{})
	off := Decide(Party{}, Party{Admin: Disabled})
	for _, f := range Features() {
		if on.Available(f) || !off.Available(f) {
			t.Errorf("%v: available on=%v off=%v", f, on.Available(f), off.Available(f))
		}
	}
}

func TestStrings(t *testing.T) {
	for _, s := range []fmt.Stringer{Unmanaged, Disabled, DisabledUserOverride, AdminSetting(7),
		ReasonEnabled, ReasonComplianceRecording, ReasonClientUnsupported, ReasonAdminDisabled,
		ReasonUserDisabled, Reason(0), Feature(0), Party{}, Decide(Party{}, Party{}),
		Decide(Party{}, Party{Admin: Disabled})} {
		if s.String() == "" {
			t.Errorf("%#v has an empty String", s)
		}
	}
	if got := Reason(0).String(); got != "Reason(0)" {
		t.Errorf("Reason(0) = %q", got)
	}
}
