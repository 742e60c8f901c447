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
