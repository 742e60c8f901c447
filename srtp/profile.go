package srtp

import (
	"fmt"

	pionsrtp "github.com/pion/srtp/v3"
)

// Profile is an SRTP protection profile. Its values are the IANA "DTLS-SRTP
// Protection Profiles" code points (RFC 5764, Section 4.1.2; RFC 7714,
// Section 14.2), the same as pion's srtp.ProtectionProfile.
type Profile uint16

// The supported profiles. Other pion profiles (32-bit tags, NULL cipher,
// AES-256-CM) are deliberately left out.
const (
	// AES_CM_128_HMAC_SHA1_80 is AES-128 in counter mode with an 80-bit
	// HMAC-SHA1 tag (RFC 3711, Sections 4.1.1 and 4.2.1; RFC 5764,
	// Section 4.1.2). For peers that do not support AES-GCM.
	AES_CM_128_HMAC_SHA1_80 Profile = Profile(pionsrtp.ProtectionProfileAes128CmHmacSha1_80)

	// AEAD_AES_128_GCM is AES-128-GCM with a 16-byte tag (RFC 7714,
	// Section 14.2). It is DefaultProfile.
	AEAD_AES_128_GCM Profile = Profile(pionsrtp.ProtectionProfileAeadAes128Gcm)

	// AEAD_AES_256_GCM is AES-256-GCM with a 16-byte tag (RFC 7714,
	// Section 14.2).
	AEAD_AES_256_GCM Profile = Profile(pionsrtp.ProtectionProfileAeadAes256Gcm)
)

// DefaultProfile is the profile callseal uses unless told otherwise.
const DefaultProfile = AEAD_AES_128_GCM

// Sizes in bytes that the profiles use (RFC 3711, Section 8.2; RFC 7714,
// Sections 8.1, 12 and 17).
const (
	aesCMKeySize   = 16 // bytes, AES-128 master key
	aesCMSaltSize  = 14 // bytes, RFC 3711 master salt
	gcm128KeySize  = 16 // bytes
	gcm256KeySize  = 32 // bytes
	gcmSaltSize    = 12 // bytes, RFC 7714 Section 12
	hmacTagSize    = 10 // bytes, HMAC-SHA1 truncated to 80 bits
	gcmTagSize     = 16 // bytes, RFC 7714 Section 14.2
	srtcpIndexSize = 4  // bytes, E flag and 31-bit SRTCP index (RFC 3711, Section 3.4)
)

// KeySize returns the size in bytes of the profile's master key (16 or 32),
// or 0 for an unknown profile.
func (p Profile) KeySize() int {
	switch p {
	case AES_CM_128_HMAC_SHA1_80:
		return aesCMKeySize
	case AEAD_AES_128_GCM:
		return gcm128KeySize
	case AEAD_AES_256_GCM:
		return gcm256KeySize
	}
	return 0
}

// SaltSize returns the size in bytes of the profile's master salt (14 for
// AES-CM, 12 for AES-GCM), or 0 for an unknown profile.
func (p Profile) SaltSize() int {
	switch p {
	case AES_CM_128_HMAC_SHA1_80:
		return aesCMSaltSize
	case AEAD_AES_128_GCM, AEAD_AES_256_GCM:
		return gcmSaltSize
	}
	return 0
}

// RTPOverhead returns how many bytes protecting adds to an RTP packet: the
// 10-byte HMAC tag for AES-CM, the 16-byte GCM tag for AES-GCM. It returns 0
// for an unknown profile.
func (p Profile) RTPOverhead() int {
	switch p {
	case AES_CM_128_HMAC_SHA1_80:
		return hmacTagSize
	case AEAD_AES_128_GCM, AEAD_AES_256_GCM:
		return gcmTagSize
	}
	return 0
}

// RTCPOverhead returns how many bytes protecting adds to an RTCP packet: the
// 4-byte SRTCP index plus the tag (14 for AES-CM, 20 for AES-GCM). It returns
// 0 for an unknown profile.
func (p Profile) RTCPOverhead() int {
	if o := p.RTPOverhead(); o != 0 {
		return srtcpIndexSize + o
	}
	return 0
}

// String returns the profile's SDES crypto-suite name (RFC 4568,
// Section 6.2.1; RFC 7714, Section 14.1), which is also its Go name.
func (p Profile) String() string {
	switch p {
	case AES_CM_128_HMAC_SHA1_80:
		return "AES_CM_128_HMAC_SHA1_80"
	case AEAD_AES_128_GCM:
		return "AEAD_AES_128_GCM"
	case AEAD_AES_256_GCM:
		return "AEAD_AES_256_GCM"
	}
	return fmt.Sprintf("Profile(%#06x)", uint16(p))
}

func (p Profile) valid() bool { return p.KeySize() != 0 }

func (p Profile) check() error {
	if !p.valid() {
		return fmt.Errorf("%w %v", ErrUnsupportedProfile, p)
	}
	return nil
}
