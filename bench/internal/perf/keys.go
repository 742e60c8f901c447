package perf

import (
	"bytes"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/srtp"
)

// Fixed benchmark keys: the cost of AES does not depend on the key, and fixed
// keys make runs comparable. Each direction has its own, as in a real call.
var (
	secretAB = bytes.Repeat([]byte{0xa1}, 32) // alice → bob media secret
	secretBA = bytes.Repeat([]byte{0xb2}, 32) // bob → alice media secret
)

// e2eeAlice and e2eeBob return the two ends of one call's E2EE layer: alice
// seals what bob opens and vice versa.
func e2eeAlice(s sframe.CipherSuite) (*e2ee.Session, error) {
	return e2ee.NewSessionFromSecrets(secretAB, secretBA, e2ee.Config{CipherSuite: s})
}

func e2eeBob(s sframe.CipherSuite) (*e2ee.Session, error) {
	return e2ee.NewSessionFromSecrets(secretBA, secretAB, e2ee.Config{CipherSuite: s})
}

// srtpKeys returns fixed SRTP master keys of profile p for one direction.
func srtpKeys(p srtp.Profile, dir byte) srtp.Keys {
	return srtp.Keys{
		MasterKey:  bytes.Repeat([]byte{0x10 + dir}, p.KeySize()),
		MasterSalt: bytes.Repeat([]byte{0x20 + dir}, p.SaltSize()),
	}
}

// srtpAlice and srtpBob return the two ends of one call's transport layer.
func srtpAlice(p srtp.Profile) (*srtp.Session, error) {
	return srtp.NewSession(p, srtpKeys(p, 1), srtpKeys(p, 2))
}

func srtpBob(p srtp.Profile) (*srtp.Session, error) {
	return srtp.NewSession(p, srtpKeys(p, 2), srtpKeys(p, 1))
}
