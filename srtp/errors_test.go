package srtp

import (
	"errors"
	"fmt"
	"testing"

	pionsrtp "github.com/pion/srtp/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errorsIs = errors.Is

// TestIsReplayMatchesPion pins isReplay to pion's actual replay error, so an
// upgrade of pion that rewords it fails here rather than in production.
func TestIsReplayMatchesPion(t *testing.T) {
	p := AEAD_AES_128_GCM
	k := testKeys(p, 1)
	enc, err := pionsrtp.CreateContext(k.MasterKey, k.MasterSalt, pionsrtp.ProtectionProfile(p))
	require.NoError(t, err)
	dec, err := pionsrtp.CreateContext(k.MasterKey, k.MasterSalt, pionsrtp.ProtectionProfile(p),
		pionsrtp.SRTPReplayProtection(64), pionsrtp.SRTCPReplayProtection(64))
	require.NoError(t, err)

	srtp, err := enc.EncryptRTP(nil, rtpPacket(1, 1, 10), nil)
	require.NoError(t, err)
	_, err = dec.DecryptRTP(nil, srtp, nil)
	require.NoError(t, err)
	_, err = dec.DecryptRTP(nil, srtp, nil)
	require.Error(t, err)
	assert.True(t, isReplay(err), "pion's RTP replay error not recognised: %v", err)
	assert.False(t, errors.Is(err, pionsrtp.ErrFailedToVerifyAuthTag))

	srtcp, err := enc.EncryptRTCP(nil, rtcpPacket(1), nil)
	require.NoError(t, err)
	_, err = dec.DecryptRTCP(nil, srtcp, nil)
	require.NoError(t, err)
	_, err = dec.DecryptRTCP(nil, srtcp, nil)
	require.Error(t, err)
	assert.True(t, isReplay(err), "pion's RTCP replay error not recognised: %v", err)

	// Not replays.
	srtp[len(srtp)-1] ^= 1
	srtp[3]++ // a fresh sequence number
	_, err = dec.DecryptRTP(nil, srtp, nil)
	require.ErrorIs(t, err, pionsrtp.ErrFailedToVerifyAuthTag)
	assert.False(t, isReplay(err))
	assert.False(t, isReplay(nil))
	assert.False(t, isReplay(errors.New("a duplicated packet, said nobody")))
	assert.True(t, isReplay(fmt.Errorf("wrapped: %w", errors.New("duplicated packet"))))
}

func TestUnprotectErrorMapping(t *testing.T) {
	auth := unprotectError("op", fmt.Errorf("%w: detail", pionsrtp.ErrFailedToVerifyAuthTag))
	assert.ErrorIs(t, auth, ErrAuth)
	assert.NotErrorIs(t, auth, ErrMalformed)
	assert.Equal(t, "srtp: op: srtp: message authentication failed", auth.Error())

	replay := unprotectError("op", fmt.Errorf("srtp ssrc=1 index=2: %w", errors.New("duplicated packet")))
	assert.ErrorIs(t, replay, ErrReplay)
	assert.NotErrorIs(t, replay, ErrAuth)

	other := unprotectError("op", errors.New("RTP header size insufficient"))
	assert.ErrorIs(t, other, ErrMalformed)
	assert.Contains(t, other.Error(), "RTP header size insufficient")
}

// TestConstructorErrors walks the constructors with bad input: every error
// matches the package's sentinel (errors.Is).
func TestConstructorErrors(t *testing.T) {
	p := DefaultProfile
	good, other := testKeys(p, 1), testKeys(p, 2)
	short := Keys{MasterKey: good.MasterKey[:p.KeySize()-1], MasterSalt: good.MasterSalt}
	shortSalt := Keys{MasterKey: good.MasterKey, MasterSalt: good.MasterSalt[:p.SaltSize()-1]}
	res, _ := handshake(t)
	for name, tc := range map[string]struct {
		err  error
		want error
	}{
		"NewSession profile":      {second(NewSession(Profile(0), good, other)), ErrUnsupportedProfile},
		"NewSession local key":    {second(NewSession(p, short, other)), ErrInvalidKeys},
		"NewSession remote salt":  {second(NewSession(p, good, shortSalt)), ErrInvalidKeys},
		"NewSession equal keys":   {second(NewSession(p, good, good)), ErrInvalidKeys},
		"KeysFromDTLS profile":    {third(KeysFromDTLS(Profile(0), make([]byte, 56), true)), ErrUnsupportedProfile},
		"KeysFromDTLS length":     {third(KeysFromDTLS(p, make([]byte, 55), true)), ErrInvalidKeys},
		"KeysFromResult profile":  {third(KeysFromResult(Profile(0xffff), res)), ErrUnsupportedProfile},
		"KeysFromResult nil":      {third(KeysFromResult(p, nil)), ErrInvalidKeys},
		"protect exhausted (map)": {protectError("protect rtp", errors.New("exceeded the maximum number of packets")), ErrKeyExhausted},
	} {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, tc.err, tc.want)
		})
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }
