package srtp

import (
	"crypto/hkdf"
	"crypto/sha256"
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
		return fmt.Errorf("%w: master key is %d bytes, %v needs %d", ErrInvalidKeys, len(k.MasterKey), p, p.KeySize())
	}
	if len(k.MasterSalt) != p.SaltSize() {
		return fmt.Errorf("%w: master salt is %d bytes, %v needs %d", ErrInvalidKeys, len(k.MasterSalt), p, p.SaltSize())
	}
	return nil
}

// HKDF labels of the SRTP master key and salt of a direct call
// (keyexchange/PROTOCOL.md, "Other labels").
const (
	labelMasterKey  = "callseal srtp master key"
	labelMasterSalt = "callseal srtp master salt"
)

// KeysFromResult returns the SRTP keys for a direct peer-to-peer call, where
// no relay terminates SRTP: local is what this party protects with (the
// handshake's send direction), remote is what it unprotects the peer's
// packets with. The peer's local equals this party's remote and vice versa.
//
// It takes res's transport secrets (keyexchange.Result.TakeTransportSecrets,
// which erases the Result's copy) and expands each with HKDF-Expand
// (RFC 5869, Section 2.3) into a master key of p.KeySize() bytes, label
// "callseal srtp master key", and a master salt of p.SaltSize() bytes,
// label "callseal srtp master salt" (keyexchange/PROTOCOL.md). One Result
// keys one SRTP session, so a second call with the same Result (or after
// callseal.New took the secrets) returns an error wrapping
// keyexchange.ErrSecretsTaken: two sessions would restart the SRTP index
// under the same keys and reuse keystream. The caller owns the returned
// slices and should clear them once NewSession has derived its contexts.
//
// Errors: ErrUnsupportedProfile for a profile this package does not
// support, ErrInvalidKeys for a nil res (neither takes the secrets); the
// errors of TakeTransportSecrets, wrapped. A Result whose policy decision
// is Refused (a party requires E2EE and it is off) must not carry a call:
// KeysFromResult refuses it with an error wrapping a
// *keyexchange.PolicyError (errors.As), which matches
// keyexchange.ErrE2EERequired (errors.Is).
func KeysFromResult(p Profile, res *keyexchange.Result) (local, remote Keys, err error) {
	if err := p.check(); err != nil {
		return Keys{}, Keys{}, err
	}
	if res == nil {
		return Keys{}, Keys{}, fmt.Errorf("%w: nil keyexchange.Result", ErrInvalidKeys)
	}
	send, recv, err := res.TakeTransportSecrets()
	defer clear(send[:])
	defer clear(recv[:])
	if err != nil {
		return Keys{}, Keys{}, fmt.Errorf("srtp: transport secrets: %w", err)
	}
	if local, err = expandTransportSecret(p, send[:]); err != nil {
		return Keys{}, Keys{}, err
	}
	if remote, err = expandTransportSecret(p, recv[:]); err != nil {
		wipe(local)
		return Keys{}, Keys{}, err
	}
	return local, remote, nil
}

// expandTransportSecret derives one direction's master key and salt for p
// from a transport secret (keyexchange/PROTOCOL.md).
func expandTransportSecret(p Profile, secret []byte) (Keys, error) {
	key, err := hkdf.Expand(sha256.New, secret, labelMasterKey, p.KeySize())
	if err != nil {
		return Keys{}, fmt.Errorf("%w: master key: %w", ErrInvalidKeys, err)
	}
	salt, err := hkdf.Expand(sha256.New, secret, labelMasterSalt, p.SaltSize())
	if err != nil {
		clear(key)
		return Keys{}, fmt.Errorf("%w: master salt: %w", ErrInvalidKeys, err)
	}
	return Keys{MasterKey: key, MasterSalt: salt}, nil
}

// wipe clears k's bytes: best-effort, as Go may have copied them.
func wipe(k Keys) {
	clear(k.MasterKey)
	clear(k.MasterSalt)
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
//
// Errors: ErrUnsupportedProfile for a profile this package does not
// support, ErrInvalidKeys for material of another length.
func KeysFromDTLS(p Profile, material []byte, isClient bool) (local, remote Keys, err error) {
	if err := p.check(); err != nil {
		return Keys{}, Keys{}, err
	}
	keySize, saltSize := p.KeySize(), p.SaltSize()
	if want := 2 * (keySize + saltSize); len(material) != want {
		return Keys{}, Keys{}, fmt.Errorf("%w: DTLS keying material is %d bytes, %v needs %d", ErrInvalidKeys, len(material), p, want)
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
