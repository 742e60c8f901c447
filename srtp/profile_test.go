package srtp

import (
	"testing"

	pionsrtp "github.com/pion/srtp/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProfileSizes(t *testing.T) {
	tests := []struct {
		p                        Profile
		name                     string
		key, salt, rtpOH, rtcpOH int
	}{
		{AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 14},
		{AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 16, 20},
		{AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32, 12, 16, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.name, tt.p.String())
			assert.Equal(t, tt.key, tt.p.KeySize())
			assert.Equal(t, tt.salt, tt.p.SaltSize())
			assert.Equal(t, tt.rtpOH, tt.p.RTPOverhead())
			assert.Equal(t, tt.rtcpOH, tt.p.RTCPOverhead())

			// Agree with pion.
			pp := pionsrtp.ProtectionProfile(tt.p)
			keyLen, err := pp.KeyLen()
			require.NoError(t, err)
			saltLen, err := pp.SaltLen()
			require.NoError(t, err)
			tagLen, err := pp.AuthTagRTPLen()
			require.NoError(t, err)
			aeadLen, err := pp.AEADAuthTagLen()
			require.NoError(t, err)
			assert.Equal(t, keyLen, tt.p.KeySize())
			assert.Equal(t, saltLen, tt.p.SaltSize())
			assert.Equal(t, tagLen+aeadLen, tt.p.RTPOverhead())
		})
	}
	assert.Equal(t, AEAD_AES_128_GCM, DefaultProfile)
}

func TestProfileUnknown(t *testing.T) {
	for _, p := range []Profile{0, Profile(pionsrtp.ProtectionProfileAes128CmHmacSha1_32), Profile(pionsrtp.ProtectionProfileNullHmacSha1_80), 0xffff} {
		assert.Zero(t, p.KeySize())
		assert.Zero(t, p.SaltSize())
		assert.Zero(t, p.RTPOverhead())
		assert.Zero(t, p.RTCPOverhead())
		assert.Contains(t, p.String(), "Profile(0x")
		_, err := NewSession(p, Keys{}, Keys{})
		assert.Error(t, err)
	}
}
