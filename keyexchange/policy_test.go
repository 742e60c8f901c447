package keyexchange

import (
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange/internal/wire"
	"github.com/callseal/callseal/policy"
)

// allParties lists every policy.Party: 3 admin settings × user switch ×
// compliance recording × client support.
func allParties() []policy.Party {
	var out []policy.Party
	for _, admin := range []policy.AdminSetting{policy.Unmanaged, policy.Disabled, policy.DisabledUserOverride} {
		for bits := range 8 {
			out = append(out, policy.Party{
				Admin: admin, UserEnabled: bits&1 != 0, ComplianceRecording: bits&2 != 0, ClientUnsupported: bits&4 != 0,
			})
		}
	}
	return out
}

// TestPolicyEveryCombination runs a handshake for every pair of policy
// states (24 × 24): both sides end Done with the decision of policy.Decide,
// a *PolicyError exactly when E2EE is off, and the transport keys for the
// fallback either way.
func TestPolicyEveryCombination(t *testing.T) {
	for _, pi := range allParties() {
		for _, pr := range allParties() {
			i, r := newPair(t, func(ci, cr *Config) { ci.Policy, cr.Policy = pi, pr })
			runHandshake(t, i, r)
			want := policy.Decide(pi, pr)
			ri, errI := i.Result()
			rr, errR := r.Result()
			require.NotNil(t, ri)
			require.NotNil(t, rr)
			for _, res := range []*Result{ri, rr} {
				if !reflect.DeepEqual(want, res.Decision()) {
					t.Fatalf("%v × %v: decision %v, want %v", pi, pr, res.Decision(), want)
				}
			}
			for _, err := range []error{errI, errR} {
				if want.E2EE {
					require.NoError(t, err)
					continue
				}
				require.ErrorIs(t, err, ErrE2EEDisabled)
				var pe *PolicyError
				require.True(t, errors.As(err, &pe))
				require.Equal(t, want.Reason, pe.Decision.Reason)
				require.Contains(t, err.Error(), want.Reason.String())
			}
			requireMatching(t, ri, rr)
			local, peer := ri.Policies()
			require.Equal(t, pi, local)
			require.Equal(t, pr, peer)
		}
	}
}

// TestPolicyTamper: a man in the middle who flips the responder's policy to
// "compliance recording" to switch E2EE off (a policy downgrade) is caught
// by the Confirm MACs, since both policy states are in the transcript.
func TestPolicyTamper(t *testing.T) {
	i, r, m, _ := step(t, 1)
	w, err := wire.ParseResponse(m[1])
	require.NoError(t, err)
	w.Policy.ComplianceRecording = true
	forged, err := w.Marshal()
	require.NoError(t, err)
	reveal, err := i.Handle(forged)
	require.NoError(t, err)
	_, err = r.Handle(reveal)
	require.ErrorIs(t, err, ErrConfirm)

	i, r, m, _ = step(t, 0)
	c, err := wire.ParseCommit(m[0])
	require.NoError(t, err)
	c.Policy.Admin = policy.Disabled
	forged, err = c.Marshal()
	require.NoError(t, err)
	resp, err := r.Handle(forged)
	require.NoError(t, err)
	reveal, err = i.Handle(resp)
	require.NoError(t, err)
	_, err = r.Handle(reveal)
	require.ErrorIs(t, err, ErrConfirm)
}

func TestResultDecisionIsACopy(t *testing.T) {
	i, r := newPair(t, nil)
	runHandshake(t, i, r)
	res, err := i.Result()
	require.NoError(t, err)
	d := res.Decision()
	require.True(t, d.E2EE)
	require.Equal(t, policy.Features(), d.Unavailable)
	d.Unavailable[0] = 0
	require.Equal(t, policy.Features(), res.Decision().Unavailable)
}

// TestPolicyRequireE2EE runs a handshake for every peer state (24) against
// a party that allows E2EE and one that does not, with RequireE2EE off and
// on for each side: both sides reach the same decision; when E2EE is off
// and a party requires it the decision is Refused and the *PolicyError
// matches both ErrE2EEDisabled and ErrE2EERequired; otherwise it matches
// ErrE2EEDisabled only. Either way the Result comes with it, and the two
// Results match (same check number), so users can confirm the refusal.
func TestPolicyRequireE2EE(t *testing.T) {
	for _, pi := range []policy.Party{{}, {Admin: policy.Disabled}} {
		for _, pr := range allParties() {
			for req := range 4 {
				pi, pr := pi, pr
				pi.RequireE2EE, pr.RequireE2EE = req&1 != 0, req&2 != 0
				i, r := newPair(t, func(ci, cr *Config) { ci.Policy, cr.Policy = pi, pr })
				runHandshake(t, i, r)
				want := policy.Decide(pi, pr)
				require.Equal(t, !want.E2EE && (pi.RequireE2EE || pr.RequireE2EE), want.Refused)
				ri, errI := i.Result()
				rr, errR := r.Result()
				require.NotNil(t, ri)
				require.NotNil(t, rr)
				requireMatching(t, ri, rr)
				for _, res := range []*Result{ri, rr} {
					require.Equal(t, want, res.Decision(), "%v × %v", pi, pr)
				}
				local, peer := rr.Policies()
				require.Equal(t, pr, local)
				require.Equal(t, pi, peer)
				for _, err := range []error{errI, errR} {
					if want.E2EE {
						require.NoError(t, err)
						continue
					}
					require.ErrorIs(t, err, ErrE2EEDisabled)
					var pe *PolicyError
					require.True(t, errors.As(err, &pe))
					require.Equal(t, want, pe.Decision)
					require.Equal(t, want.Refused, errors.Is(err, ErrE2EERequired), "%v × %v: %v", pi, pr, err)
					require.Contains(t, err.Error(), want.Reason.String())
				}
			}
		}
	}
}

// TestPolicyTamperRequireE2EE: a man in the middle who clears a party's
// RequireE2EE bit (to get a downgrade run instead of refused) fails the
// Confirm MACs: the bit is in the transcript like the rest of the policy.
func TestPolicyTamperRequireE2EE(t *testing.T) {
	req := func(ci, cr *Config) { ci.Policy.RequireE2EE, cr.Policy.RequireE2EE = true, true }
	i, r, m, _ := stepWith(t, 0, req)
	c, err := wire.ParseCommit(m[0])
	require.NoError(t, err)
	require.True(t, c.Policy.RequireE2EE)
	c.Policy.RequireE2EE = false
	forged, err := c.Marshal()
	require.NoError(t, err)
	resp, err := r.Handle(forged)
	require.NoError(t, err)
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	_, err = r.Handle(reveal)
	require.ErrorIs(t, err, ErrConfirm)
}
