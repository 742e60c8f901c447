package keyexchange

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/policy"
)

// TestInternalErrors: a failing random source, the one internal failure a
// caller can provoke, makes Start and Handle fail with ErrInternal, for
// both suites.
func TestInternalErrors(t *testing.T) {
	for _, suite := range []Suite{X25519_SHA256, X25519_MLKEM768_SHA256} {
		t.Run(suite.String(), func(t *testing.T) {
			i, _ := newPair(t, func(ci, _ *Config) {
				ci.Suites = []Suite{suite}
				ci.Rand = bytes.NewReader(nil)
			})
			_, err := i.Start()
			require.ErrorIs(t, err, ErrInternal)

			i, r := newPair(t, func(ci, cr *Config) {
				ci.Suites, cr.Suites = []Suite{suite}, []Suite{suite}
				cr.Rand = bytes.NewReader(nil)
			})
			commit, err := i.Start()
			require.NoError(t, err)
			_, err = r.Handle(commit)
			require.ErrorIs(t, err, ErrInternal)
		})
	}
}

// TestTakeErrors walks the Take methods of Results they must refuse: every
// error matches the documented sentinel.
func TestTakeErrors(t *testing.T) {
	var zero Result
	_, _, err := zero.TakeMediaSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	_, _, err = zero.TakeTransportSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	_, err = zero.Export("x", nil, 16)
	require.ErrorIs(t, err, ErrWiped)

	ri, _ := doneResults(t)
	_, err = ri.Export("x", nil, 0)
	require.ErrorIs(t, err, ErrExportLength)
	_, err = ri.Export("x", nil, MaxExportSize+1)
	require.ErrorIs(t, err, ErrExportLength)

	// A refused call gets no transport secrets, and keeps them: nothing is
	// taken by the refusal.
	i, r := newPair(t, func(ci, cr *Config) {
		ci.Policy = policy.Party{Admin: policy.Disabled}
		cr.Policy = policy.Party{RequireE2EE: true}
	})
	runHandshake(t, i, r)
	refused, err := i.Result()
	require.ErrorIs(t, err, ErrE2EERequired)
	for range 2 {
		send, recv, err := refused.TakeTransportSecrets()
		require.ErrorIs(t, err, ErrE2EERequired)
		require.Equal(t, [SecretSize]byte{}, send)
		require.Equal(t, [SecretSize]byte{}, recv)
	}
	_, _, err = refused.TakeMediaSecrets()
	require.ErrorIs(t, err, ErrE2EEDisabled)
}
