package e2ee

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

// TestConstructorErrors walks NewSession and NewSessionFromSecrets with bad
// input: every error matches the package's sentinel (errors.Is), and a bad
// Config leaves the Result's media secrets untaken.
func TestConstructorErrors(t *testing.T) {
	bad := map[string]Config{
		"unsupported suite":     {CipherSuite: 0x0009},
		"negative window":       {ReplayWindow: -1},
		"window too large":      {ReplayWindow: MaxReplayWindow + 1},
		"negative grace time":   {EpochGraceTime: -time.Second},
		"negative grace count":  {EpochGracePackets: -1},
		"invalid stream kind":   {SendStreams: []RTPStream{{SSRC: 1, Kind: numKinds}}},
		"SSRC listed twice":     {RecvStreams: []RTPStream{{SSRC: 2}, {SSRC: 2, Kind: Video}}},
		"SSRC twice, send list": {SendStreams: []RTPStream{{SSRC: 3}, {SSRC: 3}}},
	}
	for name, cfg := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := NewSessionFromSecrets(secretA, secretB, cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
			res, _ := handshake(t)
			_, err = NewSession(res, cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
			_, err = NewSession(res) // the bad Config took nothing
			require.NoError(t, err)
		})
	}
	t.Run("two configs", func(t *testing.T) {
		_, err := NewSessionFromSecrets(secretA, secretB, Config{}, Config{})
		require.ErrorIs(t, err, ErrInvalidConfig)
		res, _ := handshake(t)
		_, err = NewSession(res, Config{}, Config{CipherSuite: sframe.AES_256_GCM_SHA512_128})
		require.ErrorIs(t, err, ErrInvalidConfig)
	})
	for name, secrets := range map[string][2][]byte{
		"short send": {secretA[:MinSecretSize-1], secretB},
		"short recv": {secretA, secretB[:MinSecretSize-1]},
		"nil send":   {nil, secretB},
		"equal":      {secretA, bytes.Clone(secretA)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewSessionFromSecrets(secrets[0], secrets[1])
			require.ErrorIs(t, err, ErrInvalidSecrets)
		})
	}
	_, err := NewSession(nil)
	require.ErrorIs(t, err, ErrInvalidSecrets)
}
