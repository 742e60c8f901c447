package callseal

import (
	"fmt"
	"sync"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/srtp"
)

// KeySource says where a Session's transport SRTP keys come from. The zero
// KeySource is DirectKeys(srtp.DefaultProfile).
//
// A KeySource from DTLSKeys or HopKeys keys one Session: New wipes
// (best-effort) the copies of the keys it holds once the SRTP contexts are
// derived, and refuses it a second time, since two sessions with the same
// keys would reuse keystream. DirectKeys holds no keys: the keys come from
// the Result, which keys one Session (keyexchange.ErrSecretsTaken).
type KeySource struct {
	ks *keySource
}

type keySource struct {
	mu            sync.Mutex
	direct        bool
	profile       srtp.Profile
	local, remote srtp.Keys
	err           error
	used          bool
}

// DirectKeys takes the transport keys from the handshake
// (srtp.KeysFromResult), for a peer-to-peer call in which no relay
// terminates SRTP. Both parties must choose the same profile.
func DirectKeys(p srtp.Profile) KeySource {
	return KeySource{&keySource{direct: true, profile: p}}
}

// DTLSKeys takes the transport keys from DTLS-SRTP keying material, as
// srtp.KeysFromDTLS splits it (RFC 5764, Section 4.2): material is the
// 2*(p.KeySize()+p.SaltSize()) bytes exported with srtp.DTLSExporterLabel,
// isClient this party's DTLS role. The material is copied; the caller may
// clear it.
func DTLSKeys(p srtp.Profile, material []byte, isClient bool) KeySource {
	local, remote, err := srtp.KeysFromDTLS(p, material, isClient)
	return KeySource{&keySource{profile: p, local: local, remote: remote, err: err}}
}

// HopKeys gives the transport keys explicitly, as for the hop between this
// party and a relay that terminates SRTP: local protects what this party
// sends, remote unprotects what it receives. The keys are copied.
func HopKeys(p srtp.Profile, local, remote srtp.Keys) KeySource {
	return KeySource{&keySource{profile: p, local: copyKeys(local), remote: copyKeys(remote)}}
}

// Profile returns the SRTP profile the keys are for.
func (k KeySource) Profile() srtp.Profile {
	if k.ks == nil {
		return srtp.DefaultProfile
	}
	return k.ks.profile
}

// check reports, without using the KeySource or the Result, the errors
// session would return before taking the Result's secrets: a KeySource
// already used, bad DTLS keying material, an unsupported profile.
func (k KeySource) check() error {
	ks := k.ks
	if ks == nil {
		return nil
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	switch {
	case !ks.direct && ks.used:
		return ErrKeySourceUsed
	case ks.err != nil:
		return fmt.Errorf("%w: transport keys: %w", ErrInvalidConfig, ks.err)
	case ks.profile.KeySize() == 0:
		return fmt.Errorf("%w: transport keys: %w %v", ErrInvalidConfig, srtp.ErrUnsupportedProfile, ks.profile)
	}
	return nil
}

// session builds the transport SRTP session and wipes the keys. It takes
// res's transport secrets even when the keys come from DTLS or a relay
// (and erases them unused), so that res keys no second Session.
func (k KeySource) session(res *keyexchange.Result) (*srtp.Session, error) {
	ks := k.ks
	if ks == nil {
		ks = &keySource{direct: true, profile: srtp.DefaultProfile}
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if !ks.direct {
		if ks.used {
			return nil, ErrKeySourceUsed
		}
		ks.used = true
	}
	if ks.err != nil {
		return nil, fmt.Errorf("%w: transport keys: %w", ErrInvalidConfig, ks.err)
	}
	local, remote, err := srtp.KeysFromResult(ks.profile, res)
	if err != nil {
		return nil, fmt.Errorf("callseal: transport keys: %w", err)
	}
	if !ks.direct {
		wipeKeys(local)
		wipeKeys(remote)
		local, remote = ks.local, ks.remote
	}
	defer wipeKeys(local)
	defer wipeKeys(remote)
	s, err := srtp.NewSession(ks.profile, local, remote)
	if err != nil {
		return nil, fmt.Errorf("callseal: transport: %w", err)
	}
	return s, nil
}

func copyKeys(k srtp.Keys) srtp.Keys {
	return srtp.Keys{
		MasterKey:  append([]byte(nil), k.MasterKey...),
		MasterSalt: append([]byte(nil), k.MasterSalt...),
	}
}

// wipeKeys clears k's bytes: best-effort, as Go may have copied them.
func wipeKeys(k srtp.Keys) {
	clear(k.MasterKey)
	clear(k.MasterSalt)
}
