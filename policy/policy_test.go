package policy

import (
	"fmt"
	"reflect"
	"testing"
)

// partyTable lists every Party — 3 admin settings × user switch ×
// compliance recording × client support, 24 in all, none requiring E2EE —
// with the reason it alone gives, written out by hand from the rules in the
// package doc. The tests add RequireE2EE to each.
var partyTable = []struct {
	p    Party
	want Reason
}{
	// Admin, UserEnabled, ComplianceRecording, ClientUnsupported, RequireE2EE
	{Party{Unmanaged, false, false, false, false}, ReasonEnabled},
	{Party{Unmanaged, false, false, true, false}, ReasonClientUnsupported},
	{Party{Unmanaged, false, true, false, false}, ReasonComplianceRecording},
	{Party{Unmanaged, false, true, true, false}, ReasonComplianceRecording},
	{Party{Unmanaged, true, false, false, false}, ReasonEnabled},
	{Party{Unmanaged, true, false, true, false}, ReasonClientUnsupported},
	{Party{Unmanaged, true, true, false, false}, ReasonComplianceRecording},
	{Party{Unmanaged, true, true, true, false}, ReasonComplianceRecording},

	{Party{Disabled, false, false, false, false}, ReasonAdminDisabled},
	{Party{Disabled, false, false, true, false}, ReasonClientUnsupported},
	{Party{Disabled, false, true, false, false}, ReasonComplianceRecording},
	{Party{Disabled, false, true, true, false}, ReasonComplianceRecording},
	{Party{Disabled, true, false, false, false}, ReasonAdminDisabled}, // the switch does not override Disabled
	{Party{Disabled, true, false, true, false}, ReasonClientUnsupported},
	{Party{Disabled, true, true, false, false}, ReasonComplianceRecording},
	{Party{Disabled, true, true, true, false}, ReasonComplianceRecording},

	{Party{DisabledUserOverride, false, false, false, false}, ReasonUserDisabled},
	{Party{DisabledUserOverride, false, false, true, false}, ReasonClientUnsupported},
	{Party{DisabledUserOverride, false, true, false, false}, ReasonComplianceRecording},
	{Party{DisabledUserOverride, false, true, true, false}, ReasonComplianceRecording},
	{Party{DisabledUserOverride, true, false, false, false}, ReasonEnabled},
	{Party{DisabledUserOverride, true, false, true, false}, ReasonClientUnsupported},
	{Party{DisabledUserOverride, true, true, false, false}, ReasonComplianceRecording}, // compliance beats the switch
	{Party{DisabledUserOverride, true, true, true, false}, ReasonComplianceRecording},
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
		// Requiring E2EE changes neither the reason nor Allows.
		req := tc.p
		req.RequireE2EE = true
		if req.Reason() != tc.want || req.Allows() != tc.p.Allows() {
			t.Errorf("%v: Reason %v, Allows %v", req, req.Reason(), req.Allows())
		}
	}
	if len(seen) != 3*2*2*2 {
		t.Fatalf("table has %d parties, want 24", len(seen))
	}
}

// TestDecideEveryPair checks all 24 × 24 pairs, each with RequireE2EE off
// and on for either party: E2EE exactly when both allow it, the more
// fundamental reason otherwise, Refused exactly when E2EE is off and a
// party requires it, the full feature list only when on, and symmetry.
func TestDecideEveryPair(t *testing.T) {
	for _, a := range partyTable {
		for _, b := range partyTable {
			for req := range 4 {
				pa, pb := a.p, b.p
				pa.RequireE2EE, pb.RequireE2EE = req&1 != 0, req&2 != 0
				checkDecide(t, pa, pb, a.want, b.want)
			}
		}
	}
}

// checkDecide checks Decide(a, b) against the rules, given the reason each
// party alone gives (ra, rb).
func checkDecide(t *testing.T, a, b Party, ra, rb Reason) {
	t.Helper()
	d := Decide(a, b)
	if !reflect.DeepEqual(d, Decide(b, a)) {
		t.Fatalf("Decide(%v, %v) = %v is not symmetric", a, b, d)
	}
	both := ra == ReasonEnabled && rb == ReasonEnabled
	if d.E2EE != both {
		t.Errorf("Decide(%v, %v).E2EE = %v", a, b, d.E2EE)
	}
	want := ReasonEnabled
	switch {
	case both:
	case ra == ReasonEnabled:
		want = rb
	case rb == ReasonEnabled:
		want = ra
	default:
		want = min(ra, rb)
	}
	if d.Reason != want {
		t.Errorf("Decide(%v, %v).Reason = %v, want %v", a, b, d.Reason, want)
	}
	if refused := !both && (a.RequireE2EE || b.RequireE2EE); d.Refused != refused {
		t.Errorf("Decide(%v, %v).Refused = %v, want %v", a, b, d.Refused, refused)
	}
	if both && !reflect.DeepEqual(d.Unavailable, Features()) {
		t.Errorf("E2EE on: Unavailable = %v", d.Unavailable)
	}
	if !both && len(d.Unavailable) != 0 {
		t.Errorf("E2EE off: Unavailable = %v", d.Unavailable)
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
		Decide(Party{}, Party{Admin: Disabled}), Decide(Party{RequireE2EE: true}, Party{Admin: Disabled})} {
		if s.String() == "" {
			t.Errorf("%#v has an empty String", s)
		}
	}
	if got := Reason(0).String(); got != "Reason(0)" {
		t.Errorf("Reason(0) = %q", got)
	}
}

// TestRequireE2EE: the downgrade a man in the middle tries — claiming that
// the peer is under compliance recording — is refused, not run without
// E2EE, when the victim requires E2EE; and requiring it changes nothing
// for a call that is end-to-end encrypted anyway.
func TestRequireE2EE(t *testing.T) {
	victim := Party{RequireE2EE: true}
	forged := Party{ComplianceRecording: true}
	d := Decide(victim, forged)
	if d.E2EE || !d.Refused || d.Reason != ReasonComplianceRecording {
		t.Errorf("Decide(requires E2EE, compliance) = %+v, want refused for compliance recording", d)
	}
	if got := d.String(); got != "call refused: end-to-end encryption is required but off: compliance recording is on for an account" {
		t.Errorf("String() = %q", got)
	}
	if d := Decide(Party{}, forged); d.Refused {
		t.Errorf("nobody requires E2EE: %+v", d)
	}
	if d := Decide(victim, Party{RequireE2EE: true}); !d.E2EE || d.Refused {
		t.Errorf("both require and allow: %+v", d)
	}
	// A party that requires E2EE but does not allow it refuses every call.
	if d := Decide(Party{Admin: Disabled, RequireE2EE: true}, Party{}); !d.Refused || d.Reason != ReasonAdminDisabled {
		t.Errorf("requires but admin disabled: %+v", d)
	}
}
