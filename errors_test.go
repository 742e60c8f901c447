package callseal

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
)

// TestNewErrors walks New and SetTransport with bad input: every error
// matches the package's sentinel (errors.Is), and argument errors leave the
// Result usable.
func TestNewErrorSentinels(t *testing.T) {
	p := srtp.DefaultProfile
	keys := func(seed byte) srtp.Keys { return mkKeys(p, seed) }
	used := HopKeys(p, keys(1), keys(2))
	{
		res, _ := handshake(t)
		ap, _ := pipe()
		s, err := New(res, Config{Transport: ap, SRTP: used})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
	}
	ap, _ := pipe()
	for name, tc := range map[string]struct {
		cfg        Config
		want, also error
	}{
		"nil Transport":      {Config{}, ErrInvalidConfig, nil},
		"negative queue":     {Config{Transport: ap, QueueLength: -1}, ErrInvalidConfig, nil},
		"DTLS material":      {Config{Transport: ap, SRTP: DTLSKeys(p, make([]byte, 3), true)}, ErrInvalidConfig, srtp.ErrInvalidKeys},
		"DTLS profile":       {Config{Transport: ap, SRTP: DTLSKeys(srtp.Profile(0), make([]byte, 56), true)}, ErrInvalidConfig, srtp.ErrUnsupportedProfile},
		"direct profile":     {Config{Transport: ap, SRTP: DirectKeys(srtp.Profile(0))}, ErrInvalidConfig, srtp.ErrUnsupportedProfile},
		"hop profile":        {Config{Transport: ap, SRTP: HopKeys(srtp.Profile(0), keys(1), keys(2))}, ErrInvalidConfig, srtp.ErrUnsupportedProfile},
		"KeySource used":     {Config{Transport: ap, SRTP: used}, ErrKeySourceUsed, nil},
		"bad E2EE config":    {Config{Transport: ap, E2EE: e2ee.Config{ReplayWindow: -1}}, e2ee.ErrInvalidConfig, nil},
		"bad hop keys":       {Config{Transport: ap, SRTP: HopKeys(p, keys(1), keys(1))}, srtp.ErrInvalidKeys, nil},
		"bad hop key length": {Config{Transport: ap, SRTP: HopKeys(p, srtp.Keys{}, keys(1))}, srtp.ErrInvalidKeys, nil},
	} {
		t.Run(name, func(t *testing.T) {
			res, _ := handshake(t)
			_, err := New(res, tc.cfg)
			require.ErrorIs(t, err, tc.want)
			if tc.also != nil {
				require.ErrorIs(t, err, tc.also)
			}
		})
	}
	_, err := New(nil, Config{Transport: ap})
	require.ErrorIs(t, err, ErrInvalidConfig)

	// Without E2EE and without Classify.
	res, _ := policyHandshake(t, policy.Party{Admin: policy.Disabled}, policy.Party{})
	_, err = New(res, Config{Transport: ap})
	require.ErrorIs(t, err, ErrNoClassifier)
	// A refused call.
	res, _ = policyHandshake(t, policy.Party{Admin: policy.Disabled}, policy.Party{RequireE2EE: true})
	_, err = New(res, Config{Transport: ap, Classify: classifyPT})
	require.ErrorIs(t, err, keyexchange.ErrE2EERequired)

	alice, _, _, _ := call(t, Config{})
	require.ErrorIs(t, alice.SetTransport(nil), ErrInvalidConfig)
}
