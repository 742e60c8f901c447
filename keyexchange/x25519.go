package keyexchange

import (
	"crypto/ecdh"
	"fmt"
	"io"

	"github.com/callseal/callseal/keyexchange/internal/wire"
)

// x25519PrivateKeySize is the size of an X25519 scalar (RFC 7748, Section 5).
const x25519PrivateKeySize = 32 // bytes

// newX25519Key reads a 32-byte scalar from rand and returns it with its
// public key. It reads from rand itself rather than calling
// ecdh.Curve.GenerateKey, which ignores its reader since Go 1.26, so that
// Config.Rand fully determines a handshake (deterministic test vectors).
// The caller wipes priv.
func newX25519Key(rand io.Reader) (priv [x25519PrivateKeySize]byte, pub [wire.PublicKeySize]byte, err error) {
	if _, err := io.ReadFull(rand, priv[:]); err != nil {
		return priv, pub, fmt.Errorf("%w: reading randomness: %w", ErrInternal, err)
	}
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		clear(priv[:])
		return priv, pub, fmt.Errorf("%w: x25519 key: %w", ErrInternal, err)
	}
	copy(pub[:], k.PublicKey().Bytes())
	return priv, pub, nil
}

// x25519 returns the X25519 shared secret of priv and the peer's public key.
// A low-order peer key makes the result all zeros; RFC 7748, Section 6.1:
// "Both [parties] MAY check, without leaking extra information about the
// value of K, whether K is the all-zero value and abort if so". crypto/ecdh
// performs that check and it is the only way its X25519 ECDH can fail on a
// 32-byte key, so every ECDH failure maps to ErrLowOrderPoint. The caller wipes
// the returned secret.
func x25519(priv *[x25519PrivateKeySize]byte, peer *[wire.PublicKeySize]byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		return nil, fmt.Errorf("%w: x25519 key: %w", ErrInternal, err)
	}
	p, err := ecdh.X25519().NewPublicKey(peer[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	ss, err := k.ECDH(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLowOrderPoint, err)
	}
	return ss, nil
}
