package pioninterceptor

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConfigScreenShareRule: the track ID rule of RegisterSender follows
// Config.ScreenSharePrefix and NoScreenShareRule.
func TestConfigScreenShareRule(t *testing.T) {
	for _, tc := range []struct {
		cfg     Config
		trackID string
		want    bool
	}{
		{Config{}, "screen-1", true},
		{Config{}, "camera", false},
		{Config{ScreenSharePrefix: "share"}, "share-1", true},
		{Config{ScreenSharePrefix: "share"}, "screen-1", false},
		{Config{NoScreenShareRule: true}, "screen-1", false},
		{Config{NoScreenShareRule: true, ScreenSharePrefix: "share"}, "share-1", false},
	} {
		require.Equal(t, tc.want, NewFactory(tc.cfg).isScreenShare(tc.trackID), "%+v %q", tc.cfg, tc.trackID)
	}
	require.True(t, new(Factory).isScreenShare("screen"), "the zero Factory uses the default prefix")
}

// TestNewFactoryTwoConfigs: a Factory given two Configs refuses to build
// interceptors and to take a session, with ErrInvalidConfig.
func TestNewFactoryTwoConfigs(t *testing.T) {
	f := NewFactory(Config{}, Config{})
	_, err := f.NewInterceptor("")
	require.ErrorIs(t, err, ErrInvalidConfig)
	alice, _ := sessionPair(t)
	require.ErrorIs(t, f.SetSession(alice), ErrInvalidConfig)
	require.Nil(t, f.Session())

	_, err = NewFactory(Config{}).NewInterceptor("")
	require.NoError(t, err)
}
