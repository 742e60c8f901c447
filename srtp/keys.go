package srtp

import (
	"errors"
	"fmt"

	"github.com/callseal/callseal/keyexchange"
)

// DTLSExporterLabel is the TLS exporter label for DTLS-SRTP keying material
// (RFC 5764, Section 4.2). Export 2*(KeySize+SaltSize) bytes with it and no
// context, then pass them to KeysFromDTLS.
const DTLSExporterLabel = "EXTRACTOR-dtls_srtp"

// Keys is one direction's SRTP master key and master salt (RFC 3711,
// Section 8.2). Their sizes in bytes must match the profile's KeySize and
// SaltSize.
type Keys struct {
	MasterKey  []byte
	MasterSalt []byte
}

// check reports whether k has the sizes p requires. The message names sizes
// only, never key bytes.
func (k Keys) check(p Profile) error {
	if len(k.MasterKey) != p.KeySize() {
		return fmt.Errorf("srtp: master key is %d bytes, %v needs %d", len(k.MasterKey), p, p.KeySize())
	}
	if len(k.MasterSalt) != p.SaltSize() {
		return fmt.Errorf("srtp: master salt is %d bytes, %v needs %d", len(k.MasterSalt), p, p.SaltSize())
	}
	return nil
}

// KeysFromResult returns the SRTP keys for a direct peer-to-peer call, where
// no relay terminates SRTP: local is what this party protects with (the
// handshake's send direction), remote is what it unprotects the peer's
// packets with. The peer's local equals this party's remote and vice versa.
//
// The keys are res.TakeTransportKeys(p.KeySize(), p.SaltSize()), which
// erases the Result's transport secrets: see the keyexchange package for
// the derivation. One Result keys one SRTP session, so a second call with
// the same Result (or after callseal.New took the keys) returns an error
// wrapping keyexchange.ErrSecretsTaken: two sessions would restart the SRTP
// index under the same keys and reuse keystream. The caller owns the
// returned slices and should clear them once NewSession has derived its
// contexts.
//
// A Result whose policy decision is Refused (a party requires E2EE and it
// is off) must not carry a call: KeysFromResult refuses it with an error
// wrapping a *keyexchange.PolicyError (errors.As), which matches
// keyexchange.ErrE2EERequired (errors.Is).
func KeysFromResult(res *keyexchange.Result, p Profile) (local, remote Keys, err error) {
	if err := p.check(); err != nil {
		return Keys{}, Keys{}, err
	}
	if res == nil {
		return Keys{}, Keys{}, errors.New("srtp: nil keyexchange.Result")
	}
	send, recv, err := res.TakeTransportKeys(p.KeySize(), p.SaltSize())
	if err != nil {
		return Keys{}, Keys{}, fmt.Errorf("srtp: transport keys: %w", err)
	}
	return Keys{MasterKey: send.MasterKey, MasterSalt: send.MasterSalt},
		Keys{MasterKey: recv.MasterKey, MasterSalt: recv.MasterSalt}, nil
}

// KeysFromDTLS splits DTLS-SRTP keying material into this party's local
// (protect) and remote (unprotect) keys, according to RFC 5764, Section 4.2:
//
//	client_write_SRTP_master_key[KeySize]
//	server_write_SRTP_master_key[KeySize]
//	client_write_SRTP_master_salt[SaltSize]
//	server_write_SRTP_master_salt[SaltSize]
//
// material must be exactly 2*(p.KeySize()+p.SaltSize()) bytes, as exported
// with DTLSExporterLabel; isClient is this party's DTLS role. The returned
// keys are copies: the caller may clear material afterwards.
func KeysFromDTLS(material []byte, p Profile, isClient bool) (local, remote Keys, err error) {
	if err := p.check(); err != nil {
		return Keys{}, Keys{}, err
	}
	keySize, saltSize := p.KeySize(), p.SaltSize()
	if want := 2 * (keySize + saltSize); len(material) != want {
		return Keys{}, Keys{}, fmt.Errorf("srtp: DTLS keying material is %d bytes, %v needs %d", len(material), p, want)
	}
	m := material
	clientKey, m := clone(m[:keySize]), m[keySize:]
	serverKey, m := clone(m[:keySize]), m[keySize:]
	clientSalt, m := clone(m[:saltSize]), m[saltSize:]
	serverSalt := clone(m[:saltSize])

	client := Keys{MasterKey: clientKey, MasterSalt: clientSalt}
	server := Keys{MasterKey: serverKey, MasterSalt: serverSalt}
	if isClient {
		return client, server, nil
	}
	return server, client, nil
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }
